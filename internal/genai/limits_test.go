package genai

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// Rule 12: a runaway or hostile span cannot make a payload of many
// megabytes: ids, names and lists are bounded as well as the text fields.
func TestRule12EveryFieldIsBounded(t *testing.T) {
	huge := strings.Repeat("x", 5<<20)
	var calls strings.Builder
	calls.WriteString(`[{"role":"assistant","parts":[`)
	for i := range 100_000 {
		if i > 0 {
			calls.WriteByte(',')
		}
		fmt.Fprintf(&calls, `{"type":"tool_call","id":"c%d","name":"t","arguments":{}}`, i)
	}
	calls.WriteString(`]}]`)
	llm := chatSpan("llm", "root", 1, 5, userHi, calls.String())
	llm.Attrs["gen_ai.response.model"] = huge
	llm.Attrs["gen_ai.response.id"] = huge
	td := makeTraces(map[string]any{"service.name": huge},
		tSpan{ID: "root", Name: "invoke_agent", End: 10, Attrs: map[string]any{
			"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": strings.Repeat("a", 3<<20),
			"user.id": huge, "session.id": huge, "user_agent.original": huge, "app.blob": huge}},
		llm)
	cfg := testConfig
	cfg.MetadataAttributes = []string{"app.blob"}
	ixs, st := mustNew(cfg).Map(td)
	require.Len(t, ixs, 1)
	body := precogxapi.AppendInteraction(nil, &ixs[0].Interaction)
	assert.Less(t, len(body), 1<<20, "one interaction stays small")
	ix := decode(t, &ixs[0])
	md := meta(ix)
	assert.Len(t, ix["agentId"], maxIdentifierBytes)
	assert.Len(t, ix["userId"], maxIdentifierBytes)
	assert.Len(t, ix["sessionId"], maxIdentifierBytes)
	assert.Len(t, md["model"], maxIdentifierBytes)
	assert.Len(t, md["service_name"], maxIdentifierBytes)
	assert.Len(t, md["response_ids"].([]any)[0], maxIdentifierBytes)
	assert.Len(t, md["user_agent"], cfg.MaxFieldBytes)
	assert.Len(t, md["app.blob"], cfg.MaxFieldBytes)
	assert.Len(t, ix["toolCalls"], maxToolCalls)
	assert.EqualValues(t, 100_000-maxToolCalls, md["tool_calls_dropped"])
	assert.Equal(t, true, md["truncated"])
	assert.Positive(t, st.Truncated)
}
