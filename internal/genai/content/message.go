// Package content reads the content GenAI telemetry carries (messages, their
// text, tool calls and tool results) from the shapes the encodings write it
// in: JSON read in one streaming pass, flattened indexed attributes, and
// "role: text" transcripts. Readers never fail: what does not decode is
// reported so that the caller can fall back to the raw text.
package content // import "github.com/precogx/precogxexporter/internal/genai/content"

import (
	"strings"

	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// Kind is what a part holds.
type Kind uint8

// Part kinds.
const (
	Text Kind = iota
	ToolCall
	ToolResult
)

// Part is one piece of a message: text, a tool call, or a tool result.
type Part struct {
	Kind Kind
	Text string
	ID   string
	Name string
	Args precogxapi.RawJSON // tool call arguments or tool result
}

// Message is one message of a model call's input or output.
type Message struct {
	Role   string
	Parts  []Part
	Finish string

	// staging for flattened (indexed) attributes, folded into Parts by normalize
	text       string
	hasText    bool
	toolCallID string
	calls      []Part
	contents   []Part
}

// HasText tells whether the message has a non-empty text part.
func (m *Message) HasText() bool {
	for i := range m.Parts {
		if m.Parts[i].Kind == Text && m.Parts[i].Text != "" {
			return true
		}
	}
	return false
}

// Text joins the text parts of a message, one per line.
func (m *Message) Text() string {
	var first string
	n := 0
	for i := range m.Parts {
		if m.Parts[i].Kind == Text && m.Parts[i].Text != "" {
			if n == 0 {
				first = m.Parts[i].Text
			}
			n++
		}
	}
	if n <= 1 {
		return first
	}
	var sb strings.Builder
	for i := range m.Parts {
		if m.Parts[i].Kind == Text && m.Parts[i].Text != "" {
			if sb.Len() > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(m.Parts[i].Text)
		}
	}
	return sb.String()
}

// WithDefaultRole gives msgs without a role the role given.
func WithDefaultRole(msgs []Message, role string) []Message {
	for i := range msgs {
		if msgs[i].Role == "" {
			msgs[i].Role = role
		}
	}
	return msgs
}

// appendTextOrBlocks adds text that may itself be a JSON list of content
// blocks (Strands, Bedrock Converse) as the blocks' parts, else as text.
func appendTextOrBlocks(dst []Part, s string) []Part {
	if ps, ok := partsFromJSONText(s); ok {
		for _, p := range ps {
			dst = appendPart(dst, p)
		}
		return dst
	}
	return appendPart(dst, Part{Kind: Text, Text: s})
}

// appendPart adds p, except a text part repeating a text the message has
// already (content sent twice in one message is used once).
func appendPart(dst []Part, p Part) []Part {
	if p.Kind == Text {
		if p.Text == "" {
			return dst
		}
		for i := range dst {
			if dst[i].Kind == Text && dst[i].Text == p.Text {
				return dst
			}
		}
	}
	return append(dst, p)
}

// partsFromJSONText reads content that is itself a JSON list of parts
// (OpenLLMetry writes multimodal content that way).
func partsFromJSONText(s string) ([]Part, bool) {
	t := strings.TrimSpace(s)
	if len(t) == 0 || t[0] != '[' {
		return nil, false
	}
	ps := parsePartList([]byte(t))
	return ps, len(ps) > 0
}
