package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Scenario questions and answers of test/clients (lib/common.js, fake-openai.js).
const (
	capitalQuestion = "What is the capital of France?"
	capitalAnswer   = "The capital of France is Paris."
	weatherQuestion = "What's the weather in Paris?"
	weatherAnswer   = "The weather in Paris is rainy, 57°F."
)

type clientLib struct {
	script    string
	service   string
	scenarios []string
	// agentID per scenario kind (rule 3 applied to what the library emits)
	chatAgent, agentAgent string
	provider              string // model_provider; "" is openai
	// facts the library itself gets wrong or leaves out, by fact ("prompt")
	// or fact and scenario ("tokens/chat_stream"): asserted as the gap
	gaps map[string]gap
}

// gap is a fact a library does not record as served, with why and the value
// the interaction then has (nil: not compared, only logged).
type gap struct {
	why string
	got any
}

var basic = []string{"chat", "chat_stream", "agent"}

var clientLibs = []clientLib{
	{script: "otel-openai.js", service: "clients-otel-openai", scenarios: []string{"chat", "chat_stream", "agent", "agent_responses"},
		chatAgent: "weather-agent", agentAgent: "weather-agent"},
	{script: "openllmetry.js", service: "clients-openllmetry", scenarios: []string{"chat", "chat_stream", "agent", "agent_responses"},
		chatAgent: "clients-openllmetry", agentAgent: "weather-agent",
		gaps: map[string]gap{"tokens/chat_stream": {why: "Traceloop counts streamed tokens itself"}}},
	{script: "openinference.js", service: "clients-openinference", scenarios: []string{"chat", "chat_stream", "agent", "agent_responses"},
		chatAgent: "clients-openinference", agentAgent: "weather-agent",
		gaps: map[string]gap{"tokens/chat_stream": {why: "OpenInference records no usage for streamed chat", got: 0}}},
	{script: "ai6.js", service: "clients-ai6", scenarios: []string{"chat", "chat_stream", "agent", "agent_stream", "agent_responses"},
		chatAgent: "weather-agent", agentAgent: "weather-agent"},
	{script: "ai7.js", service: "clients-ai7", scenarios: []string{"chat", "chat_stream", "agent", "agent_stream", "agent_responses"},
		chatAgent: "weather-agent", agentAgent: "weather-agent"},
	{script: "langchain-openinference.js", service: "clients-langchain-openinference", scenarios: basic,
		chatAgent: "clients-langchain-openinference", agentAgent: "clients-langchain-openinference"},
	{script: "langchain-openllmetry.js", service: "clients-langchain-openllmetry", scenarios: basic,
		chatAgent: "clients-langchain-openllmetry", agentAgent: "weather-agent"},
	{script: "anthropic-sdk.js", service: "clients-anthropic-sdk", scenarios: basic, provider: "anthropic",
		chatAgent: "weather-agent", agentAgent: "weather-agent"},
	{script: "anthropic-openinference.js", service: "clients-anthropic-openinference", scenarios: basic, provider: "anthropic",
		chatAgent: "clients-anthropic-openinference", agentAgent: "weather-agent"},
	{script: "anthropic-openllmetry.js", service: "clients-anthropic-openllmetry", scenarios: basic, provider: "anthropic",
		chatAgent: "clients-anthropic-openllmetry", agentAgent: "weather-agent"},
	{script: "bedrock-aws-sdk.js", service: "clients-bedrock-aws-sdk", scenarios: basic, provider: "aws.bedrock",
		chatAgent: "weather-agent", agentAgent: "weather-agent",
		gaps: map[string]gap{
			"prompt":   {why: "instrumentation-aws-sdk records no content", got: ""},
			"response": {why: "instrumentation-aws-sdk records no content", got: ""},
		}},
	{script: "mastra.js", service: "clients-mastra", scenarios: basic,
		chatAgent: "chat", agentAgent: "weather-agent",
		gaps: map[string]gap{"tokens/chat_stream": {why: "Mastra records no usage for a streamed call", got: 0}}},
	{script: "strands.js", service: "clients-strands", scenarios: basic,
		chatAgent: "weather-agent", agentAgent: "weather-agent",
		gaps: map[string]gap{"provider": {why: "Strands names itself as gen_ai.system, not the model provider", got: "strands-agents"}}},
}

// fact compares one fact with what was served, or asserts the library's gap.
func (lib *clientLib) fact(t *testing.T, name, scenario string, want, got any) {
	t.Helper()
	g, ok := lib.gaps[name+"/"+scenario]
	if !ok {
		g, ok = lib.gaps[name]
	}
	if !ok {
		assert.Equal(t, want, got, name)
		return
	}
	t.Logf("%s: gap: %s", name, g.why)
	if g.got != nil {
		assert.Equal(t, g.got, got, "%s: the gap (%s)", name, g.why)
	}
}

