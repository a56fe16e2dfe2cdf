package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"bytes"
	"encoding/json"
	"strings"
	"unsafe"

	"github.com/precogx/precogxexporter/internal/pdatautil"
	"github.com/precogx/precogxexporter/internal/precogxapi"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

type partKind uint8

const (
	partText partKind = iota
	partToolCall
	partToolResult
)

// part is one piece of a message: text, a tool call, or a tool result.
type part struct {
	kind partKind
	text string
	id   string
	name string
	args precogxapi.RawJSON // tool call arguments or tool result
}

type message struct {
	role   string
	parts  []part
	finish string

	// staging for flattened (indexed) attributes, folded into parts by normalize
	text       string
	hasText    bool
	toolCallID string
	calls      []part
	contents   []part
}

func (m *message) hasTextPart() bool {
	for i := range m.parts {
		if m.parts[i].kind == partText && m.parts[i].text != "" {
			return true
		}
	}
	return false
}

// textOf joins the text parts of a message.
func (m *message) textOf() string {
	var first string
	n := 0
	for i := range m.parts {
		if m.parts[i].kind == partText && m.parts[i].text != "" {
			if n == 0 {
				first = m.parts[i].text
			}
			n++
		}
	}
	if n <= 1 {
		return first
	}
	var sb strings.Builder
	for i := range m.parts {
		if m.parts[i].kind == partText && m.parts[i].text != "" {
			if sb.Len() > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(m.parts[i].text)
		}
	}
	return sb.String()
}

// indexedMessages collects flattened list attributes such as
// gen_ai.prompt.0.role or llm.input_messages.1.message.content.
type indexedMessages []message

func (im *indexedMessages) set(key string, v pcommon.Value, f *flatFields) {
	i, rest, ok := splitIndex(key)
	if !ok {
		return
	}
	for len(*im) <= i {
		*im = append(*im, message{})
	}
	f.read(&(*im)[i], rest, v)
}

func (im indexedMessages) messages() []message {
	out := make([]message, 0, len(im))
	for i := range im {
		m := im[i]
		m.normalize()
		if m.role != "" || len(m.parts) > 0 {
			out = append(out, m)
		}
	}
	return out
}

func (m *message) normalize() {
	if m.hasText {
		if m.role == "tool" || m.toolCallID != "" {
			m.parts = append(m.parts, part{kind: partToolResult, id: m.toolCallID, args: jsonFromText(m.text)})
		} else {
			m.parts = appendTextOrBlocks(m.parts, m.text)
		}
	}
	for _, p := range m.contents {
		m.parts = appendPart(m.parts, p)
	}
	m.parts = append(m.parts, m.calls...)
	m.contents, m.calls = nil, nil
}

// flatFields names the keys of a flattened message (after its index) in
// one convention.
type flatFields struct {
	prefix                       string // before every key
	role, content, toolCallID    string
	finish                       string
	contents, contentText        string // list of content parts, and the text key in one
	calls, callID, callName, arg string // list of tool calls, and the keys in one
}

// OpenLLMetry: gen_ai.prompt.{i}.* and gen_ai.completion.{i}.*
var ollFields = &flatFields{role: "role", content: "content", toolCallID: "tool_call_id", finish: "finish_reason",
	calls: "tool_calls.", callID: "id", callName: "name", arg: "arguments"}

// OpenInference: llm.input_messages.{i}.message.* and llm.output_messages.{i}.message.*
var oiFields = &flatFields{prefix: "message.", role: "role", content: "content", toolCallID: "tool_call_id",
	contents: "contents.", contentText: "message_content.text",
	calls: "tool_calls.", callID: "tool_call.id", callName: "tool_call.function.name", arg: "tool_call.function.arguments"}

func (f *flatFields) read(m *message, key string, v pcommon.Value) {
	key, ok := strings.CutPrefix(key, f.prefix)
	if !ok {
		return
	}
	switch key {
	case f.role:
		m.role = v.Str()
		return
	case f.content:
		m.text, m.hasText = v.AsString(), true
		return
	case f.toolCallID:
		m.toolCallID = v.AsString()
		return
	case f.finish:
		m.finish = v.Str()
		return
	}
	if r, ok := strings.CutPrefix(key, f.contents); ok && f.contents != "" {
		j, field, ok := splitIndex(r)
		if !ok {
			return
		}
		for len(m.contents) <= j {
			m.contents = append(m.contents, part{kind: partText})
		}
		if field == f.contentText {
			m.contents[j].text = v.AsString()
		}
		return
	}
	if r, ok := strings.CutPrefix(key, f.calls); ok {
		j, field, ok := splitIndex(r)
		if !ok {
			return
		}
		for len(m.calls) <= j {
			m.calls = append(m.calls, part{kind: partToolCall})
		}
		c := &m.calls[j]
		switch field {
		case f.callID:
			c.id = v.AsString()
		case f.callName:
			c.name = v.Str()
		case f.arg:
			c.args = jsonFromValue(v)
		}
	}
}

