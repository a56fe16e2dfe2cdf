package genai

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/pdatautil"
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

// The shortcuts of AwaitsLogContent answer as the full reading does: every
// span of testdata, and variants of each that touch what the shortcuts read.
func TestAwaitsLogContentShortcuts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "*", "*.traces.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	variants := []func(ptrace.Span){
		func(ptrace.Span) {},
		func(s ptrace.Span) { s.Attributes().PutStr("ai.operationId", "ai.generateText.doGenerate") },
		func(s ptrace.Span) { s.Attributes().PutStr("llm.request.type", "chat") },
		func(s ptrace.Span) { s.SetName("ai.streamText.doStream") },
		func(s ptrace.Span) {
			s.Attributes().Remove("gen_ai.input.messages")
			s.Attributes().Remove("gen_ai.output.messages")
		},
		func(s ptrace.Span) { s.Attributes().PutInt("gen_ai.input.messages", 1) },
		func(s ptrace.Span) { s.Attributes().PutEmptySlice("gen_ai.output.messages") },
		func(s ptrace.Span) { s.Events().RemoveIf(func(ptrace.SpanEvent) bool { return true }) },
	}
	ops := []any{nil, "chat", "text_completion", "execute_tool", "invoke_agent", "invoke_workflow", "embeddings", 7}
	h := NewHints()
	checked, awaiting := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
		require.NoError(t, err)
		pdatautil.ForEachSpan(td, func(orig ptrace.Span) {
			for _, op := range ops {
				for v, vary := range variants {
					s := ptrace.NewSpan()
					orig.CopyTo(s)
					switch op := op.(type) {
					case string:
						s.Attributes().PutStr("gen_ai.operation.name", op)
					case int:
						s.Attributes().PutInt("gen_ai.operation.name", int64(op))
					}
					vary(s)
					_, named := s.Attributes().Get("gen_ai.operation.name")
					want := named && h.readsAsAwaiting(s)
					require.Equal(t, want, h.AwaitsLogContent(s), "%s span %s op %v variant %d", filepath.Base(f), orig.Name(), op, v)
					checked++
					if want {
						awaiting++
					}
				}
			}
		})
	}
	assert.Positive(t, awaiting, "some variants await their log events")
	t.Logf("%d spans checked, %d awaiting", checked, awaiting)
}