type ledger struct {
	Calls  int `json:"calls"`
	Tokens int `json:"tokens"`
}

func ledgerCall(t *testing.T, method, url string) ledger {
	t.Helper()
	req, err := http.NewRequest(method, url+"/_ledger", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var l ledger
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&l))
	return l
}

// TestRealClients runs the instrumentation libraries of test/clients, as their
// users run them, through the built collector into the devserver, and checks
// the interactions per library and scenario (`make test` installs them with npm ci).
func TestRealClients(t *testing.T) {
	root, err := RepoRoot()
	require.NoError(t, err)
	dir := filepath.Join(root, "test", "clients")
	node := filepath.Join(dir, "node_modules", ".bin", "node")
	_, err = os.Stat(node)
	require.NoError(t, err, "run `make test` (it runs npm ci in test/clients)")

	fake, fakeURL, err := StartNode(node, filepath.Join(dir, "fake-openai.js"), filepath.Join(t.TempDir(), "fake-openai.log"), "FAKE_OPENAI_PORT=0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = fake.Stop(5 * time.Second) })
	s := startStack(t)

	type key struct{ service, scenario string }
	served := map[key]ledger{}
	total := 0
	for _, lib := range clientLibs {
		for _, sc := range lib.scenarios {
			ledgerCall(t, http.MethodDelete, fakeURL)
			cmd := exec.Command(node, lib.script)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "OTLP_ENDPOINT="+s.col.OTLPURL, "OPENAI_BASE_URL="+fakeURL+"/v1", "SCENARIOS="+sc)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s %s:\n%s", lib.script, sc, out)
			served[key{lib.service, sc}] = ledgerCall(t, http.MethodGet, fakeURL)
			total++
		}
	}

	items := s.exactlyOnce(t, total)
	got := map[key]clientInteraction{}
	for _, it := range items {
		var ix clientInteraction
		require.NoError(t, json.Unmarshal(it.Interaction, &ix))
		k := key{ix.Metadata.ServiceName, strings.TrimPrefix(ix.SessionID, "session-")}
		_, dup := got[k]
		require.False(t, dup, "two interactions for %v", k)
		got[k] = ix
	}
	for _, lib := range clientLibs {
		for _, sc := range lib.scenarios {
			t.Run(lib.service+"/"+sc, func(t *testing.T) {
				ix, ok := got[key{lib.service, sc}]
				require.True(t, ok, "no interaction for this turn")
				agentTurn := strings.HasPrefix(sc, "agent")
				assert.Equal(t, "user-42", ix.UserID)
				assert.Equal(t, "session-"+sc, ix.SessionID)
				lib.fact(t, "provider", sc, firstNonEmpty(lib.provider, "openai"), ix.Metadata.ModelProvider)
				assert.False(t, ix.Metadata.Partial)
				served := served[key{lib.service, sc}]
				lib.fact(t, "calls", sc, served.Calls, ix.Metadata.LLMCallCount)
				lib.fact(t, "tokens", sc, served.Tokens, ix.Metadata.TokensUsed)
				question, answer, agent := capitalQuestion, capitalAnswer, lib.chatAgent
				if agentTurn {
					question, answer, agent = weatherQuestion, weatherAnswer, lib.agentAgent
				}
				lib.fact(t, "prompt", sc, question, ix.Prompt)
				lib.fact(t, "response", sc, answer, ix.Response)
				assert.Equal(t, agent, ix.AgentID)
				if !agentTurn {
					assert.Empty(t, ix.ToolCalls)
					return
				}
				require.Len(t, ix.ToolCalls, 1, "the get_weather call, once")
				tc := ix.ToolCalls[0]
				assert.Equal(t, "get_weather", tc.Name)
				assert.JSONEq(t, `{"location":"Paris"}`, string(tc.Input))
				assert.JSONEq(t, `{"location":"Paris","temperature":"57°F","conditions":"rainy"}`, string(tc.Output))
				assert.True(t, tc.Success)
			})
		}
	}
	fmt.Fprintf(os.Stderr, "real clients: %d turns from %d library forms checked\n", total, len(clientLibs))
}

type clientInteraction struct {
	AgentID   string `json:"agentId"`
	Prompt    string `json:"prompt"`
	Response  string `json:"response"`
	UserID    string `json:"userId"`
	SessionID string `json:"sessionId"`
	ToolCalls []struct {
		Name    string          `json:"name"`
		Input   json.RawMessage `json:"input"`
		Output  json.RawMessage `json:"output"`
		Success bool            `json:"success"`
	} `json:"toolCalls"`
	Metadata struct {
		ServiceName   string `json:"service_name"`
		ModelProvider string `json:"model_provider"`
		TokensUsed    int    `json:"tokens_used"`
		LLMCallCount  int    `json:"llm_call_count"`
		Partial       bool   `json:"partial"`
	} `json:"metadata"`
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
