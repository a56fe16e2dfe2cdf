package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The same turn in every encoding: the user asks for the weather, the first
// model call asks for get_weather, the tool runs, the second call answers.
const (
	parityQuestion = "Weather in Paris?"
	parityAnswer   = "It is 57F in Paris."
	parityArgs     = `{"location":"Paris"}`
	parityResult   = `{"temp":"57F"}`
	parityModel    = "gpt-4o-2024-08-06"
)

var (
	parityUser     = `[{"role":"user","content":"` + parityQuestion + `"}]`
	parityCall     = `[{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}]}]`
	parityHistory  = `[{"role":"user","content":"` + parityQuestion + `"},{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"{\"temp\":\"57F\"}"}]`
	parityFinal    = `[{"role":"assistant","content":"` + parityAnswer + `"}]`
	paritySemconvI = `[{"role":"user","parts":[{"type":"text","content":"` + parityQuestion + `"}]}]`
)

// parityTurn lays out the turn: root 0-100 ms, call 1 at 1-30, the tool at
// 31-40, call 2 at 41-99; usage 10+5 and 20+8.
func parityTurn(root, call1, tool, call2 map[string]any, rootName, callName, toolName string) []tSpan {
	return []tSpan{
		{ID: "root", Name: rootName, End: 100, Attrs: root},
		{ID: "call1", Parent: "root", Name: callName, Start: 1, End: 30, Attrs: call1},
		{ID: "tool", Parent: "root", Name: toolName, Start: 31, End: 40, Attrs: tool},
		{ID: "call2", Parent: "root", Name: callName, Start: 41, End: 99, Attrs: call2},
	}
}