// unwrapTyped unwraps the AI SDK's {"type":"json"|"text","value":X} tool outputs.
func unwrapTyped(r precogxapi.RawJSON) precogxapi.RawJSON {
	if len(r) == 0 || r[0] != '{' {
		return r
	}
	var tv struct {
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	}
	if json.Unmarshal(r, &tv) != nil || len(tv.Value) == 0 {
		return r
	}
	switch tv.Type {
	case "json", "text", "error-text", "error-json":
		return jsonFromRaw(tv.Value)
	}
	return r
}

// jsonFromRaw normalises a JSON value: a string holding a JSON object or
// array becomes that object or array.
func jsonFromRaw(raw json.RawMessage) precogxapi.RawJSON {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
		return jsonFromText(s)
	}
	if !json.Valid(raw) {
		return pdatautil.AppendJSONString(nil, string(raw))
	}
	return precogxapi.RawJSON(raw)
}

// jsonFromText keeps text that is a JSON object or array as JSON, other
// text as a JSON string.
func jsonFromText(s string) precogxapi.RawJSON {
	t := strings.TrimSpace(s)
	// read-only views: precogxapi.RawJSON is never written to
	if tb := unsafe.Slice(unsafe.StringData(t), len(t)); len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(tb) {
		return precogxapi.RawJSON(tb)
	}
	if s == "" {
		return nil
	}
	return pdatautil.AppendJSONString(nil, s)
}

func jsonFromValue(v pcommon.Value) precogxapi.RawJSON {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return jsonFromText(v.Str())
	case pcommon.ValueTypeEmpty:
		return nil
	}
	return pdatautil.AppendJSONValue(nil, v)
}

// valueJSON returns the JSON text of a content attribute, which arrives as a
// JSON string or as a structured value.
func valueJSON(v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		// read-only view: the parsers never write to their input
		s := v.Str()
		return unsafe.Slice(unsafe.StringData(s), len(s))
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		return pdatautil.AppendJSONValue(nil, v)
	}
	return nil
}

// partsFromJSONText reads content that is itself a JSON list of parts
// (OpenLLMetry writes multimodal content that way).
func partsFromJSONText(s string) ([]part, bool) {
	t := strings.TrimSpace(s)
	if len(t) == 0 || t[0] != '[' {
		return nil, false
	}
	ps := parsePartList([]byte(t))
	return ps, len(ps) > 0
}

// legacyRoles are the roles recognised in "role: text" transcripts.
var legacyRoles = map[string]bool{"system": true, "user": true, "assistant": true, "tool": true, "developer": true, "human": true, "ai": true, "function": true}

// parseLegacyContent reads v1.26 gen_ai.prompt / gen_ai.completion values:
// JSON messages, "role: text" lines, or plain text of defaultRole.
// jsonFailed reports text that looked like JSON but did not decode.
func parseLegacyContent(s, defaultRole string) (msgs []message, jsonFailed bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, false
	}
	if t[0] == '[' || t[0] == '{' {
		if msgs, ok := parseMessages([]byte(t)); ok {
			for i := range msgs {
				if msgs[i].role == "" {
					msgs[i].role = defaultRole
				}
			}
			return msgs, false
		}
		jsonFailed = true
	}
	if !jsonFailed {
		if role, _, ok := cutRole(t); ok && legacyRoles[role] {
			for _, line := range strings.Split(t, "\n") {
				if r, text, ok := cutRole(line); ok && legacyRoles[r] {
					msgs = append(msgs, message{role: r, parts: []part{{kind: partText, text: text}}})
				} else if len(msgs) > 0 {
					p := &msgs[len(msgs)-1].parts[0]
					p.text += "\n" + line
				}
			}
			return msgs, false
		}
	}
	return []message{{role: defaultRole, parts: []part{{kind: partText, text: s}}}}, jsonFailed
}

func cutRole(line string) (role, text string, ok bool) {
	role, text, ok = strings.Cut(line, ": ")
	if !ok || strings.ContainsAny(role, " \t") {
		return "", "", false
	}
	return strings.ToLower(role), text, true
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstRaw(vs ...json.RawMessage) json.RawMessage {
	for _, v := range vs {
		if len(v) > 0 && string(v) != "null" {
			return v
		}
	}
	return nil
}
