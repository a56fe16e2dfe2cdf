package genai

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRule1NonGenAISpansSkipped(t *testing.T) {
	td := makeTraces(map[string]any{"service.name": "svc"},
		tSpan{ID: "root", Name: "GET /", End: 10, Attrs: map[string]any{"http.request.method": "GET"}},
		chatSpan("llm", "root", 1, 5, userHi, answerOK),
		tSpan{ID: "db", Parent: "root", Name: "SELECT", Start: 6, End: 7, Attrs: map[string]any{"db.system": "postgresql"}},
		tSpan{ID: "lone", Name: "GET /other", End: 3}, // another non-GenAI root, no llm below
	)
	ixs, st := defaultMapper().Map(td)
	require.Len(t, ixs, 1)
	assert.Equal(t, int64(3), st.SpansMapped, "the root, the llm span and the db span of the turn")
	assert.Equal(t, int64(1), st.SpansSkipped)
}

func TestRule2Turns(t *testing.T) {
	t.Run("llm span alone is its own interaction", func(t *testing.T) {
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, chatSpan("llm", "", 0, 5, userHi, answerOK)))
		assert.Equal(t, "hi", ix["prompt"])
		assert.Equal(t, float64(5), meta(ix)["response_time_ms"])
	})
	t.Run("agent without llm spans is no interaction", func(t *testing.T) {
		ixs, _ := defaultMapper().Map(makeTraces(nil,
			tSpan{ID: "agent", Name: "invoke_agent a", End: 5, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}}))
		assert.Empty(t, ixs)
	})
	t.Run("subtrees whose parent is missing are separate turns", func(t *testing.T) {
		ixs, _ := defaultMapper().Map(makeTraces(nil,
			tSpan{ID: "agent1", Parent: "missing", Name: "invoke_agent a", Start: 0, End: 5, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}},
			chatSpan("llm1", "agent1", 1, 4, userHi, answerOK),
			tSpan{ID: "agent2", Parent: "missing", Name: "invoke_agent a", Start: 10, End: 15, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}},
			chatSpan("llm2", "agent2", 11, 14, `[{"role":"user","parts":[{"type":"text","content":"second"}]}]`, answerOK),
		))
		require.Len(t, ixs, 2)
		assert.Equal(t, "hi", ixs[0].Prompt)
		assert.Equal(t, "second", ixs[1].Prompt)
	})
	t.Run("siblings under a missing root are one turn", func(t *testing.T) {
		ixs, _ := defaultMapper().Map(makeTraces(nil,
			chatSpan("llm1", "absent-root", 10, 20, userHi, answerOK),
			tSpan{ID: "tool", Parent: "absent-root", Name: "execute_tool t", Start: 21, End: 25, Attrs: map[string]any{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "t"}},
			chatSpan("llm2", "absent-root", 26, 40, userHi, answerOK),
		))
		require.Len(t, ixs, 1)
		assert.Equal(t, 2, ixs[0].Meta.LLMCallCount)
		assert.Len(t, ixs[0].ToolCalls, 1)
		assert.Equal(t, int64(30), ixs[0].Meta.ResponseTimeMS.V, "from the first start to the last end")
		assert.Equal(t, hex.EncodeToString([]byte("llm1\x00\x00\x00\x00")), ixs[0].Meta.RootSpanID, "the earliest span stands for the root")
	})
	t.Run("a parent cycle does not hang", func(t *testing.T) {
		ixs, _ := defaultMapper().Map(makeTraces(nil,
			tSpan{ID: "a", Parent: "b", Name: "x", Attrs: map[string]any{}},
			tSpan{ID: "b", Parent: "a", Name: "y", Attrs: map[string]any{}},
			chatSpan("llm", "a", 1, 2, userHi, answerOK)))
		require.Len(t, ixs, 1)
	})
}

