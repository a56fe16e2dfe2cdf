package genai // import "github.com/precogx/precogxexporter/internal/genai"

// Anthropic, Bedrock Converse and Strands write content as content-block
// lists ([{"type":"text","text":...}], [{"text":...}], tool_use / toolUse
// and tool_result / toolResult blocks, {"json":...} values), as JSON strings
// or structured values, inside any encoding's content (rule 10): the
// content readers take them as text, tool calls and tool results. The
// @anthropic-ai/sdk's own tracing also records a tool's result on its tool
// span.

var anthropicEncoding = &encoding{
	keys: []key{
		{name: "anthropic.tool_result.content", field: func(s *span) *attr { return &s.tool.result }},
	},
}
