package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A model-call span waits for its log events only when the mapping itself
// finds no content on it: the hint follows the mapping's classification.
func TestAwaitsLogContentFollowsTheMapping(t *testing.T) {
	chat := map[string]any{"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "m"}
	with := func(base map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	tests := []struct {
		name   string
		attrs  map[string]any
		events []tEvent
		want   bool
	}{
		{"semconv chat without content", chat, nil, true},
		{"text_completion without content", with(chat, "gen_ai.operation.name", "text_completion"), nil, true},
		{"completion without content (an llm operation too)", with(chat, "gen_ai.operation.name", "completion"), nil, true},
		{"input messages", with(chat, "gen_ai.input.messages", userHi), nil, false},
		{"output messages only", with(chat, "gen_ai.output.messages", answerOK), nil, false},
		{"OpenLLMetry indexed content", with(chat, "gen_ai.prompt.0.role", "user", "gen_ai.prompt.0.content", "hi"), nil, false},
		{"OpenLLMetry indexed completion", with(chat, "gen_ai.completion.0.content", "ok"), nil, false},
		{"OpenInference indexed content", with(chat, "llm.input_messages.0.message.content", "hi"), nil, false},
		{"Vercel prompt messages", with(chat, "ai.prompt.messages", userHi), nil, false},
		{"content as span events", chat, []tEvent{{Name: "gen_ai.user.message", Attrs: map[string]any{"content": "hi"}}}, false},
		{"a tool span", map[string]any{"gen_ai.operation.name": "execute_tool"}, nil, false},
		{"an agent span", map[string]any{"gen_ai.operation.name": "invoke_agent"}, nil, false},
		{"OpenInference llm span without content (never sends log events)", map[string]any{"openinference.span.kind": "LLM"}, nil, false},
		{"not GenAI", map[string]any{"http.request.method": "GET"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := makeTraces(nil, tSpan{ID: "s", Name: "span", End: 1, Attrs: tt.attrs, Events: tt.events})
			span := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
			assert.Equal(t, tt.want, NewHints().AwaitsLogContent(span))
		})
	}
}