func TestRule3AgentID(t *testing.T) {
	agent := func(attrs map[string]any) tSpan {
		attrs["gen_ai.operation.name"] = "invoke_agent"
		return tSpan{ID: "agent", Name: "invoke_agent", End: 10, Attrs: attrs}
	}
	llm := chatSpan("llm", "agent", 1, 5, userHi, answerOK)
	llm.Attrs["gen_ai.agent.name"] = "from-llm"
	res := map[string]any{"service.name": "svc", "app.team": "team-res"}
	tests := []struct {
		name  string
		cfg   func(*Config)
		agent map[string]any
		want  string
	}{
		{"fixed agent_id", func(c *Config) { c.AgentID = "fixed" }, map[string]any{"gen_ai.agent.name": "A"}, "fixed"},
		{"agent_id_attributes on a span", func(c *Config) { c.AgentIDAttributes = []string{"app.agent"} }, map[string]any{"app.agent": "attr-agent", "gen_ai.agent.name": "A"}, "attr-agent"},
		{"agent_id_attributes on the resource", func(c *Config) { c.AgentIDAttributes = []string{"app.team"} }, map[string]any{"gen_ai.agent.name": "A"}, "team-res"},
		{"gen_ai.agent.name of the agent span first", nil, map[string]any{"gen_ai.agent.name": "A"}, "A"},
		{"agent.name (OpenInference)", nil, map[string]any{"agent.name": "OI"}, "OI"},
		{"name on a non-agent span when agents have none", nil, map[string]any{}, "from-llm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			ix, _ := mapOne(t, mustNew(cfg), makeTraces(res, agent(tt.agent), llm))
			assert.Equal(t, tt.want, ix["agentId"])
		})
	}
	t.Run("functionId, then traceloop agent, then service.name", func(t *testing.T) {
		plain := chatSpan("llm", "agent", 1, 5, userHi, answerOK)
		ix, _ := mapOne(t, defaultMapper(), makeTraces(res,
			tSpan{ID: "agent", Name: "ai.generateText", End: 10, Attrs: map[string]any{"ai.operationId": "ai.generateText", "ai.telemetry.functionId": "fn"}}, plain))
		assert.Equal(t, "fn", ix["agentId"])
		ix, _ = mapOne(t, defaultMapper(), makeTraces(res,
			tSpan{ID: "agent", Name: "x.agent", End: 10, Attrs: map[string]any{"traceloop.span.kind": "agent", "traceloop.entity.name": "tl-agent"}}, plain))
		assert.Equal(t, "tl-agent", ix["agentId"])
		ix, _ = mapOne(t, defaultMapper(), makeTraces(res,
			tSpan{ID: "agent", Name: "x.workflow", End: 10, Attrs: map[string]any{"traceloop.span.kind": "workflow", "traceloop.entity.name": "wf"}}, plain))
		assert.Equal(t, "svc", ix["agentId"], "a workflow's name is not an agent name")
	})
	t.Run("gen_ai.agent.id goes to agent_internal_id", func(t *testing.T) {
		ix, _ := mapOne(t, defaultMapper(), makeTraces(res, agent(map[string]any{"gen_ai.agent.id": "asst_1"}), llm))
		assert.Equal(t, "asst_1", meta(ix)["agent_internal_id"])
	})
}

