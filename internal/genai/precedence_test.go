package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// A field several keys write takes the key of the earlier encoding (then
// the earlier key), whatever order the attributes come in.
func TestPrecedenceFieldsByEncodingNotAttributeOrder(t *testing.T) {
	agent := tSpan{ID: "agent", Name: "invoke_agent", End: 50, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}}
	tool := tSpan{ID: "tool", Parent: "agent", Name: "tool", Start: 6, End: 7, Attrs: map[string]any{"gen_ai.operation.name": "execute_tool"}}
	call := chatSpan("llm", "agent", 1, 5, userHi, answerOK)
	delete(call.Attrs, "gen_ai.usage.input_tokens")
	vercelCall := tSpan{ID: "llm", Parent: "agent", Name: "ai.generateText.doGenerate", Start: 1, End: 5, Attrs: map[string]any{"ai.prompt.messages": userHi}}
	tests := []struct {
		name          string
		span          tSpan // the span the two keys go to
		winner, loser [2]any
		got           func(ix map[string]any) any
	}{
		{"gen_ai.tool.name over tool.name", tool, [2]any{"gen_ai.tool.name", "semconv"}, [2]any{"tool.name", "openinference"},
			func(ix map[string]any) any { return ix["toolCalls"].([]any)[0].(map[string]any)["name"] }},
		{"gen_ai.tool.call.arguments over ai.toolCall.args", tool, [2]any{"gen_ai.tool.call.arguments", `{"a":1}`}, [2]any{"ai.toolCall.args", `{"b":2}`},
			func(ix map[string]any) any { return ix["toolCalls"].([]any)[0].(map[string]any)["input"] }},
		{"gen_ai.usage.input_tokens over prompt_tokens", call, [2]any{"gen_ai.usage.input_tokens", 10}, [2]any{"gen_ai.usage.prompt_tokens", 99},
			func(ix map[string]any) any { return meta(ix)["input_tokens"] }},
		{"gen_ai.request.max_tokens over llm.request.max_tokens", call, [2]any{"gen_ai.request.max_tokens", 100}, [2]any{"llm.request.max_tokens", 200},
			func(ix map[string]any) any { return meta(ix)["max_tokens"] }},
		{"ai.response.text over ai.result.text", vercelCall, [2]any{"ai.response.text", "new"}, [2]any{"ai.result.text", "old"},
			func(ix map[string]any) any { return ix["response"] }},
	}
	for _, tt := range tests {
		for _, order := range [][2][2]any{{tt.winner, tt.loser}, {tt.loser, tt.winner}} {
			t.Run(tt.name+" after "+order[0][0].(string), func(t *testing.T) {
				spans := []tSpan{agent, tt.span}
				if tt.span.ID == "tool" { // a turn needs a model call
					spans = append(spans, chatSpan("llm", "agent", 1, 5, userHi, answerOK))
				}
				td := makeTraces(nil, spans...)
				attrs := spanNamed(td, tt.span.ID).Attributes()
				for _, kv := range order {
					putAttrs(attrs, map[string]any{kv[0].(string): kv[1]})
				}
				ix, _ := mapOne(t, defaultMapper(), td)
				want := tt.winner[1]
				if s, ok := want.(string); ok && s[0] == '{' {
					want = map[string]any{"a": 1.0}
				} else if n, ok := want.(int); ok {
					want = float64(n)
				}
				assert.Equal(t, want, tt.got(ix))
			})
		}
	}
}

// The source a later model call names is the one its input is read from
// when it is the first call: both walk one ladder (span events before
// input.value).
func TestPrecedenceOneLadder(t *testing.T) {
	call := func(id string, start int64) tSpan {
		return tSpan{ID: id, Parent: "agent", Name: "llm", Start: start, End: start + 5, Attrs: map[string]any{
			"openinference.span.kind": "LLM", "input.value": "as a value"},
			Events: []tEvent{{Name: "gen_ai.user.message", Attrs: map[string]any{"content": "as an event"}},
				{Name: "gen_ai.choice", Attrs: map[string]any{"message": map[string]any{"content": "answer"}}}}}
	}
	ix, _ := mapOne(t, defaultMapper(), makeTraces(nil,
		tSpan{ID: "agent", Name: "agent", End: 50, Attrs: map[string]any{"openinference.span.kind": "AGENT"}},
		call("llm1", 1), call("llm2", 10)))
	assert.Equal(t, "as an event", ix["prompt"])
	assert.Equal(t, []any{"v1.28 gen_ai.*.message/gen_ai.choice events"}, meta(ix)["content_source"],
		"the second call names the source the first call was read from")
}

func spanNamed(td ptrace.Traces, id string) ptrace.Span {
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < spans.Len(); i++ {
		if spans.At(i).SpanID() == spanID(id) {
			return spans.At(i)
		}
	}
	panic("no span " + id)
}

// The key table finds every key of every encoding, and nothing else.
func TestKeyTableFindsEveryKey(t *testing.T) {
	n := 0
	for _, enc := range encodings {
		for _, k := range enc.keys {
			e := keyTable.get(k.name)
			require.NotNil(t, e, k.name)
			assert.Equal(t, k.name, e.name)
			n++
		}
	}
	assert.Greater(t, n, 90)
	for _, k := range []string{"", "x", "gen_ai", "gen_ai.prompt.0.content", "http.request.method", "gen_ai.usage.input_token", "user.idx"} {
		assert.Nil(t, keyTable.get(k), k)
	}
}
