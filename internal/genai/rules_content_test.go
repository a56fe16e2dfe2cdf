package genai

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/genaitest"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

func TestRule8SpanEventsFillGaps(t *testing.T) {
	t.Run("v1.28 span events", func(t *testing.T) {
		llm := tSpan{ID: "llm", Name: "chat m", End: 5, Attrs: map[string]any{"gen_ai.operation.name": "chat", "gen_ai.system": "openai"},
			Events: []tEvent{
				{Name: "gen_ai.user.message", Attrs: map[string]any{"content": "from event"}},
				{Name: "gen_ai.choice", Attrs: map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": "event answer"}}},
			}}
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, llm))
		assert.Equal(t, "from event", ix["prompt"])
		assert.Equal(t, "event answer", ix["response"])
		assert.Equal(t, []any{"v1.28 gen_ai.*.message/gen_ai.choice events"}, meta(ix)["content_source"])
	})
	t.Run("attributes win over events", func(t *testing.T) {
		llm := chatSpan("llm", "", 0, 5, userHi, answerOK)
		llm.Events = []tEvent{{Name: "gen_ai.content.prompt", Attrs: map[string]any{"gen_ai.prompt": "user: from event"}}}
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, llm))
		assert.Equal(t, "hi", ix["prompt"])
		assert.Equal(t, []any{"gen_ai.input/output.messages"}, meta(ix)["content_source"])
	})
	t.Run("deprecated gen_ai.prompt attribute", func(t *testing.T) {
		llm := tSpan{ID: "llm", Name: "chat", End: 5, Attrs: map[string]any{"gen_ai.operation.name": "chat",
			"gen_ai.prompt": "system: be nice\nuser: multi\nline question", "gen_ai.completion": "plain answer"}}
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, llm))
		assert.Equal(t, "multi\nline question", ix["prompt"])
		assert.Equal(t, "plain answer", ix["response"])
	})
}

