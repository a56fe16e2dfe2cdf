package content

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
