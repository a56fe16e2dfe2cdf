package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"cmp"
	"encoding/json"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/precogx/precogxexporter/internal/genai/content"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// OpenInference (Arize): span kinds in openinference.span.kind, content
// flattened into llm.input_messages.{i}.message.* and
// llm.output_messages.{i}.message.* (with contents and tool calls), tools
// offered as JSON schemas in llm.tools.{i}.tool.json_schema, and the whole
// request and response of any span in input.value / output.value.

type openinferenceFields struct {
	input, output           content.Indexed
	tools                   []string
	provider, system        attr // llm.provider, llm.system
	invocationParams        attr
	inputValue, outputValue attr
	agentName, metadata     attr
}

// openinferenceFlat: llm.input_messages.{i}.message.* and llm.output_messages.{i}.message.*
var openinferenceFlat = &content.Flat{Prefix: "message.", Role: "role", Content: "content", ToolCallID: "tool_call_id",
	Contents: "contents.", ContentText: "message_content.text",
	Calls: "tool_calls.", CallID: "tool_call.id", CallName: "tool_call.function.name", Arg: "tool_call.function.arguments"}

var openinferenceEncoding = &encoding{
	label: "openinference",
	conv:  convOpenInference,
	keys: []key{
		{name: "openinference.span.kind", conv: convOpenInference, field: func(s *span) *attr { return &s.kind }},
		{name: "llm.model_name", conv: convOpenInference, field: func(s *span) *attr { return &s.responseModel }},
		{name: "llm.provider", field: func(s *span) *attr { return &s.openinference.provider }},
		{name: "llm.system", field: func(s *span) *attr { return &s.openinference.system }},
		{name: "llm.invocation_parameters", field: func(s *span) *attr { return &s.openinference.invocationParams }},
		{name: "llm.token_count.prompt", field: func(s *span) *attr { return &s.usage[usageOpenInference].in }},
		{name: "llm.token_count.completion", field: func(s *span) *attr { return &s.usage[usageOpenInference].out }},
		{name: "llm.token_count.total", field: func(s *span) *attr { return &s.usage[usageOpenInference].total }},
		{name: "input.value", field: func(s *span) *attr { return &s.openinference.inputValue }},
		{name: "output.value", field: func(s *span) *attr { return &s.openinference.outputValue }},
		{name: "tool.name", field: func(s *span) *attr { return &s.tool.name }},
		{name: "tool.description", field: func(s *span) *attr { return &s.tool.description }},
		{name: "tool_call.id", field: func(s *span) *attr { return &s.tool.callID }},
		{name: "agent.name", field: func(s *span) *attr { return &s.openinference.agentName }},
		{name: "metadata", field: func(s *span) *attr { return &s.openinference.metadata }},
	},
	prefixes: []prefixKey{
		{prefix: "llm.input_messages.", conv: convOpenInference, set: func(s *span, rest string, v pcommon.Value) {
			s.openinference.input.Set(rest, v, openinferenceFlat)
		}},
		{prefix: "llm.output_messages.", conv: convOpenInference, set: func(s *span, rest string, v pcommon.Value) {
			s.openinference.output.Set(rest, v, openinferenceFlat)
		}},
		{prefix: "llm.tools.", set: func(s *span, rest string, v pcommon.Value) {
			if strings.HasSuffix(rest, ".tool.json_schema") {
				s.openinference.tools = append(s.openinference.tools, v.AsString())
			}
		}},
	},
}

var openinferenceSource = &source{
	label:     "openinference llm.*_messages",
	input:     func(_ *run, s *span) []content.Message { return s.openinference.input.Messages() },
	output:    func(_ *run, s *span) []content.Message { return s.openinference.output.Messages() },
	hasInput:  func(s *span) bool { return len(s.openinference.input) > 0 },
	hasOutput: func(s *span) bool { return len(s.openinference.output) > 0 },
	toolDefs: func(s *span, defs []toolDef) []toolDef {
		for _, t := range s.openinference.tools {
			defs = appendToolDef(defs, t)
		}
		return defs
	},
	provider: func(s *span) string {
		return cmp.Or(s.openinference.provider.str(), s.openinference.system.str())
	},
}