func TestRule8LogEventsFillTheirSpan(t *testing.T) {
	td := makeTraces(map[string]any{"service.name": "svc"}, tSpan{ID: "llm", Name: "chat", End: 5,
		Attrs: map[string]any{"gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "m"}})
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	add := func(name string, useAttr bool, body map[string]any) {
		lr := lrs.AppendEmpty()
		lr.SetTraceID(genaitest.TraceIDHex(tTrace))
		lr.SetSpanID(spanID("llm"))
		if useAttr {
			lr.Attributes().PutStr("event.name", name)
		} else {
			lr.SetEventName(name)
		}
		require.NoError(t, lr.Body().SetEmptyMap().FromRaw(body))
	}
	add("gen_ai.user.message", true, map[string]any{"content": "joined prompt"})
	add("gen_ai.choice", false, map[string]any{"message": map[string]any{"content": "joined answer"}, "finish_reason": "stop"})
	other := lrs.AppendEmpty()
	other.Body().SetStr("an ordinary log line")

	ixs, _ := defaultMapper().Map(joinLogs(td, ld))
	require.Len(t, ixs, 1)
	assert.Equal(t, "joined prompt", ixs[0].Prompt)
	assert.Equal(t, "joined answer", ixs[0].Response)
	assert.Equal(t, []string{"stop"}, ixs[0].Meta.FinishReasons)
}

// Rule 8: sample a2's log event (an inference details event) repeats the
// content of sample a's second model call; joined to it, it changes nothing.
func TestRule8LogEventRepeatingTheSpanIsUsedOnce(t *testing.T) {
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(fixture(t, "a_semconv_latest_agent.traces.json"))
	require.NoError(t, err)
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(fixture(t, "a2_semconv_inference_operation_details.logs.json"))
	require.NoError(t, err)
	ixs, _ := defaultMapper().Map(joinLogs(td, ld))
	require.Len(t, ixs, 1)
	var want struct{ Interactions []map[string]any }
	require.NoError(t, json.Unmarshal(fixture(t, "a_semconv_latest_agent.golden.json"), &want))
	assert.Equal(t, want.Interactions[0], decode(t, &ixs[0]))
}

func TestRule8SameCallTracedTwice(t *testing.T) {
	chain := tSpan{ID: "root", Name: "turn", End: 100, Attrs: map[string]any{"openinference.span.kind": "CHAIN"}}
	question := map[string]any{
		"llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "q",
		"llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.content": "a",
		"llm.token_count.prompt": 10, "llm.token_count.completion": 5,
	}
	t.Run("an SDK span below the instrumentation's span is the same call", func(t *testing.T) {
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, chain,
			oiLLM("oi", "root", 1, 50, question), sdkChat("sdk", "oi", 2, 49, "msg_1", 10, 5)))
		assert.Equal(t, float64(1), meta(ix)["llm_call_count"])
		assert.Equal(t, float64(15), meta(ix)["tokens_used"], "usage counts once")
		assert.Equal(t, "q", ix["prompt"])
		assert.Equal(t, "a", ix["response"])
		assert.Equal(t, []any{"msg_1"}, meta(ix)["response_ids"], "the nested span fills what the outer lacks")
	})
	t.Run("the nested span's content fills an outer span without content", func(t *testing.T) {
		sdk := sdkChat("sdk", "oi", 2, 49, "msg_1", 10, 5)
		sdk.Attrs["gen_ai.input.messages"] = userHi
		sdk.Attrs["gen_ai.output.messages"] = answerOK
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, chain,
			oiLLM("oi", "root", 1, 50, map[string]any{"llm.token_count.prompt": 10, "llm.token_count.completion": 5}), sdk))
		assert.Equal(t, "hi", ix["prompt"])
		assert.Equal(t, "ok", ix["response"])
		assert.Equal(t, float64(15), meta(ix)["tokens_used"])
	})
	t.Run("a streamed call's SDK span beside the instrumentation's span", func(t *testing.T) {
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, chain,
			oiLLM("oi", "root", 1, 50, question), sdkChat("sdk", "root", 1, 51, "msg_1", 10, 5)))
		assert.Equal(t, float64(1), meta(ix)["llm_call_count"])
		assert.Equal(t, float64(15), meta(ix)["tokens_used"])
	})
	t.Run("concurrent calls of one library stay two calls", func(t *testing.T) {
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, chain,
			sdkChat("c1", "root", 1, 50, "msg_1", 10, 5), sdkChat("c2", "root", 2, 40, "msg_2", 20, 5)))
		assert.Equal(t, float64(2), meta(ix)["llm_call_count"])
		assert.Equal(t, float64(40), meta(ix)["tokens_used"])
	})
	t.Run("content and the same text in contents are used once (openai-agents with OpenInference)", func(t *testing.T) {
		// the shape of Python openai-agents + openinference-instrumentation-openai-agents
		llm := tSpan{ID: "llm", Parent: "root", Name: "response", Start: 1, End: 50, Attrs: map[string]any{
			"openinference.span.kind":                                       "LLM",
			"llm.provider":                                                  "openai",
			"llm.input_messages.0.message.role":                             "user",
			"llm.input_messages.0.message.content":                          "What's the weather in Paris?",
			"llm.output_messages.0.message.role":                            "assistant",
			"llm.output_messages.0.message.content":                         "It is rainy.",
			"llm.output_messages.0.message.contents.0.message_content.type": "text",
			"llm.output_messages.0.message.contents.0.message_content.text": "It is rainy.",
		}}
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, chain, llm))
		assert.Equal(t, "It is rainy.", ix["response"])
		parts := []any{map[string]any{"type": "text", "content": "same"}, map[string]any{"type": "text", "content": "same"}, map[string]any{"type": "text", "content": "other"}}
		sc := chatSpan("llm", "", 0, 5, userHi, "")
		sc.Attrs["gen_ai.output.messages"] = []any{map[string]any{"role": "assistant", "parts": parts}}
		ix, _ = mapOne(t, defaultMapper(), makeTraces(nil, sc))
		assert.Equal(t, "same\nother", ix["response"])
	})
}