func TestRule4PromptAndResponse(t *testing.T) {
	history := `[{"role":"system","parts":[{"type":"text","content":"be brief"}]},
		{"role":"user","parts":[{"type":"text","content":"first question"}]},
		{"role":"assistant","parts":[{"type":"text","content":"first answer"}]},
		{"role":"user","parts":[{"type":"text","content":"second question"}]},
		{"role":"user","parts":[{"type":"tool_call_response","id":"c1","response":"42"}]}]`
	t.Run("last user text of the first call, tool results and system skipped", func(t *testing.T) {
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil,
			tSpan{ID: "agent", Name: "invoke_agent", End: 20, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}},
			chatSpan("llm1", "agent", 1, 5, history, `[{"role":"assistant","parts":[{"type":"text","content":"middle"}]}]`),
			chatSpan("llm2", "agent", 6, 9, `[{"role":"user","parts":[{"type":"text","content":"later call"}]}]`,
				`[{"role":"assistant","parts":[{"type":"text","content":"final"},{"type":"text","content":"words"}]}]`),
			chatSpan("llm3", "agent", 10, 12, userHi, `[{"role":"assistant","parts":[{"type":"tool_call","id":"x","name":"t"}]}]`),
		))
		assert.Equal(t, "second question", ix["prompt"])
		assert.Equal(t, "final\nwords", ix["response"], "last call that produced text")
	})
	t.Run("conversation mode", func(t *testing.T) {
		cfg := testConfig
		cfg.Conversation = true
		llm := chatSpan("llm", "", 0, 5, history, answerOK)
		llm.Attrs["gen_ai.system_instructions"] = `[{"type":"text","content":"sys"}]`
		ix, _ := mapOne(t, mustNew(cfg), makeTraces(nil, llm))
		assert.Equal(t, "system: sys\nsystem: be brief\nuser: first question\nassistant: first answer\nuser: second question\nuser: 42", ix["prompt"])
	})
	t.Run("structured values", func(t *testing.T) {
		llm := chatSpan("llm", "", 0, 5, "", "")
		llm.Attrs["gen_ai.input.messages"] = []any{map[string]any{"role": "user", "parts": []any{map[string]any{"type": "text", "content": "structured"}}}}
		llm.Attrs["gen_ai.output.messages"] = []any{map[string]any{"role": "assistant", "parts": []any{map[string]any{"type": "text", "content": "yes"}}}}
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, llm))
		assert.Equal(t, "structured", ix["prompt"])
		assert.Equal(t, "yes", ix["response"])
	})
	t.Run("no content anywhere gives empty strings", func(t *testing.T) {
		llm := chatSpan("llm", "", 0, 5, "", "")
		delete(llm.Attrs, "gen_ai.input.messages")
		delete(llm.Attrs, "gen_ai.output.messages")
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, llm))
		assert.Equal(t, "", ix["prompt"])
		assert.Equal(t, "", ix["response"])
		assert.Equal(t, []any{}, meta(ix)["content_source"])
	})
	t.Run("agent span content is the fallback", func(t *testing.T) {
		llm := chatSpan("llm", "agent", 1, 5, "", "")
		delete(llm.Attrs, "gen_ai.input.messages")
		delete(llm.Attrs, "gen_ai.output.messages")
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil,
			tSpan{ID: "agent", Name: "Agent", End: 10, Attrs: map[string]any{"openinference.span.kind": "AGENT", "input.value": "agent in", "output.value": `"agent out"`}}, llm))
		assert.Equal(t, "agent in", ix["prompt"])
		assert.Equal(t, "agent out", ix["response"])
	})
}

