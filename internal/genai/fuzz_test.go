package genai

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/precogxapi"
)

func seedFiles(f *testing.F, pattern string) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds for %s", pattern)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		// compact seeds mutate and minimize much faster
		var buf bytes.Buffer
		if err := json.Compact(&buf, data); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
}

// checkMapped encodes what the mapping produced and requires valid JSON.
func checkMapped(t *testing.T, ixs []Interaction) {
	for i := range ixs {
		if b := precogxapi.AppendInteraction(nil, &ixs[i].Interaction); !json.Valid(b) {
			t.Fatalf("invalid JSON produced: %s", b)
		}
	}
}

func FuzzMapTraces(f *testing.F) {
	seedFiles(f, "golden/*.traces.json")
	m := defaultMapper()
	f.Fuzz(func(t *testing.T, data []byte) {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
		if err != nil {
			return
		}
		ixs, _ := m.Map(td)
		checkMapped(t, ixs)
	})
}

func FuzzMapLogs(f *testing.F) {
	seedFiles(f, "golden/*.logs.json")
	m := defaultMapper()
	f.Fuzz(func(t *testing.T, data []byte) {
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(data)
		if err != nil {
			return
		}
		ixs, _ := m.Map(joinLogs(ptrace.NewTraces(), ld))
		checkMapped(t, ixs)
	})
}

// FuzzContent puts arbitrary text into each content attribute of an
// otherwise valid agent turn: the parsers see far more shapes this way.
func FuzzContent(f *testing.F) {
	for _, s := range []string{userHi, answerOK, `[{"role":"tool","parts":[{"type":"tool_call_response","id":"c","response":{"a":[1,2]}}]}]`,
		`{"args": [], "kwargs": {"x": 1}}`, "user: hi\nassistant: yo", `[{"toolCallId":"a","toolName":"t","input":"{}"}]`, `"\"{}\""`} {
		for key := range 12 {
			f.Add(s, uint8(key))
		}
	}
	keys := []string{"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.tool.definitions",
		"gen_ai.prompt", "gen_ai.completion", "ai.prompt.messages", "ai.response.toolCalls", "traceloop.entity.input",
		"llm.invocation_parameters", "gen_ai.prompt.0.content", "llm.input_messages.0.message.content"}
	m := defaultMapper()
	f.Fuzz(func(t *testing.T, s string, key uint8) {
		llm := chatSpan("llm", "agent", 1, 5, userHi, answerOK)
		llm.Attrs[keys[int(key)%len(keys)]] = s
		tool := tSpan{ID: "tool", Parent: "agent", Name: "execute_tool", Start: 2, End: 3, Attrs: map[string]any{
			"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "t", "gen_ai.tool.call.arguments": s, "traceloop.entity.output": s}}
		agent := tSpan{ID: "agent", Name: "a", End: 9, Attrs: map[string]any{"gen_ai.operation.name": "invoke_agent", "ai.prompt": s, "input.value": s}}
		oi := tSpan{ID: "oi", Parent: "agent", Name: "llm", Start: 6, End: 7, Attrs: map[string]any{"openinference.span.kind": "LLM",
			"input.value": s, "output.value": s}}
		ai := tSpan{ID: "ai", Parent: "agent", Name: "ai.generateText.doGenerate", Start: 7, End: 8, Attrs: map[string]any{
			"ai.operationId": "ai.generateText.doGenerate", "ai.result.toolCalls": s, "ai.prompt.tools": s}}
		ixs, _ := m.Map(makeTraces(nil, agent, llm, tool, oi, ai))
		checkMapped(t, ixs)
	})
}
