// Package genaitest builds GenAI telemetry for the tests and benchmarks.
package genaitest // import "github.com/precogx/precogxexporter/internal/genaitest"

import (
	"encoding/json"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TraceID returns a readable trace id: prefix and number, 16 bytes.
func TraceID(prefix string, i int) pcommon.TraceID {
	var id pcommon.TraceID
	copy(id[:], fmt.Sprintf("%-5.5s%011d", prefix, i))
	return id
}

// Usage the turn's two model calls report: 10+5 and 20+8 tokens.
const TurnTokens = 43

// AgentTurn appends one agent turn to spans, in GenAI semconv >= 1.37: an
// invoke_agent root, a chat call that asks for get_weather, the
// execute_tool span, and the chat call that answers.
func AgentTurn(spans ptrace.SpanSlice, id pcommon.TraceID, start time.Time, prompt, answer string) {
	add := spanAdder(spans, id, start)
	chat := func(input, output string, in, out int) map[string]any {
		return map[string]any{"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
			"gen_ai.response.model": "gpt-4o-mini-2024-07-18", "gen_ai.input.messages": input, "gen_ai.output.messages": output,
			"gen_ai.usage.input_tokens": in, "gen_ai.usage.output_tokens": out}
	}
	user := `[{"role":"user","parts":[{"type":"text","content":` + quote(prompt) + `}]}]`
	add(1, 0, 0, 100, "invoke_agent weather-agent", map[string]any{"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "weather-agent",
		"user.id": "u-1", "session.id": "s-1"})
	add(2, 1, 1, 30, "chat gpt-4o-mini", chat(user,
		`[{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"get_weather","arguments":{"location":"Paris"}}]}]`, 10, 5))
	add(3, 1, 31, 40, "execute_tool get_weather", map[string]any{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
		"gen_ai.tool.call.id": "call_1", "gen_ai.tool.call.arguments": `{"location":"Paris"}`, "gen_ai.tool.call.result": `{"temperature":"57F"}`})
	add(4, 1, 41, 99, "chat gpt-4o-mini", chat(user,
		`[{"role":"assistant","parts":[{"type":"text","content":`+quote(answer)+`}]}]`, 20, 8))
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// spanAdder returns a function that appends span n of trace id (parent 0:
// the root), from and to in milliseconds after start.
func spanAdder(spans ptrace.SpanSlice, id pcommon.TraceID, start time.Time) func(n, parent byte, from, to int, name string, attrs map[string]any) {
	sid := func(n byte) pcommon.SpanID {
		var s pcommon.SpanID
		copy(s[:7], id[9:])
		s[7] = n
		return s
	}
	return func(n, parent byte, from, to int, name string, attrs map[string]any) {
		sp := spans.AppendEmpty()
		sp.SetTraceID(id)
		sp.SetSpanID(sid(n))
		if parent > 0 {
			sp.SetParentSpanID(sid(parent))
		}
		sp.SetName(name)
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(from) * time.Millisecond)))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(to) * time.Millisecond)))
		_ = sp.Attributes().FromRaw(attrs)
	}
}