func TestRule4AgentAndRootContentStandIn(t *testing.T) {
	t.Run("OpenInference LLM span with only input.value and output.value", func(t *testing.T) {
		llm := tSpan{ID: "llm", Name: "ChatCompletion", End: 5, Attrs: map[string]any{
			"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o",
			"input.value":  `{"model":"gpt-4o","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"from the request"}]}`,
			"output.value": `{"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assistant","content":"from the response"}}]}`,
		}}
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, llm))
		assert.Equal(t, "from the request", ix["prompt"])
		assert.Equal(t, "from the response", ix["response"])
		assert.Equal(t, []any{"openinference input/output.value"}, meta(ix)["content_source"])
	})
	t.Run("Responses API shapes", func(t *testing.T) {
		assert.Equal(t, "q", valueText(`{"model":"m","input":"q"}`, false))
		assert.Equal(t, "q2", valueText(`{"input":[{"role":"user","content":"q2"}]}`, false))
		assert.Equal(t, "a", valueText(`{"output_text":"a"}`, true))
		assert.Equal(t, "a2", valueText(`{"output":[{"type":"message","content":[{"type":"output_text","text":"a2"}]}]}`, true))
		assert.Equal(t, "plain", valueText("plain", false))
		assert.Equal(t, "quoted", valueText(`"quoted"`, true))
		assert.Equal(t, `{"unknown":1}`, valueText(`{"unknown":1}`, true), "unknown JSON stays as it is")
	})
	t.Run("traceloop workflow input and output when the llm spans carry no content", func(t *testing.T) {
		llm := tSpan{ID: "llm", Parent: "wf", Name: "openai.chat", Start: 1, End: 4, Attrs: map[string]any{"llm.request.type": "chat", "gen_ai.system": "openai"}}
		wf := tSpan{ID: "wf", Name: "chat.workflow", End: 5, Attrs: map[string]any{"traceloop.span.kind": "workflow",
			"traceloop.entity.input": `{"args": ["the question"], "kwargs": {}}`, "traceloop.entity.output": `"the answer"`}}
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, wf, llm))
		assert.Equal(t, "the question", ix["prompt"])
		assert.Equal(t, "the answer", ix["response"])
		assert.Equal(t, []any{"traceloop entity input/output"}, meta(ix)["content_source"])
	})
	t.Run("AI SDK before version 4: ai.result.*", func(t *testing.T) {
		root := tSpan{ID: "root", Name: "ai.generateText", End: 9, Attrs: map[string]any{"ai.operationId": "ai.generateText",
			"ai.prompt": `{"prompt":"old sdk question"}`}}
		call := tSpan{ID: "call", Parent: "root", Name: "ai.generateText.doGenerate", Start: 1, End: 8, Attrs: map[string]any{
			"ai.operationId": "ai.generateText.doGenerate", "ai.result.text": "old sdk answer", "ai.finishReason": "stop",
			"ai.result.toolCalls": `[{"toolCallId":"c1","toolName":"t","args":"{\"x\":1}"}]`}}
		ix, _ := mapOne(t, defaultMapper(), makeTraces(nil, root, call))
		assert.Equal(t, "old sdk question", ix["prompt"])
		assert.Equal(t, "old sdk answer", ix["response"])
		assert.Equal(t, []any{"stop"}, meta(ix)["finish_reasons"])
		tools := ix["toolCalls"].([]any)
		require.Len(t, tools, 1)
		assert.Equal(t, map[string]any{"x": float64(1)}, tools[0].(map[string]any)["input"])
		assert.Equal(t, []any{"vercel ai.*"}, meta(ix)["content_source"])
	})
}

// oiLLM is an OpenInference LLM span with flattened messages.
func oiLLM(id, parent string, start, end int64, attrs map[string]any) tSpan {
	a := map[string]any{"openinference.span.kind": "LLM", "llm.provider": "anthropic", "llm.model_name": "claude-x"}
	for k, v := range attrs {
		a[k] = v
	}
	return tSpan{ID: id, Parent: parent, Name: "Anthropic Messages", Start: start, End: end, Attrs: a}
}

// sdkChat is a model SDK's own chat span (semconv, no content by default).
func sdkChat(id, parent string, start, end int64, respID string, in, out int) tSpan {
	return tSpan{ID: id, Parent: parent, Name: "anthropic.messages.create", Start: start, End: end, Attrs: map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic", "gen_ai.request.model": "claude-x",
		"gen_ai.response.id": respID, "gen_ai.usage.input_tokens": in, "gen_ai.usage.output_tokens": out,
	}}
}