func merge(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestParity builds the turn in every encoding and expects one interaction:
// only metadata.platform and metadata.content_source name the encoding.
func TestParity(t *testing.T) {
	semconvCall := func(in, out, outTokens int) map[string]any {
		return map[string]any{"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
			"gen_ai.response.model": parityModel, "gen_ai.usage.input_tokens": in, "gen_ai.usage.output_tokens": outTokens}
	}
	semconvAgent := map[string]any{"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "weather-agent", "user.id": "u-1", "session.id": "s-1"}
	semconvTool := map[string]any{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather", "gen_ai.tool.call.id": "call_1",
		"gen_ai.tool.call.arguments": parityArgs, "gen_ai.tool.call.result": parityResult}
	events := func(spans []tSpan, call1, call2 []tEvent) []tSpan {
		spans[1].Events, spans[3].Events = call1, call2
		return spans
	}
	legacy := func(in, out int) map[string]any {
		return map[string]any{"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": parityModel,
			"gen_ai.usage.prompt_tokens": in, "gen_ai.usage.completion_tokens": out}
	}
	traceloop := func(in, out int, content map[string]any) map[string]any {
		return merge(map[string]any{"llm.request.type": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o",
			"gen_ai.response.model": parityModel, "gen_ai.usage.prompt_tokens": in, "gen_ai.usage.completion_tokens": out}, content)
	}
	openinference := func(in, out int, content map[string]any) map[string]any {
		return merge(map[string]any{"openinference.span.kind": "LLM", "llm.model_name": parityModel, "llm.provider": "openai",
			"llm.token_count.prompt": in, "llm.token_count.completion": out}, content)
	}
	vercel := func(in, out int, content map[string]any) map[string]any {
		return merge(map[string]any{"ai.operationId": "ai.generateText.doGenerate", "ai.model.id": "gpt-4o", "ai.model.provider": "openai.chat",
			"ai.response.model": parityModel, "ai.usage.inputTokens": in, "ai.usage.outputTokens": out}, content)
	}
	tests := []struct {
		name, platform string
		sources        []string
		spans          []tSpan
	}{
		{"semconv >= 1.37", "otel-genai-semconv", []string{"gen_ai.input/output.messages"}, parityTurn(semconvAgent,
			merge(semconvCall(10, 5, 5), map[string]any{"gen_ai.input.messages": paritySemconvI,
				"gen_ai.output.messages": `[{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"get_weather","arguments":{"location":"Paris"}}]}]`}),
			semconvTool,
			merge(semconvCall(20, 8, 8), map[string]any{"gen_ai.input.messages": paritySemconvI,
				"gen_ai.output.messages": `[{"role":"assistant","parts":[{"type":"text","content":"` + parityAnswer + `"}]}]`}),
			"invoke_agent weather-agent", "chat gpt-4o", "execute_tool get_weather")},
		{"Anthropic and Bedrock content blocks", "otel-genai-semconv", []string{"gen_ai.input/output.messages"}, parityTurn(semconvAgent,
			merge(semconvCall(10, 5, 5), map[string]any{"gen_ai.input.messages": `[{"role":"user","content":[{"type":"text","text":"` + parityQuestion + `"}]}]`,
				"gen_ai.output.messages": `[{"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"get_weather","input":{"location":"Paris"}}]}]`}),
			semconvTool,
			merge(semconvCall(20, 8, 8), map[string]any{"gen_ai.input.messages": `[{"role":"user","content":[{"text":"` + parityQuestion + `"}]}]`,
				"gen_ai.output.messages": `[{"role":"assistant","content":[{"text":"` + parityAnswer + `"}]}]`}),
			"invoke_agent weather-agent", "chat gpt-4o", "execute_tool get_weather")},
		{"semconv 1.28 events", "otel-genai-semconv", []string{"v1.28 gen_ai.*.message/gen_ai.choice events"}, events(parityTurn(semconvAgent,
			semconvCall(10, 5, 5), semconvTool, semconvCall(20, 8, 8), "invoke_agent weather-agent", "chat gpt-4o", "execute_tool get_weather"),
			[]tEvent{{Name: "gen_ai.user.message", Attrs: map[string]any{"content": parityQuestion}},
				{Name: "gen_ai.choice", Attrs: map[string]any{"finish_reason": "tool_calls", "message": map[string]any{"role": "assistant",
					"tool_calls": []any{map[string]any{"id": "call_1", "type": "function", "function": map[string]any{"name": "get_weather", "arguments": parityArgs}}}}}}},
			[]tEvent{{Name: "gen_ai.user.message", Attrs: map[string]any{"content": parityQuestion}},
				{Name: "gen_ai.tool.message", Attrs: map[string]any{"id": "call_1", "content": parityResult}},
				{Name: "gen_ai.choice", Attrs: map[string]any{"finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": parityAnswer}}}})},
		{"semconv 1.26 attributes", "otel-genai-semconv", []string{"v1.26 gen_ai.prompt/completion attributes"}, parityTurn(semconvAgent,
			merge(legacy(10, 5), map[string]any{"gen_ai.prompt": "user: " + parityQuestion, "gen_ai.completion": parityCall}),
			semconvTool,
			merge(legacy(20, 8), map[string]any{"gen_ai.prompt": parityHistory, "gen_ai.completion": parityAnswer}),
			"invoke_agent weather-agent", "openai.chat", "execute_tool get_weather")},
		{"semconv 1.26 events", "otel-genai-semconv", []string{"v1.26 gen_ai.content.* events"}, events(parityTurn(semconvAgent,
			legacy(10, 5), semconvTool, legacy(20, 8), "invoke_agent weather-agent", "openai.chat", "execute_tool get_weather"),
			[]tEvent{{Name: "gen_ai.content.prompt", Attrs: map[string]any{"gen_ai.prompt": parityUser}},
				{Name: "gen_ai.content.completion", Attrs: map[string]any{"gen_ai.completion": parityCall}}},
			[]tEvent{{Name: "gen_ai.content.prompt", Attrs: map[string]any{"gen_ai.prompt": parityHistory}},
				{Name: "gen_ai.content.completion", Attrs: map[string]any{"gen_ai.completion": parityFinal}}})},
		{"OpenLLMetry", "openllmetry", []string{"openllmetry indexed"}, parityTurn(
			map[string]any{"traceloop.span.kind": "agent", "traceloop.entity.name": "weather-agent",
				"traceloop.association.properties.user_id": "u-1", "traceloop.association.properties.session_id": "s-1"},
			traceloop(10, 5, map[string]any{"gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": parityQuestion,
				"gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.tool_calls.0.id": "call_1",
				"gen_ai.completion.0.tool_calls.0.name": "get_weather", "gen_ai.completion.0.tool_calls.0.arguments": parityArgs}),
			map[string]any{"traceloop.span.kind": "tool", "traceloop.entity.name": "get_weather",
				"traceloop.entity.input": `{"args":[],"kwargs":{"location":"Paris"}}`, "traceloop.entity.output": parityResult},
			traceloop(20, 8, map[string]any{"gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": parityQuestion,
				"gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": parityAnswer}),
			"weather-agent.agent", "openai.chat", "get_weather.tool")},
		{"OpenInference", "openinference", []string{"openinference llm.*_messages"}, parityTurn(
			map[string]any{"openinference.span.kind": "AGENT", "agent.name": "weather-agent", "user.id": "u-1", "session.id": "s-1"},
			openinference(10, 5, map[string]any{"llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": parityQuestion,
				"llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_1",
				"llm.output_messages.0.message.tool_calls.0.tool_call.function.name":      "get_weather",
				"llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": parityArgs}),
			map[string]any{"openinference.span.kind": "TOOL", "tool.name": "get_weather", "input.value": parityArgs, "output.value": parityResult},
			openinference(20, 8, map[string]any{"llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": parityQuestion,
				"llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.content": parityAnswer}),
			"Agent run", "ChatCompletion", "get_weather")},
		{"Vercel AI SDK", "vercel-ai-sdk", []string{"vercel ai.*"}, parityTurn(
			map[string]any{"ai.operationId": "ai.generateText", "ai.telemetry.functionId": "weather-agent",
				"ai.telemetry.metadata.userId": "u-1", "ai.telemetry.metadata.sessionId": "s-1"},
			vercel(10, 5, map[string]any{"ai.prompt.messages": parityUser,
				"ai.response.toolCalls": `[{"toolCallId":"call_1","toolName":"get_weather","input":` + parityArgs + `}]`}),
			map[string]any{"ai.operationId": "ai.toolCall", "ai.toolCall.name": "get_weather", "ai.toolCall.id": "call_1",
				"ai.toolCall.args": parityArgs, "ai.toolCall.result": parityResult},
			vercel(20, 8, map[string]any{"ai.prompt.messages": parityUser, "ai.response.text": parityAnswer}),
			"ai.generateText", "ai.generateText.doGenerate", "ai.toolCall")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix, _ := mapOne(t, defaultMapper(), makeTraces(map[string]any{"service.name": "svc"}, tt.spans...))
			md := meta(ix)
			assert.Equal(t, tt.platform, md["platform"])
			assert.Equal(t, toAny(tt.sources), md["content_source"])
			tools := ix["toolCalls"].([]any)
			require.Len(t, tools, 1, "%v", tools)
			tc := tools[0].(map[string]any)
			assert.Equal(t, map[string]any{
				"agentId": "weather-agent", "prompt": parityQuestion, "response": parityAnswer,
				"userId": "u-1", "sessionId": "s-1", "conversationId": "s-1",
				"tool":  []any{"get_weather", map[string]any{"location": "Paris"}, map[string]any{"temp": "57F"}, 9.0, true},
				"model": parityModel, "provider": "openai", "calls": 2.0, "tokens": []any{43.0, 30.0, 13.0},
				"timing": []any{"2023-11-14T22:13:20.000Z", 100.0},
			}, map[string]any{
				"agentId": ix["agentId"], "prompt": ix["prompt"], "response": ix["response"],
				"userId": ix["userId"], "sessionId": ix["sessionId"], "conversationId": ix["conversationId"],
				"tool":  []any{tc["name"], tc["input"], tc["output"], tc["execution_time_ms"], tc["success"]},
				"model": md["model"], "provider": md["model_provider"], "calls": md["llm_call_count"],
				"tokens": []any{md["tokens_used"], md["input_tokens"], md["output_tokens"]},
				"timing": []any{md["timestamp"], md["response_time_ms"]},
			})
		})
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