func TestRule9MalformedInput(t *testing.T) {
	t.Run("truncated JSON falls back to raw text and is counted", func(t *testing.T) {
		llm := chatSpan("llm", "", 0, 5, `[{"role":"user","parts":[{"type":"text","content":"cut of`, `{"role":`)
		ix, st := mapOne(t, defaultMapper(), makeTraces(nil, llm))
		assert.Equal(t, `[{"role":"user","parts":[{"type":"text","content":"cut of`, ix["prompt"])
		assert.Equal(t, `{"role":`, ix["response"])
		assert.Equal(t, int64(2), st.RawFallback)
	})
	t.Run("wrong types", func(t *testing.T) {
		llm := tSpan{ID: "llm", Name: "chat", End: 5, Attrs: map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": "12", "gen_ai.usage.output_tokens": "lots",
			"gen_ai.request.temperature": "hot", "gen_ai.input.messages": 42, "gen_ai.output.messages": true,
			"gen_ai.response.finish_reasons": 7,
			"user.id":                        1234,
		}}
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, llm))
		assert.Equal(t, float64(12), meta(ix)["tokens_used"])
		assert.NotContains(t, meta(ix), "temperature")
		assert.Equal(t, "1234", ix["userId"])
	})
	t.Run("messages of wrong shape are skipped, the rest is read", func(t *testing.T) {
		llm := chatSpan("llm", "", 0, 5, `[{"role":5},"text",{"role":"user","parts":[{"type":"text","content":"kept"}]},{"role":"user","parts":[{"type":"image","url":"x"},{"type":"weird"}]}]`, answerOK)
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, llm))
		assert.Equal(t, "kept", ix["prompt"])
	})
	t.Run("missing ids and times", func(t *testing.T) {
		td := ptrace.NewTraces()
		sp := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		putAttrs(sp.Attributes(), map[string]any{"gen_ai.operation.name": "chat", "gen_ai.input.messages": userHi})
		ixs, _ := defaultMapper().Map(td)
		require.Len(t, ixs, 1)
		ix := decode(t, &ixs[0])
		assert.Equal(t, "hi", ix["prompt"])
		assert.Equal(t, "unknown_service", ix["agentId"])
	})
	t.Run("invalid UTF-8 is replaced", func(t *testing.T) {
		llm := chatSpan("llm", "", 0, 5, "", "")
		llm.Attrs["gen_ai.input.messages"] = "plain \xff\xfe text"
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, llm))
		assert.Equal(t, "plain \ufffd\ufffd text", ix["prompt"])
	})
}