// openinferenceValueSource reads input.value / output.value: of a model
// call only when the span speaks OpenInference, of any agent or tool span.
var openinferenceValueSource = &source{
	label: "openinference input/output.value",
	input: func(_ *run, s *span) []content.Message {
		if !hasValue(s, &s.openinference.inputValue) {
			return nil
		}
		return []content.Message{{Role: "user", Parts: []content.Part{{Kind: content.Text, Text: valueText(s.openinference.inputValue.text(), false)}}}}
	},
	output: func(_ *run, s *span) []content.Message {
		if !hasValue(s, &s.openinference.outputValue) {
			return nil
		}
		return []content.Message{{Role: "assistant", Parts: []content.Part{{Kind: content.Text, Text: valueText(s.openinference.outputValue.text(), true)}}}}
	},
	hasInput:  func(s *span) bool { return hasValue(s, &s.openinference.inputValue) },
	hasOutput: func(s *span) bool { return hasValue(s, &s.openinference.outputValue) },
	agentIO: func(_ *run, s *span) (in, out string, ok bool) {
		f := &s.openinference
		if !f.inputValue.ok() && !f.outputValue.ok() {
			return "", "", false
		}
		return valueText(f.inputValue.text(), false), valueText(f.outputValue.text(), true), true
	},
	toolInput: func(s *span) (precogxapi.RawJSON, bool) {
		return content.FromText(s.openinference.inputValue.text()), s.openinference.inputValue.ok()
	},
	toolOutput: func(s *span) (precogxapi.RawJSON, bool) {
		return content.FromText(s.openinference.outputValue.text()), s.openinference.outputValue.ok()
	},
}

func hasValue(s *span, v *attr) bool { return v.ok() && s.conv&convOpenInference != 0 }

func openinferenceRole(s *span) role {
	switch s.kind.str() {
	case "LLM":
		return roleLLM
	case "TOOL":
		return roleTool
	case "AGENT", "CHAIN":
		return roleAgent
	}
	return roleNone
}

// invocationParams are the request parameters OpenInference records.
type invocationParams struct {
	Model               string   `json:"model"`
	Temperature         *float64 `json:"temperature"`
	MaxTokens           *int64   `json:"max_tokens"`
	MaxOutputTokens     *int64   `json:"max_output_tokens"`
	MaxCompletionTokens *int64   `json:"max_completion_tokens"`
}

func (p *invocationParams) maxTokens() precogxapi.OptInt {
	for _, v := range []*int64{p.MaxTokens, p.MaxOutputTokens, p.MaxCompletionTokens} {
		if v != nil {
			return precogxapi.SomeInt(*v)
		}
	}
	return precogxapi.OptInt{}
}

func (f *openinferenceFields) invocation() *invocationParams {
	if !f.invocationParams.ok() {
		return nil
	}
	var p invocationParams
	if json.Unmarshal([]byte(f.invocationParams.text()), &p) != nil {
		return nil
	}
	return &p
}

// valueShape holds the request and response shapes seen in input.value /
// output.value: chat messages, Responses API input and output_text, chat
// completion choices.
type valueShape struct {
	Messages   json.RawMessage `json:"messages"`
	Input      json.RawMessage `json:"input"`
	OutputText string          `json:"output_text"`
	Text       string          `json:"text"` // Mastra's agent run output
	Choices    []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
		Text string `json:"text"`
	} `json:"choices"`
	Output []struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	} `json:"output"`
}

// valueText reads an input.value or output.value as the user's question or
// the answer: plain text, a JSON string, JSON messages, or the JSON of an
// OpenAI request or response.
func valueText(s string, output bool) string {
	t := strings.TrimSpace(s)
	if t == "" {
		return ""
	}
	pick := func(msgs []content.Message) string {
		if output {
			return lastText(msgs)
		}
		return lastUserText(msgs)
	}
	switch t[0] {
	case '"':
		var out string
		if json.Unmarshal([]byte(t), &out) == nil {
			return out
		}
	case '[':
		if msgs, ok := content.ParseMessages([]byte(t)); ok {
			if x := pick(msgs); x != "" {
				return x
			}
		}
	case '{':
		var v valueShape
		if json.Unmarshal([]byte(t), &v) != nil {
			break
		}
		if output {
			return cmp.Or(outputText(&v), s)
		}
		if in := firstRaw(v.Messages, v.Input); len(in) > 0 {
			if in[0] == '"' {
				var q string
				if json.Unmarshal(in, &q) == nil {
					return q
				}
			}
			if msgs, ok := content.ParseMessages(in); ok {
				if x := pick(msgs); x != "" {
					return x
				}
			}
		}
		if msgs, ok := content.ParseMessages([]byte(t)); ok {
			if x := pick(msgs); x != "" {
				return x
			}
		}
	}
	return s
}

// outputText is the answer in a response object.
func outputText(v *valueShape) string {
	if x := cmp.Or(v.OutputText, v.Text); x != "" {
		return x
	}
	for _, c := range v.Choices {
		if x := cmp.Or(c.Message.Content, c.Text); x != "" {
			return x
		}
	}
	for _, o := range v.Output {
		for _, c := range o.Content {
			if c.Text != "" {
				return c.Text
			}
		}
	}
	return ""
}

func firstRaw(vs ...json.RawMessage) json.RawMessage {
	for _, v := range vs {
		if len(v) > 0 && string(v) != "null" {
			return v
		}
	}
	return nil
}
