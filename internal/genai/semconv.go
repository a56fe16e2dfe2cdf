package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"encoding/json"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/precogx/precogxexporter/internal/assembly"
	"github.com/precogx/precogxexporter/internal/genai/content"
)

// OTel GenAI semantic conventions >= 1.37: content in gen_ai.input.messages,
// gen_ai.output.messages and gen_ai.system_instructions (JSON strings or
// structured values), or in one gen_ai.client.inference.operation.details
// event; plus the gen_ai.* facts every later encoding reuses, and the
// general OTel identity and context keys.

// evDetails carries a whole model call's content in one event.
const evDetails = "gen_ai.client.inference.operation.details"

// semconvFields are the content values of semconv >= 1.37.
type semconvFields struct {
	input, output, system, toolDefs attr
}

func (f *semconvFields) fillFrom(o *semconvFields) {
	f.input.fill(o.input)
	f.output.fill(o.output)
	f.system.fill(o.system)
	f.toolDefs.fill(o.toolDefs)
}

var semconvEncoding = &encoding{
	label:  "otel-genai-semconv",
	conv:   convSemconv,
	events: []string{evDetails},
	keys: []key{
		{name: "gen_ai.operation.name", conv: convSemconv, field: func(s *span) *attr { return &s.op }},
		{name: "gen_ai.provider.name", conv: convSemconv, field: func(s *span) *attr { return &s.provider }},
		{name: "gen_ai.system", conv: convSemconv, field: func(s *span) *attr { return &s.system }},
		{name: "gen_ai.request.model", field: func(s *span) *attr { return &s.requestModel }},
		{name: "gen_ai.response.model", field: func(s *span) *attr { return &s.responseModel }},
		{name: "gen_ai.response.id", field: func(s *span) *attr { return &s.responseID }},
		{name: "gen_ai.request.temperature", field: func(s *span) *attr { return &s.temperature }},
		{name: "gen_ai.request.max_tokens", field: func(s *span) *attr { return &s.maxTokens }},
		{name: "gen_ai.usage.input_tokens", field: func(s *span) *attr { return &s.usage[usageSemconv].in }},
		{name: "gen_ai.usage.output_tokens", field: func(s *span) *attr { return &s.usage[usageSemconv].out }},
		{name: "gen_ai.usage.total_tokens", field: func(s *span) *attr { return &s.usage[usageSemconv].total }},
		{name: "gen_ai.usage.cost", field: func(s *span) *attr { return &s.cost }},
		{name: "gen_ai.response.finish_reasons", field: func(s *span) *attr { return &s.finishReasons }},
		{name: "gen_ai.input.messages", field: func(s *span) *attr { return &s.semconv.input }},
		{name: "gen_ai.output.messages", field: func(s *span) *attr { return &s.semconv.output }},
		{name: "gen_ai.system_instructions", field: func(s *span) *attr { return &s.semconv.system }},
		{name: "gen_ai.tool.definitions", field: func(s *span) *attr { return &s.semconv.toolDefs }},
		{name: "gen_ai.agent.name", field: func(s *span) *attr { return &s.agentName }},
		{name: "gen_ai.agent.id", field: func(s *span) *attr { return &s.agentID }},
		{name: "gen_ai.tool.name", field: func(s *span) *attr { return &s.tool.name }},
		{name: "gen_ai.tool.call.id", field: func(s *span) *attr { return &s.tool.callID }},
		{name: "gen_ai.tool.description", field: func(s *span) *attr { return &s.tool.description }},
		{name: "gen_ai.tool.call.arguments", field: func(s *span) *attr { return &s.tool.args }},
		{name: "gen_ai.tool.call.result", field: func(s *span) *attr { return &s.tool.result }},
		{name: "error.type", do: func(s *span, _ pcommon.Value) { s.failed = true }},
		// identities and context (rule 7), Langfuse's beside the semconv ones
		{name: "user.id", id: idUser},
		{name: "enduser.id", id: idUser},
		{name: "langfuse.user.id", id: idUser},
		{name: "session.id", id: idSession},
		{name: "langfuse.session.id", id: idSession},
		{name: "gen_ai.conversation.id", id: idConversation},
		{name: "user_agent.original", id: idUserAgent},
		{name: "client.address", id: idClientAddress},
		{name: "deployment.environment.name", id: idEnvironment},
		{name: "deployment.environment", id: idEnvironment},
		// the exporter's own marks (internal/assembly)
		{name: assembly.AttrSynthetic, do: func(s *span, _ pcommon.Value) { s.synthetic, s.role = true, roleLLM }},
		{name: assembly.AttrPartial, do: func(s *span, _ pcommon.Value) { s.partial = true }},
	},
}