func TestRule10ContentBlocks(t *testing.T) {
	t.Run("Strands: content-block lists in message events, tool input and output in the tool span's events", func(t *testing.T) {
		agent := tSpan{ID: "agent", Name: "invoke_agent weather", End: 100, Attrs: map[string]any{
			"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "weather", "user.id": "u", "session.id": "s"}}
		llm1 := tSpan{ID: "llm1", Parent: "agent", Name: "chat", Start: 1, End: 10, Attrs: map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.system": "strands-agents", "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 5},
			Events: []tEvent{
				{Name: "gen_ai.system.message", Attrs: map[string]any{"content": `[{"text":"be helpful"}]`}},
				{Name: "gen_ai.user.message", Attrs: map[string]any{"content": `[{"text":"Weather in Paris?"}]`}},
				{Name: "gen_ai.choice", Attrs: map[string]any{"finish_reason": "toolUse",
					"message": `[{"type":"toolUse","name":"get_weather","toolUseId":"tu1","input":{"location":"Paris"}}]`}},
			}}
		tool := tSpan{ID: "tool", Parent: "agent", Name: "execute_tool get_weather", Start: 11, End: 12, Attrs: map[string]any{
			"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather", "gen_ai.tool.call.id": "tu1"},
			Events: []tEvent{
				{Name: "gen_ai.tool.message", Attrs: map[string]any{"role": "tool", "content": `{"location":"Paris"}`, "id": "tu1"}},
				{Name: "gen_ai.choice", Attrs: map[string]any{"message": `[{"json":{"temp":"57F"}}]`, "id": "tu1"}},
			}}
		llm2 := tSpan{ID: "llm2", Parent: "agent", Name: "chat", Start: 13, End: 20, Attrs: map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.system": "strands-agents"},
			Events: []tEvent{
				{Name: "gen_ai.tool.message", Attrs: map[string]any{"content": `[{"toolResult":{"toolUseId":"tu1","status":"success","content":[{"json":{"temp":"57F"}}]}}]`}},
				{Name: "gen_ai.choice", Attrs: map[string]any{"finish_reason": "endTurn", "message": `[{"text":"It is 57F."}]`}},
			}}
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, agent, llm1, tool, llm2))
		assert.Equal(t, "Weather in Paris?", ix["prompt"])
		assert.Equal(t, "It is 57F.", ix["response"])
		tools := ix["toolCalls"].([]any)
		require.Len(t, tools, 1)
		tc := tools[0].(map[string]any)
		assert.Equal(t, map[string]any{"location": "Paris"}, tc["input"])
		assert.Equal(t, map[string]any{"temp": "57F"}, tc["output"])
	})
	t.Run("Anthropic and Bedrock Converse blocks in messages", func(t *testing.T) {
		in := `[{"role":"user","content":[{"type":"text","text":"Weather?"}]},
			{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris"}}]},
			{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"{\"temp\":1}"}]}]},
			{"role":"assistant","content":[{"toolUse":{"toolUseId":"tu_2","name":"get_time","input":{"tz":"CET"}}}]},
			{"role":"user","content":[{"toolResult":{"toolUseId":"tu_2","content":[{"json":{"time":"noon"}}]}}]}]`
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil,
			tSpan{ID: "agent", Name: "invoke_agent", End: 50, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}},
			chatSpan("llm1", "agent", 1, 5, `[{"role":"user","content":"Weather?"}]`, `[{"role":"assistant","content":[{"type":"text","text":"checking"},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris"}}]}]`),
			chatSpan("llm2", "agent", 6, 9, in, `[{"role":"assistant","content":[{"text":"Sunny at noon."}]}]`)))
		assert.Equal(t, "Weather?", ix["prompt"])
		assert.Equal(t, "Sunny at noon.", ix["response"])
		tools := ix["toolCalls"].([]any)
		require.Len(t, tools, 1, "the tool calls of this turn requested in llm output")
		tc := tools[0].(map[string]any)
		assert.Equal(t, "get_weather", tc["name"])
		assert.Equal(t, map[string]any{"location": "Paris"}, tc["input"])
		assert.Equal(t, map[string]any{"temp": float64(1)}, tc["output"], "text block holding JSON")
	})
	t.Run("Anthropic SDK tool span: anthropic.tool_result.content blocks", func(t *testing.T) {
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil,
			tSpan{ID: "agent", Name: "invoke_agent", End: 50, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}},
			chatSpan("llm", "agent", 1, 5, userHi, answerOK),
			tSpan{ID: "tool", Parent: "agent", Name: "anthropic.custom_tool_use get_weather", Start: 6, End: 7, Attrs: map[string]any{
				"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather", "gen_ai.tool.call.arguments": `{"location":"Paris"}`,
				"anthropic.tool_result.content": `[{"type":"text","text":"{\"temp\":\"57F\"}"}]`}}))
		tc := ix["toolCalls"].([]any)[0].(map[string]any)
		assert.Equal(t, map[string]any{"temp": "57F"}, tc["output"])
	})
	t.Run("Mastra: the agent run's input and output, user and session in mastra.metadata", func(t *testing.T) {
		agent := tSpan{ID: "agent", Name: "invoke_agent a", End: 50, Attrs: map[string]any{
			"gen_ai.operation.name": "invoke_agent", "mastra.agent_run.input": "What is up?",
			"mastra.agent_run.output": `{"text":"All good.","files":[]}`,
			"mastra.metadata.userId":  "user-7", "mastra.metadata.sessionId": "sess-7"}}
		llm := tSpan{ID: "llm", Parent: "agent", Name: "chat m", Start: 1, End: 5, Attrs: map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "mastra.metadata.userId": "user-7"}}
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, agent, llm))
		assert.Equal(t, "What is up?", ix["prompt"])
		assert.Equal(t, "All good.", ix["response"])
		assert.Equal(t, "user-7", ix["userId"])
		assert.Equal(t, "sess-7", ix["sessionId"])
		assert.Equal(t, []any{"mastra agent_run input/output"}, meta(ix)["content_source"])
	})
	t.Run("LangChain metadata names the provider", func(t *testing.T) {
		llm := tSpan{ID: "llm", Name: "ChatOpenAI", End: 5, Attrs: map[string]any{"openinference.span.kind": "LLM",
			"metadata": `{"ls_provider":"openai","ls_model_name":"gpt-4o-mini"}`, "llm.input_messages.0.message.role": "user",
			"llm.input_messages.0.message.content": "hi"}}
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, llm))
		assert.Equal(t, "openai", meta(ix)["model_provider"])
	})
}

