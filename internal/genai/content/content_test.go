package content

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/precogx/precogxexporter/internal/precogxapi"
)

func TestBlockValue(t *testing.T) {
	for in, want := range map[string]string{
		`[{"json":{"time":"noon"}}]`:                `{"time":"noon"}`,
		`[{"type":"text","text":"a"},{"text":"b"}]`: `"ab"`,
		`[{"text":"{\"t\":1}"}]`:                    `{"t":1}`,
		`[{"type":"image"}]`:                        `[{"type":"image"}]`, // other blocks stay as they are
		`{"a":1}`:                                   `{"a":1}`,
	} {
		assert.Equal(t, precogxapi.RawJSON(want), BlockValue(precogxapi.RawJSON(in)), in)
	}
}

func TestParseLegacy(t *testing.T) {
	msgs, failed := ParseLegacy("system: be nice\nuser: multi\nline question", "user")
	assert.False(t, failed)
	assert.Equal(t, []Message{
		{Role: "system", Parts: []Part{{Kind: Text, Text: "be nice"}}},
		{Role: "user", Parts: []Part{{Kind: Text, Text: "multi\nline question"}}},
	}, msgs)
	msgs, failed = ParseLegacy(`[{"role":"user","content":"cut`, "user")
	assert.True(t, failed, "JSON that does not decode is reported")
	assert.Equal(t, `[{"role":"user","content":"cut`, msgs[0].Parts[0].Text)
}

func TestIndexedMessages(t *testing.T) {
	var im Indexed
	flat := &Flat{Role: "role", Content: "content", Calls: "tool_calls.", CallID: "id", CallName: "name", Arg: "arguments"}
	im.Set("1.role", pcommon.NewValueStr("assistant"), flat)
	im.Set("1.tool_calls.0.name", pcommon.NewValueStr("get_weather"), flat)
	im.Set("1.tool_calls.0.arguments", pcommon.NewValueStr(`{"city":"Paris"}`), flat)
	im.Set("0.role", pcommon.NewValueStr("user"), flat)
	im.Set("0.content", pcommon.NewValueStr("hi"), flat)
	im.Set("99999.role", pcommon.NewValueStr("user"), flat) // beyond MaxIndex: ignored
	msgs := im.Messages()
	assert.Len(t, msgs, 2)
	assert.Equal(t, "hi", msgs[0].Text())
	assert.Equal(t, Part{Kind: ToolCall, Name: "get_weather", Args: precogxapi.RawJSON(`{"city":"Paris"}`)}, msgs[1].Parts[0])
}

// TestScratchParsesAsWithout holds parsing into one Scratch to parsing
// without: the same messages for every input, none of them changed by the
// parses after it (no list runs into the next one's slot), and none left
// to be seen after Reset.
func TestScratchParsesAsWithout(t *testing.T) {
	inputs := []string{
		`[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]`,
		`[{"role":"assistant","parts":[{"type":"text","content":"a"},{"type":"tool_call","id":"c1","name":"f","arguments":{"x":1}}]}]`,
		`[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]}]`,
		`[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"inner"}}]`,
		`[{"role":"assistant","tool_calls":[{"id":"c2","function":{"name":"g","arguments":"{}"}}]}]`,
		`[{"role":"tool","tool_call_id":"c2","content":"{\"ok\":true}"}]`,
		`{"role":"user","content":"an object alone"}`,
		`[{"role":"user"},{"role":"assistant","parts":[]}]`,
		`[{"role":"user","parts":[{"type":"text","content":"broken"`,
		`not json`,
	}
	var sc Scratch
	var got [][]Message
	for round := range 3 { // past the first slab of parts
		for _, in := range inputs {
			msgs, ok := sc.ParseMessages([]byte(in))
			want, wantOK := ParseMessages([]byte(in))
			require.Equal(t, wantOK, ok, "%d: %s", round, in)
			require.Equal(t, want, msgs, "%d: %s", round, in)
			got = append(got, msgs)
		}
	}
	for k, msgs := range got {
		want, _ := ParseMessages([]byte(inputs[k%len(inputs)]))
		require.Equal(t, want, msgs, "parse %d, after the later ones", k)
	}
	sc.Reset()
	for _, m := range sc.msgs[:cap(sc.msgs)] {
		require.Zero(t, m.Role, "Reset leaves no view of the texts")
	}
}

func TestScratchAllocations(t *testing.T) {
	data := []byte(`[{"role":"user","parts":[{"type":"text","content":"` + strings.Repeat("What is the weather in Paris? ", 40) + `"}]}]`)
	var sc Scratch
	allocs := testing.AllocsPerRun(100, func() {
		if msgs, ok := sc.ParseMessages(data); !ok || len(msgs) != 1 {
			t.Fatal("not parsed")
		}
		sc.Reset()
	})
	assert.Zero(t, allocs, "the message and its part come from the scratch")
}
