package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"encoding/json"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/precogx/precogxexporter/internal/genai/content"
)

// Vercel AI SDK (experimental_telemetry): ai.generateText / ai.streamText
// spans (the agent), ai.*.doGenerate / doStream spans (the model calls) and
// ai.toolCall spans; content in ai.prompt.messages and ai.response.text /
// toolCalls (ai.result.* before AI SDK 4).

type vercelFields struct {
	op, provider, functionID        attr
	finishReason                    attr
	prompt, promptMessages, tools   attr
	responseText, responseToolCalls attr
}

var vercelEncoding = &encoding{
	label: "vercel-ai-sdk",
	conv:  convVercel,
	keys: []key{
		{name: "ai.operationId", conv: convVercel, field: func(s *span) *attr { return &s.vercel.op }},
		{name: "ai.model.id", field: func(s *span) *attr { return &s.requestModel }},
		{name: "ai.model.provider", field: func(s *span) *attr { return &s.vercel.provider }},
		{name: "ai.response.model", field: func(s *span) *attr { return &s.responseModel }},
		{name: "ai.response.id", field: func(s *span) *attr { return &s.responseID }},
		{name: "ai.response.finishReason", field: func(s *span) *attr { return &s.vercel.finishReason }},
		{name: "ai.finishReason", field: func(s *span) *attr { return &s.vercel.finishReason }},
		{name: "ai.settings.temperature", field: func(s *span) *attr { return &s.temperature }},
		{name: "ai.settings.maxOutputTokens", field: func(s *span) *attr { return &s.maxTokens }},
		{name: "ai.settings.maxTokens", field: func(s *span) *attr { return &s.maxTokens }},
		{name: "ai.usage.inputTokens", field: func(s *span) *attr { return &s.usage[usageVercel].in }},
		{name: "ai.usage.promptTokens", field: func(s *span) *attr { return &s.usage[usageVercel].in }},
		{name: "ai.usage.outputTokens", field: func(s *span) *attr { return &s.usage[usageVercel].out }},
		{name: "ai.usage.completionTokens", field: func(s *span) *attr { return &s.usage[usageVercel].out }},
		{name: "ai.usage.totalTokens", field: func(s *span) *attr { return &s.usage[usageVercel].total }},
		{name: "ai.prompt", field: func(s *span) *attr { return &s.vercel.prompt }},
		{name: "ai.prompt.messages", field: func(s *span) *attr { return &s.vercel.promptMessages }},
		{name: "ai.prompt.tools", field: func(s *span) *attr { return &s.vercel.tools }},
		{name: "ai.response.text", field: func(s *span) *attr { return &s.vercel.responseText }},
		{name: "ai.result.text", field: func(s *span) *attr { return &s.vercel.responseText }},
		{name: "ai.response.toolCalls", field: func(s *span) *attr { return &s.vercel.responseToolCalls }},
		{name: "ai.result.toolCalls", field: func(s *span) *attr { return &s.vercel.responseToolCalls }},
		{name: "ai.toolCall.name", field: func(s *span) *attr { return &s.tool.name }},
		{name: "ai.toolCall.id", field: func(s *span) *attr { return &s.tool.callID }},
		{name: "ai.toolCall.args", field: func(s *span) *attr { return &s.tool.args }},
		{name: "ai.toolCall.input", field: func(s *span) *attr { return &s.tool.args }},
		{name: "ai.toolCall.result", field: func(s *span) *attr { return &s.tool.result }},
		{name: "ai.toolCall.output", field: func(s *span) *attr { return &s.tool.result }},
		{name: "ai.telemetry.functionId", field: func(s *span) *attr { return &s.vercel.functionID }},
		{name: "ai.telemetry.metadata.userId", id: idUser},
		{name: "ai.settings.context.userId", id: idUser},
		{name: "ai.telemetry.metadata.sessionId", id: idSession},
		{name: "ai.settings.context.sessionId", id: idSession},
	},
}

var vercelSource = &source{
	label: "vercel ai.*",
	input: func(r *run, s *span) []content.Message {
		text := s.vercel.promptMessages.text()
		if text == "" {
			return nil
		}
		msgs, ok := content.ParseMessages([]byte(text))
		if !ok {
			r.stats.RawFallback++
			msgs = []content.Message{{Role: "user", Parts: []content.Part{{Kind: content.Text, Text: text}}}}
		}
		return msgs
	},
	output: func(r *run, s *span) []content.Message {
		f := &s.vercel
		if !f.responseText.ok() && !f.responseToolCalls.ok() {
			return nil
		}
		m := content.Message{Role: "assistant", Finish: f.finishReason.str()}
		if t := f.responseText.text(); t != "" {
			m.Parts = append(m.Parts, content.Part{Kind: content.Text, Text: t})
		}
		if t := f.responseToolCalls.text(); t != "" {
			calls, ok := content.ParseToolCalls([]byte(t))
			if !ok {
				r.stats.RawFallback++
			}
			m.Parts = append(m.Parts, calls...)
		}
		return []content.Message{m}
	},
	hasInput:  func(s *span) bool { return s.vercel.promptMessages.ok() },
	hasOutput: func(s *span) bool { return s.vercel.responseText.ok() || s.vercel.responseToolCalls.ok() },
	agentIO: func(_ *run, s *span) (in, out string, ok bool) {
		f := &s.vercel
		if !f.prompt.ok() && !f.responseText.ok() {
			return "", "", false
		}
		var p struct {
			Prompt   json.RawMessage `json:"prompt"`
			Messages json.RawMessage `json:"messages"`
		}
		if json.Unmarshal([]byte(f.prompt.text()), &p) == nil {
			if len(p.Prompt) > 0 && p.Prompt[0] == '"' {
				_ = json.Unmarshal(p.Prompt, &in)
			} else if msgs, ok := content.ParseMessages(firstRaw(p.Prompt, p.Messages)); ok {
				in = lastUserText(msgs)
			}
		}
		return in, f.responseText.text(), true
	},
	toolDefs: func(s *span, defs []toolDef) []toolDef {
		switch t := s.vercel.tools; t.typ() {
		case pcommon.ValueTypeSlice:
			for i := 0; i < t.v.Slice().Len(); i++ {
				defs = appendToolDef(defs, t.v.Slice().At(i).AsString())
			}
		case pcommon.ValueTypeStr:
			defs = appendToolDef(defs, t.v.Str())
		}
		return defs
	},
	finish: func(s *span) ([]string, bool) {
		if f := s.vercel.finishReason.str(); f != "" {
			return []string{f}, true
		}
		return nil, false
	},
	provider: func(s *span) string { return s.vercel.provider.str() },
}

// vercelRole reads ai.operationId, or the span name when it is missing.
func vercelRole(s *span) role {
	op := s.vercel.op.str()
	if op == "" {
		if !strings.HasPrefix(s.name, "ai.") {
			return roleNone
		}
		op = s.name
	}
	r := roleNone
	switch {
	case strings.HasSuffix(op, ".doGenerate") || strings.HasSuffix(op, ".doStream"):
		r = roleLLM
	case op == "ai.toolCall":
		r = roleTool
	case op == "ai.generateText" || op == "ai.streamText" || op == "ai.generateObject" || op == "ai.streamObject":
		r = roleAgent
	}
	if r != roleNone {
		s.conv |= convVercel
	}
	return r
}
