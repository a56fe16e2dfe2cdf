package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"encoding/json"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/precogx/precogxexporter/internal/genai/content"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// OpenLLMetry (Traceloop): content flattened into indexed attributes
// gen_ai.prompt.{i}.* and gen_ai.completion.{i}.* (tool calls under
// .tool_calls.{j}.*), tools offered in llm.request.functions.{i}.*, the
// Traceloop SDK's workflow, agent and tool spans with their entity input
// and output, and association properties for the user and session.

type traceloopFields struct {
	prompt, completion        content.Indexed
	functions                 []toolDef
	entityName                attr
	entityInput, entityOutput attr
}

// traceloopFlat: gen_ai.prompt.{i}.* and gen_ai.completion.{i}.*
var traceloopFlat = &content.Flat{Role: "role", Content: "content", ToolCallID: "tool_call_id", Finish: "finish_reason",
	Calls: "tool_calls.", CallID: "id", CallName: "name", Arg: "arguments"}

var traceloopEncoding = &encoding{
	label: "openllmetry",
	conv:  convOpenLLMetry,
	keys: []key{
		{name: "llm.request.type", conv: convOpenLLMetry, field: func(s *span) *attr { return &s.op }},
		{name: "traceloop.span.kind", conv: convOpenLLMetry, field: func(s *span) *attr { return &s.kind }},
		{name: "traceloop.entity.name", field: func(s *span) *attr { return &s.traceloop.entityName }},
		{name: "traceloop.entity.input", field: func(s *span) *attr { return &s.traceloop.entityInput }},
		{name: "traceloop.entity.output", field: func(s *span) *attr { return &s.traceloop.entityOutput }},
		{name: "llm.request.max_tokens", field: func(s *span) *attr { return &s.maxTokens }},
		{name: "llm.usage.total_tokens", field: func(s *span) *attr { return &s.usage[usageSemconv].total }},
		{name: "traceloop.association.properties.user_id", id: idUser},
		{name: "traceloop.association.properties.session_id", id: idSession},
	},
	prefixes: []prefixKey{
		{prefix: "gen_ai.prompt.", conv: convOpenLLMetry, set: func(s *span, rest string, v pcommon.Value) {
			s.traceloop.prompt.Set(rest, v, traceloopFlat)
		}},
		{prefix: "gen_ai.completion.", conv: convOpenLLMetry, set: func(s *span, rest string, v pcommon.Value) {
			s.traceloop.completion.Set(rest, v, traceloopFlat)
		}},
		{prefix: "llm.request.functions.", set: func(s *span, rest string, v pcommon.Value) {
			i, field, ok := content.SplitIndex(rest)
			if !ok {
				return
			}
			fs := &s.traceloop.functions
			for len(*fs) <= i {
				*fs = append(*fs, toolDef{})
			}
			switch field {
			case "name":
				(*fs)[i].name = v.Str()
			case "description":
				(*fs)[i].description = v.Str()
			}
		}},
	},
}

var traceloopIndexedSource = &source{
	label:     "openllmetry indexed",
	input:     func(_ *run, s *span) []content.Message { return s.traceloop.prompt.Messages() },
	output:    func(_ *run, s *span) []content.Message { return s.traceloop.completion.Messages() },
	hasInput:  func(s *span) bool { return len(s.traceloop.prompt) > 0 },
	hasOutput: func(s *span) bool { return len(s.traceloop.completion) > 0 },
	toolDefs: func(s *span, defs []toolDef) []toolDef {
		return append(defs, s.traceloop.functions...)
	},
}

var traceloopEntitySource = &source{
	label: "traceloop entity input/output",
	agentIO: func(_ *run, s *span) (in, out string, ok bool) {
		f := &s.traceloop
		if !f.entityInput.ok() && !f.entityOutput.ok() {
			return "", "", false
		}
		return unwrapEntity(f.entityInput.text()).Text(), unwrapEntity(f.entityOutput.text()).Text(), true
	},
	toolInput: func(s *span) (precogxapi.RawJSON, bool) {
		return unwrapEntity(s.traceloop.entityInput.text()), s.traceloop.entityInput.ok()
	},
	toolOutput: func(s *span) (precogxapi.RawJSON, bool) {
		return unwrapEntity(s.traceloop.entityOutput.text()), s.traceloop.entityOutput.ok()
	},
}

func traceloopRole(s *span) role {
	switch s.kind.str() {
	case "tool":
		return roleTool
	case "agent", "workflow":
		return roleAgent
	}
	return roleNone
}

// traceloopAgent is the name of a Traceloop agent span (rule 3).
func traceloopAgent(s *span) string {
	if s.kind.str() == "agent" {
		return s.traceloop.entityName.str()
	}
	return ""
}

// unwrapEntity reads traceloop's {"args":[...],"kwargs":{...}} wrapping.
func unwrapEntity(s string) precogxapi.RawJSON {
	if s == "" {
		return nil
	}
	var v precogxapi.RawJSON
	if t := strings.TrimSpace(s); json.Valid([]byte(t)) {
		// also unwraps JSON encoded twice, as the JS SDK does
		v = content.FromRaw(json.RawMessage(t))
	} else {
		v = content.FromText(s)
	}
	if len(v) == 0 || v[0] != '{' {
		return v
	}
	var w struct {
		Args   []json.RawMessage `json:"args"`
		Kwargs map[string]json.RawMessage
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(v, &probe) != nil || len(probe) > 2 {
		return v
	}
	_, hasArgs := probe["args"]
	kw, hasKwargs := probe["kwargs"]
	if !hasArgs && !hasKwargs {
		return v
	}
	_ = json.Unmarshal(v, &w)
	switch {
	case len(w.Args) == 0 && hasKwargs:
		return precogxapi.RawJSON(kw)
	case len(w.Kwargs) == 0 && len(w.Args) == 1:
		return content.FromRaw(w.Args[0])
	case len(w.Kwargs) == 0:
		out, _ := json.Marshal(w.Args)
		return out
	}
	return v
}
