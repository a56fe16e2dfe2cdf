package content // import "github.com/precogx/precogxexporter/internal/genai/content"

import (
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Indexed collects the messages of flattened list attributes such as
// gen_ai.prompt.0.role or llm.input_messages.1.message.content.
type Indexed []Message

// Flat names the keys of a flattened message (after its index) in one
// encoding.
type Flat struct {
	Prefix                       string // before every key
	Role, Content, ToolCallID    string
	Finish                       string
	Contents, ContentText        string // list of content parts, and the text key in one
	Calls, CallID, CallName, Arg string // list of tool calls, and the keys in one
}

// Set reads one flattened attribute; key is what follows the list's prefix
// ("0.role").
func (im *Indexed) Set(key string, v pcommon.Value, f *Flat) {
	i, rest, ok := SplitIndex(key)
	if !ok {
		return
	}
	for len(*im) <= i {
		*im = append(*im, Message{})
	}
	f.read(&(*im)[i], rest, v)
}

// Messages returns the collected messages, without the empty ones.
func (im Indexed) Messages() []Message {
	out := make([]Message, 0, len(im))
	for i := range im {
		m := im[i]
		m.normalize()
		if m.Role != "" || len(m.Parts) > 0 {
			out = append(out, m)
		}
	}
	return out
}

func (m *Message) normalize() {
	if m.hasText {
		if m.Role == "tool" || m.toolCallID != "" {
			m.Parts = append(m.Parts, Part{Kind: ToolResult, ID: m.toolCallID, Args: FromText(m.text)})
		} else {
			m.Parts = appendTextOrBlocks(m.Parts, m.text)
		}
	}
	for _, p := range m.contents {
		m.Parts = appendPart(m.Parts, p)
	}
	m.Parts = append(m.Parts, m.calls...)
	m.contents, m.calls = nil, nil
}

func (f *Flat) read(m *Message, key string, v pcommon.Value) {
	key, ok := strings.CutPrefix(key, f.Prefix)
	if !ok {
		return
	}
	switch key {
	case f.Role:
		m.Role = v.Str()
		return
	case f.Content:
		m.text, m.hasText = v.AsString(), true
		return
	case f.ToolCallID:
		m.toolCallID = v.AsString()
		return
	case f.Finish:
		m.Finish = v.Str()
		return
	}
	if r, ok := strings.CutPrefix(key, f.Contents); ok && f.Contents != "" {
		j, field, ok := SplitIndex(r)
		if !ok {
			return
		}
		for len(m.contents) <= j {
			m.contents = append(m.contents, Part{Kind: Text})
		}
		if field == f.ContentText {
			m.contents[j].Text = v.AsString()
		}
		return
	}
	if r, ok := strings.CutPrefix(key, f.Calls); ok {
		j, field, ok := SplitIndex(r)
		if !ok {
			return
		}
		for len(m.calls) <= j {
			m.calls = append(m.calls, Part{Kind: ToolCall})
		}
		c := &m.calls[j]
		switch field {
		case f.CallID:
			c.ID = v.AsString()
		case f.CallName:
			c.Name = v.Str()
		case f.Arg:
			c.Args = FromValue(v)
		}
	}
}

// MaxIndex bounds flattened list indexes so a hostile key cannot allocate much.
const MaxIndex = 1024

// SplitIndex splits "3.tool_calls.0.name" into 3 and "tool_calls.0.name".
func SplitIndex(s string) (int, string, bool) {
	dot := strings.IndexByte(s, '.')
	if dot <= 0 {
		return 0, "", false
	}
	i, err := strconv.Atoi(s[:dot])
	if err != nil || i < 0 || i >= MaxIndex {
		return 0, "", false
	}
	return i, s[dot+1:], true
}