func TestRule5ToolCalls(t *testing.T) {
	out1 := `[{"role":"assistant","parts":[
		{"type":"tool_call","id":"c1","name":"search","arguments":{"q":"a"}},
		{"type":"tool_call","id":"c2","name":"search","arguments":"{\"q\":\"b\"}"},
		{"type":"tool_call","id":"c3","name":"lookup","arguments":"not json"}]}]`
	in2 := `[{"role":"user","parts":[{"type":"text","content":"hi"}]},
		{"role":"tool","parts":[{"type":"tool_call_response","id":"c2","response":{"hits":2}}]},
		{"role":"tool","parts":[{"type":"tool_call_response","id":"c3","response":"plain result"}]}]`
	llm1 := chatSpan("llm1", "agent", 1, 3, userHi, out1)
	llm1.Attrs["gen_ai.tool.definitions"] = `[{"type":"function","name":"lookup","description":"Looks up"}]`
	ix, _ := mapOne(t, defaultMapper(), makeTraces(nil,
		tSpan{ID: "agent", Name: "invoke_agent", End: 50, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent"}},
		llm1,
		// by start time: "fails" starts before "ok"
		tSpan{ID: "ok", Parent: "agent", Name: "execute_tool search", Start: 10, End: 30, Attrs: map[string]any{
			"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search", "gen_ai.tool.call.id": "c1",
			"gen_ai.tool.call.result": `{"hits":1}`}},
		tSpan{ID: "fails", Parent: "agent", Name: "execute_tool broken", Start: 4, End: 9, Attrs: map[string]any{
			"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "broken", "gen_ai.tool.call.arguments": "{}"}, Failed: true},
		tSpan{ID: "exc", Parent: "agent", Name: "execute_tool raises", Start: 31, End: 32, Attrs: map[string]any{
			"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "raises"}, Events: []tEvent{{Name: "exception"}}},
		tSpan{ID: "errtype", Parent: "agent", Name: "execute_tool typed", Start: 33, End: 34, Attrs: map[string]any{
			"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "typed", "error.type": "timeout"}},
		chatSpan("llm2", "agent", 35, 40, in2, answerOK),
	))
	tools := ix["toolCalls"].([]any)
	require.Len(t, tools, 6)
	names := make([]string, len(tools))
	for i, tc := range tools {
		names[i] = tc.(map[string]any)["name"].(string)
	}
	assert.Equal(t, []string{"broken", "search", "raises", "typed", "search", "lookup"}, names)
	broken, search := tools[0].(map[string]any), tools[1].(map[string]any)
	assert.Equal(t, false, broken["success"])
	assert.Equal(t, float64(5), broken["execution_time_ms"])
	assert.Equal(t, map[string]any{"q": "a"}, search["input"], "input filled from the matched request")
	assert.Equal(t, map[string]any{"hits": float64(1)}, search["output"])
	assert.Equal(t, float64(20), search["execution_time_ms"])
	assert.Equal(t, false, tools[2].(map[string]any)["success"], "exception event")
	assert.Equal(t, false, tools[3].(map[string]any)["success"], "error.type")
	spanless := tools[4].(map[string]any)
	assert.Equal(t, map[string]any{"q": "b"}, spanless["input"], "JSON string arguments parsed")
	assert.Equal(t, map[string]any{"hits": float64(2)}, spanless["output"], "output from the tool result message")
	assert.Nil(t, spanless["execution_time_ms"])
	assert.Nil(t, spanless["description"])
	lookup := tools[5].(map[string]any)
	assert.Equal(t, "not json", lookup["input"])
	assert.Equal(t, "plain result", lookup["output"])
	assert.Equal(t, "Looks up", lookup["description"], "from the tool definitions")
}

func TestRule6Metadata(t *testing.T) {
	agent := tSpan{ID: "agent", Name: "invoke_agent", End: 100, Attrs: map[string]any{
		"gen_ai.operation.name": "invoke_agent", "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 1000,
		"user_agent.original": "UA/1", "client.address": "198.51.100.7",
	}}
	llm1 := chatSpan("llm1", "agent", 1, 5, userHi, answerOK)
	llm1.Attrs["gen_ai.request.max_tokens"] = -1
	llm1.Attrs["gen_ai.request.temperature"] = 0.5
	llm1.Attrs["gen_ai.response.finish_reasons"] = "length"
	llm2 := chatSpan("llm2", "agent", 6, 9, userHi, answerOK)
	llm2.Attrs["gen_ai.provider.name"] = "Azure.AI.OpenAI"
	llm2.Attrs["gen_ai.response.model"] = "m-2025"
	llm2.Attrs["gen_ai.response.id"] = "r2"
	llm2.Attrs["gen_ai.usage.cost"] = 0.25
	llm2.Attrs["app.tenant"] = "acme"
	cfg := testConfig
	cfg.MetadataAttributes = []string{"app.tenant", "service.version", "absent.key"}
	ix, _ := mapOne(t, mustNew(cfg), makeTraces(
		map[string]any{"service.name": "svc", "service.version": "1.2", "deployment.environment": "qa"}, agent, llm1, llm2))
	md := meta(ix)
	assert.Equal(t, "2023-11-14T22:13:20.000Z", md["timestamp"])
	assert.Equal(t, "qa", md["environment"])
	assert.Equal(t, "m-2025", md["model"])
	assert.Equal(t, "azure.ai.openai", md["model_provider"])
	assert.Equal(t, 0.5, md["temperature"])
	assert.NotContains(t, md, "max_tokens", "negative max_tokens means unset")
	assert.Equal(t, float64(30), md["tokens_used"], "llm spans only, never the agent aggregate")
	assert.Equal(t, float64(100), md["response_time_ms"])
	assert.Equal(t, "UA/1", md["user_agent"])
	assert.Equal(t, "198.51.100.7", md["ip_address"])
	assert.Equal(t, []any{"r2"}, md["response_ids"])
	assert.Equal(t, []any{"length"}, md["finish_reasons"])
	assert.Equal(t, 0.25, md["cost_usd"])
	assert.Equal(t, "acme", md["app.tenant"])
	assert.Equal(t, "1.2", md["service.version"])
	assert.NotContains(t, md, "absent.key")
	assert.Equal(t, float64(2), md["llm_call_count"])

	t.Run("configured platform wins", func(t *testing.T) {
		ix, _ := mapOne(t, mustNew(withPlatform(testConfig, "dify")), makeTraces(nil, llm1))
		assert.Equal(t, "dify", meta(ix)["platform"])
	})
}

func TestRule6ProviderAliases(t *testing.T) {
	for in, want := range map[string]string{
		"openai": "openai", "OpenAI": "openai", "openai.responses": "openai", "openai.chat": "openai",
		"anthropic.messages": "anthropic", "az.ai.openai": "azure.ai.openai", "azure.ai.openai": "azure.ai.openai",
		"google.vertex.chat": "gcp.vertex_ai", "google.generative-ai": "gcp.gemini", "vertex_ai": "gcp.vertex_ai",
		"aws.bedrock": "aws.bedrock", "amazon-bedrock": "aws.bedrock", "mistralai": "mistral_ai", "xai": "x_ai", "": "",
	} {
		assert.Equal(t, want, normalizeProvider(in), in)
	}
}

func TestRule7Identities(t *testing.T) {
	tests := []struct {
		name                        string
		attrs                       map[string]any
		user, session, conversation string
	}{
		{"semconv", map[string]any{"user.id": "u", "session.id": "s", "gen_ai.conversation.id": "c"}, "u", "s", "c"},
		{"enduser", map[string]any{"enduser.id": "e"}, "e", "", ""},
		{"langfuse", map[string]any{"langfuse.user.id": "lu", "langfuse.session.id": "ls"}, "lu", "ls", "ls"},
		{"traceloop", map[string]any{"traceloop.association.properties.user_id": "tu", "traceloop.association.properties.session_id": "ts"}, "tu", "ts", "ts"},
		{"ai sdk metadata", map[string]any{"ai.telemetry.metadata.userId": "au", "ai.telemetry.metadata.sessionId": "as"}, "au", "as", "as"},
		{"ai sdk context", map[string]any{"ai.settings.context.userId": "cu", "ai.settings.context.sessionId": "cs"}, "cu", "cs", "cs"},
		{"conversation only", map[string]any{"gen_ai.conversation.id": "conv"}, "", "conv", "conv"},
		{"user.id beats enduser.id", map[string]any{"enduser.id": "e", "user.id": "u"}, "u", "", ""},
		{"langsmith project is never a session", map[string]any{"langsmith.trace.session_id": "project"}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			llm := chatSpan("llm", "", 0, 5, userHi, answerOK)
			for k, v := range tt.attrs {
				llm.Attrs[k] = v
			}
			ixs, _ := defaultMapper().Map(makeTraces(nil, llm))
			require.Len(t, ixs, 1)
			assert.Equal(t, tt.user, ixs[0].UserID)
			assert.Equal(t, tt.session, ixs[0].SessionID)
			assert.Equal(t, tt.conversation, ixs[0].ConversationID)
			ix := decode(t, &ixs[0])
			if tt.user == "" {
				assert.NotContains(t, ix, "userId", "unknown ids are left out")
			}
		})
	}
}