var semconvSource = &source{
	label: "gen_ai.input/output.messages",
	input: func(r *run, s *span) []content.Message {
		return r.semconvMessages(s.semconv.input, "user")
	},
	output: func(r *run, s *span) []content.Message {
		return r.semconvMessages(s.semconv.output, "assistant")
	},
	hasInput:  func(s *span) bool { return isJSONValue(s.semconv.input) },
	hasOutput: func(s *span) bool { return isJSONValue(s.semconv.output) },
	agentIO: func(r *run, s *span) (in, out string, ok bool) {
		if !s.semconv.input.ok() && !s.semconv.output.ok() {
			return "", "", false
		}
		if msgs, ok := r.parseSemconv(s.semconv.input); ok {
			in = lastUserText(content.WithDefaultRole(msgs, "user"))
		}
		if msgs, ok := r.parseSemconv(s.semconv.output); ok {
			out = firstText(msgs)
		}
		return in, out, in != "" || out != ""
	},
	toolDefs: func(s *span, defs []toolDef) []toolDef {
		if data := s.semconv.toolDefs.json(); data != nil {
			var jd []jsonToolDef
			if json.Unmarshal(data, &jd) == nil {
				for i := range jd {
					defs = append(defs, jd[i].def())
				}
			}
		}
		return defs
	},
	finish: func(s *span) ([]string, bool) {
		return stringList(s.finishReasons)
	},
	provider: func(s *span) string {
		if p := s.provider.str(); p != "" {
			return p
		}
		return s.system.str()
	},
}

// semconvRole reads the operation name (OpenLLMetry's llm.request.type
// writes the same field).
func semconvRole(s *span) role {
	switch s.op.str() {
	case "chat", "text_completion", "generate_content", "completion":
		return roleLLM
	case "execute_tool":
		return roleTool
	case "invoke_agent", "invoke_workflow":
		return roleAgent
	}
	return roleNone
}

// semconvMessages reads a semconv messages value, giving messages without a
// role the role given.
func (r *run) semconvMessages(v attr, role string) []content.Message {
	if msgs, ok := r.parseSemconv(v); ok && len(msgs) > 0 {
		return content.WithDefaultRole(msgs, role)
	}
	return nil
}

// parseSemconv reads a messages value; text that is not JSON messages is
// one message of that text (counted when it looked like broken JSON).
func (r *run) parseSemconv(v attr) ([]content.Message, bool) {
	data := v.json()
	if data == nil {
		return nil, false
	}
	msgs, ok := r.parsed.ParseMessages(data)
	if !ok {
		if content.LooksLikeJSON(data) {
			r.stats.RawFallback++
		}
		return []content.Message{{Parts: []content.Part{{Kind: content.Text, Text: string(data)}}}}, true
	}
	return msgs, true
}

// isJSONValue tells a content value of a type content is written in: a
// JSON string or a structured value.
func isJSONValue(a attr) bool {
	switch a.typ() {
	case pcommon.ValueTypeStr, pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		return true
	}
	return false
}

// jsonToolDef is a tool definition: {"name","description"} or OpenAI's
// {"type":"function","function":{"name","description"}}.
type jsonToolDef struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Function    *struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"function"`
}

func (d *jsonToolDef) def() toolDef {
	if d.Function != nil && d.Function.Name != "" {
		return toolDef{d.Function.Name, d.Function.Description}
	}
	return toolDef{d.Name, d.Description}
}

// stringList reads a list of strings given as a list, a JSON list in a
// string, or one string.
func stringList(a attr) ([]string, bool) {
	switch a.typ() {
	case pcommon.ValueTypeSlice:
		sl := a.v.Slice()
		var out []string
		for i := 0; i < sl.Len(); i++ {
			out = append(out, sl.At(i).AsString())
		}
		return out, true
	case pcommon.ValueTypeStr:
		s := a.v.Str()
		if s == "" {
			return nil, false
		}
		// out is declared here: json.Unmarshal moves it to the heap
		var out []string
		if s[0] == '[' && json.Unmarshal([]byte(s), &out) == nil {
			return out, true
		}
		return []string{s}, true
	}
	return nil, false
}