func TestRule11ToolArgsFromTheRequest(t *testing.T) {
	llmOut := func(calls string) string {
		return `[{"role":"assistant","parts":[` + calls + `]}]`
	}
	oiTool := func(id string, start int64, input, output string) tSpan {
		return tSpan{ID: id, Parent: "agent", Name: "get_weather", Start: start, End: start + 1, Attrs: map[string]any{
			"openinference.span.kind": "TOOL", "tool.name": "get_weather", "input.value": input, "output.value": output}}
	}
	agent := tSpan{ID: "agent", Name: "invoke_agent", End: 50, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}}
	t.Run("by name and order when the request has no call id", func(t *testing.T) {
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, agent,
			chatSpan("llm", "agent", 1, 5, userHi, llmOut(`{"type":"tool_call","name":"get_weather","arguments":{"location":"Paris"}},
				{"type":"tool_call","name":"get_weather","arguments":{"location":"Rome"}}`)),
			oiTool("t1", 6, "Paris", `{"temp":1}`), oiTool("t2", 8, "Rome", `{"temp":2}`)))
		tools := ix["toolCalls"].([]any)
		require.Len(t, tools, 2)
		assert.Equal(t, map[string]any{"location": "Paris"}, tools[0].(map[string]any)["input"])
		assert.Equal(t, map[string]any{"location": "Rome"}, tools[1].(map[string]any)["input"])
		assert.Equal(t, map[string]any{"temp": float64(2)}, tools[1].(map[string]any)["output"], "the span still gives the output")
		assert.NotNil(t, tools[1].(map[string]any)["execution_time_ms"], "and the timing")
	})
	t.Run("by call id, and JSON input is kept", func(t *testing.T) {
		t2 := oiTool("t2", 8, `{"location":"Roma"}`, `{"temp":2}`)
		t1 := oiTool("t1", 6, "Paris", `{"temp":1}`)
		t1.Attrs["gen_ai.tool.call.id"] = "c1"
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, agent,
			chatSpan("llm", "agent", 1, 5, userHi, llmOut(`{"type":"tool_call","id":"c2","name":"get_weather","arguments":{"location":"Rome"}},
				{"type":"tool_call","id":"c1","name":"get_weather","arguments":{"location":"Paris"}}`)), t1, t2))
		tools := ix["toolCalls"].([]any)
		require.Len(t, tools, 2)
		assert.Equal(t, map[string]any{"location": "Paris"}, tools[0].(map[string]any)["input"])
		assert.Equal(t, map[string]any{"location": "Roma"}, tools[1].(map[string]any)["input"], "a span's JSON input wins")
	})
	t.Run("LangChain ToolMessage output names the tool and the call", func(t *testing.T) {
		out := `{"lc":1,"type":"constructor","id":["langchain_core","messages","ToolMessage"],"kwargs":{"status":"success","content":"{\"temp\":1}","tool_call_id":"c1","name":"get_weather"}}`
		tool := tSpan{ID: "t", Parent: "agent", Name: "execute_tool DynamicStructuredTool", Start: 6, End: 7, Attrs: map[string]any{
			"gen_ai.operation.name": "execute_tool", "traceloop.span.kind": "task", "traceloop.entity.name": "DynamicStructuredTool",
			"traceloop.entity.input": `{"args":["{\"location\":\"Paris\"}"]}`, "traceloop.entity.output": out}}
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, agent,
			chatSpan("llm", "agent", 1, 5, userHi, llmOut(`{"type":"tool_call","id":"c1","name":"get_weather","arguments":{"location":"Paris"}}`)), tool))
		tools := ix["toolCalls"].([]any)
		require.Len(t, tools, 1, "the span matched the request by the ToolMessage's call id")
		tc := tools[0].(map[string]any)
		assert.Equal(t, "get_weather", tc["name"])
		assert.Equal(t, map[string]any{"location": "Paris"}, tc["input"])
		assert.Equal(t, map[string]any{"temp": float64(1)}, tc["output"])
		wrapped := `{"output":` + out + `}`
		lc, ok := langchainToolMessage(precogxapi.RawJSON(wrapped))
		assert.True(t, ok)
		assert.Equal(t, "c1", lc.callID)
	})
}

func TestRule12MaxFieldBytes(t *testing.T) {
	cfg := testConfig
	cfg.MaxFieldBytes = 10
	long := strings.Repeat("é", 20) // 2 bytes each
	in := `[{"role":"user","parts":[{"type":"text","content":"` + long + `"}]}]`
	llm := chatSpan("llm", "agent", 1, 5, in, `[{"role":"assistant","parts":[{"type":"text","content":"short"}]}]`)
	ix, st := mapOne(t, mustNew(cfg), makeTraces(nil,
		tSpan{ID: "agent", Name: "invoke_agent", End: 10, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}},
		llm,
		tSpan{ID: "tool", Parent: "agent", Name: "execute_tool", Start: 2, End: 3, Attrs: map[string]any{
			"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "t", "gen_ai.tool.call.arguments": `{"query":"a long query"}`}},
	))
	prompt := ix["prompt"].(string)
	assert.Equal(t, strings.Repeat("é", 5), prompt)
	assert.True(t, utf8.ValidString(prompt))
	assert.Equal(t, "short", ix["response"])
	assert.Equal(t, `{"query":"`, ix["toolCalls"].([]any)[0].(map[string]any)["input"], "JSON over the limit becomes cut text")
	assert.Equal(t, true, meta(ix)["truncated"])
	assert.Equal(t, int64(2), st.Truncated)
}
