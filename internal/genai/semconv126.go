package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/precogx/precogxexporter/internal/genai/content"
)

// OTel GenAI semantic conventions 1.26-1.27: the deprecated gen_ai.prompt /
// gen_ai.completion attributes, the gen_ai.content.prompt / completion span
// events, the older usage names; the content is JSON messages, "role: text"
// lines or plain text. OpenLIT writes this version and names itself in
// telemetry.sdk.name.

const (
	evPrompt     = "gen_ai.content.prompt"
	evCompletion = "gen_ai.content.completion"
)

type semconv126Fields struct {
	prompt, completion attr
}

var semconv126Encoding = &encoding{
	events: []string{evPrompt, evCompletion},
	keys: []key{
		{name: "gen_ai.prompt", field: func(s *span) *attr { return &s.semconv126.prompt }},
		{name: "gen_ai.completion", field: func(s *span) *attr { return &s.semconv126.completion }},
		{name: "gen_ai.usage.prompt_tokens", field: func(s *span) *attr { return &s.usage[usageSemconv].in }},
		{name: "gen_ai.usage.completion_tokens", field: func(s *span) *attr { return &s.usage[usageSemconv].out }},
	},
}

var openlitEncoding = &encoding{
	label: "openlit",
	conv:  convOpenLIT,
	keys: []key{
		{name: "telemetry.sdk.name", do: func(s *span, v pcommon.Value) {
			if isOpenLIT(v) {
				s.conv |= convOpenLIT
			}
		}},
	},
}

// isOpenLIT reads telemetry.sdk.name, on a span or its resource.
func isOpenLIT(v pcommon.Value) bool { return v.Str() == "openlit" }

var semconv126Source = &source{
	label: "v1.26 gen_ai.prompt/completion attributes",
	input: func(r *run, s *span) []content.Message {
		return r.legacy(s.semconv126.prompt.text(), "user")
	},
	output: func(r *run, s *span) []content.Message {
		return r.legacy(s.semconv126.completion.text(), "assistant")
	},
	hasInput:  func(s *span) bool { return s.semconv126.prompt.ok() },
	hasOutput: func(s *span) bool { return s.semconv126.completion.ok() },
}

var semconv126EventsSource = &source{
	label: "v1.26 gen_ai.content.* events",
	input: func(r *run, s *span) []content.Message {
		return r.legacyEvents(s, evPrompt, "gen_ai.prompt", "user")
	},
	output: func(r *run, s *span) []content.Message {
		return r.legacyEvents(s, evCompletion, "gen_ai.completion", "assistant")
	},
	hasInput:  func(s *span) bool { return hasEvent(s, func(n string) bool { return n == evPrompt }) },
	hasOutput: func(s *span) bool { return hasEvent(s, func(n string) bool { return n == evCompletion }) },
}

// semconv126Role: before the operation name was required, a span naming a
// system and a model is a model call.
func semconv126Role(s *span) role {
	if s.op.str() == "" && (s.system.str() != "" || s.provider.str() != "") && s.requestModel.text() != "" {
		return roleLLM
	}
	return roleNone
}

// legacy reads a 1.26 content value, counting JSON that did not decode.
func (r *run) legacy(text, role string) []content.Message {
	msgs, failed := content.ParseLegacy(text, role)
	if failed {
		r.stats.RawFallback++
	}
	return msgs
}

func (r *run) legacyEvents(s *span, name, key, role string) []content.Message {
	var msgs []content.Message
	for i := range s.events {
		if ev := &s.events[i]; ev.name == name {
			if t := eventString(ev, key); t != "" {
				msgs = append(msgs, r.legacy(t, role)...)
			}
		}
	}
	return msgs
}
