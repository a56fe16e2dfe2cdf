package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"bytes"
	"encoding/json"
	"strings"

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
	args rawJSON // tool call arguments or tool result
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

func (im *indexedMessages) set(key string, v pcommon.Value, field func(*message, string, pcommon.Value)) {
	i, rest, ok := splitIndex(key)
	if !ok {
		return
	}
	for len(*im) <= i {
		*im = append(*im, message{})
	}
	field(&(*im)[i], rest, v)
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
		} else if ps, ok := partsFromJSONText(m.text); ok {
			m.parts = append(m.parts, ps...)
		} else {
			m.parts = append(m.parts, part{kind: partText, text: m.text})
		}
	}
	m.parts = append(m.parts, m.contents...)
	m.parts = append(m.parts, m.calls...)
	m.contents, m.calls = nil, nil
}

func callAt(calls *[]part, j int) *part {
	for len(*calls) <= j {
		*calls = append(*calls, part{kind: partToolCall})
	}
	return &(*calls)[j]
}

// ollField reads OpenLLMetry's gen_ai.prompt.{i}.* / gen_ai.completion.{i}.*.
func ollField(m *message, rest string, v pcommon.Value) {
	switch rest {
	case "role":
		m.role = v.Str()
	case "content":
		m.text, m.hasText = v.AsString(), true
	case "tool_call_id":
		m.toolCallID = v.AsString()
	case "finish_reason":
		m.finish = v.Str()
	default:
		if !strings.HasPrefix(rest, "tool_calls.") {
			return
		}
		j, f, ok := splitIndex(rest[len("tool_calls."):])
		if !ok {
			return
		}
		c := callAt(&m.calls, j)
		switch f {
		case "id":
			c.id = v.AsString()
		case "name":
			c.name = v.Str()
		case "arguments":
			c.args = jsonFromValue(v)
		}
	}
}

// oiField reads OpenInference's llm.{input,output}_messages.{i}.message.*.
func oiField(m *message, rest string, v pcommon.Value) {
	rest, ok := strings.CutPrefix(rest, "message.")
	if !ok {
		return
	}
	switch rest {
	case "role":
		m.role = v.Str()
	case "content":
		m.text, m.hasText = v.AsString(), true
	case "tool_call_id":
		m.toolCallID = v.AsString()
	default:
		if r, ok := strings.CutPrefix(rest, "contents."); ok {
			j, f, ok := splitIndex(r)
			if !ok {
				return
			}
			for len(m.contents) <= j {
				m.contents = append(m.contents, part{kind: partText})
			}
			if f == "message_content.text" {
				m.contents[j].text = v.AsString()
			}
			return
		}
		if r, ok := strings.CutPrefix(rest, "tool_calls."); ok {
			j, f, ok := splitIndex(r)
			if !ok {
				return
			}
			c := callAt(&m.calls, j)
			switch f {
			case "tool_call.id":
				c.id = v.AsString()
			case "tool_call.function.name":
				c.name = v.Str()
			case "tool_call.function.arguments":
				c.args = jsonFromValue(v)
			}
		}
	}
}

// JSON shapes of messages across conventions: semconv parts, OpenAI-style
// content and tool_calls, Vercel content parts, v1.28 event bodies.
type jMessage struct {
	Role         string          `json:"role"`
	Parts        []jPart         `json:"parts"`
	Content      json.RawMessage `json:"content"`
	FinishReason string          `json:"finish_reason"`
	ToolCalls    []jToolCall     `json:"tool_calls"`
	ToolCallID   string          `json:"tool_call_id"`
	ID           string          `json:"id"`
	Message      *jMessage       `json:"message"` // gen_ai.choice body
}

type jPart struct {
	Type       string          `json:"type"`
	Content    json.RawMessage `json:"content"`
	Text       string          `json:"text"`
	ID         string          `json:"id"`
	CallID     string          `json:"call_id"`
	Name       string          `json:"name"`
	Arguments  json.RawMessage `json:"arguments"`
	Response   json.RawMessage `json:"response"`
	Result     json.RawMessage `json:"result"`
	ToolCallID string          `json:"toolCallId"`
	ToolName   string          `json:"toolName"`
	Input      json.RawMessage `json:"input"`
	Args       json.RawMessage `json:"args"`
	Output     json.RawMessage `json:"output"`
}

type jToolCall struct {
	ID       string `json:"id"`
	Function struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
	Name       string          `json:"name"`
	Arguments  json.RawMessage `json:"arguments"`
	ToolCallID string          `json:"toolCallId"`
	ToolName   string          `json:"toolName"`
	Input      json.RawMessage `json:"input"`
	Args       json.RawMessage `json:"args"`
}

// parseMessages decodes a JSON array of messages. Messages that do not decode
// are skipped; ok is false when nothing could be read as JSON messages.
func parseMessages(data []byte) (msgs []message, ok bool) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '[' {
		if len(data) > 0 && data[0] == '{' {
			var jm jMessage
			if json.Unmarshal(data, &jm) == nil {
				return []message{fromJMessage(&jm)}, true
			}
		}
		return nil, false
	}
	var raws []json.RawMessage
	if json.Unmarshal(data, &raws) != nil {
		return nil, false
	}
	msgs = make([]message, 0, len(raws))
	for _, r := range raws {
		var jm jMessage
		if json.Unmarshal(r, &jm) != nil {
			continue
		}
		msgs = append(msgs, fromJMessage(&jm))
	}
	return msgs, true
}

func fromJMessage(jm *jMessage) message {
	if jm.Message != nil {
		m := fromJMessage(jm.Message)
		if m.finish == "" {
			m.finish = jm.FinishReason
		}
		return m
	}
	m := message{role: jm.Role, finish: jm.FinishReason}
	for i := range jm.Parts {
		if p, ok := fromJPart(&jm.Parts[i]); ok {
			m.parts = append(m.parts, p)
		}
	}
	if len(jm.Content) > 0 {
		toolResultID := jm.ToolCallID
		if toolResultID == "" && jm.Role == "tool" {
			toolResultID = jm.ID
		}
		switch {
		case jm.Role == "tool" || jm.ToolCallID != "":
			m.parts = append(m.parts, part{kind: partToolResult, id: toolResultID, args: jsonFromRaw(jm.Content)})
		case jm.Content[0] == '"':
			var s string
			if json.Unmarshal(jm.Content, &s) == nil && s != "" {
				m.parts = append(m.parts, part{kind: partText, text: s})
			}
		case jm.Content[0] == '[':
			var jps []jPart
			if json.Unmarshal(jm.Content, &jps) == nil {
				for i := range jps {
					if p, ok := fromJPart(&jps[i]); ok {
						m.parts = append(m.parts, p)
					}
				}
			}
		}
	}
	for i := range jm.ToolCalls {
		tc := &jm.ToolCalls[i]
		p := part{kind: partToolCall, id: firstNonEmpty(tc.ID, tc.ToolCallID), name: firstNonEmpty(tc.Function.Name, tc.Name, tc.ToolName)}
		p.args = jsonFromRaw(firstRaw(tc.Function.Arguments, tc.Arguments, tc.Input, tc.Args))
		m.parts = append(m.parts, p)
	}
	return m
}

func fromJPart(jp *jPart) (part, bool) {
	switch jp.Type {
	case "text", "input_text", "output_text", "":
		t := jp.Text
		if t == "" && len(jp.Content) > 0 {
			if jp.Content[0] == '"' {
				_ = json.Unmarshal(jp.Content, &t)
			} else {
				t = string(jp.Content)
			}
		}
		if t == "" {
			return part{}, false
		}
		return part{kind: partText, text: t}, true
	case "tool_call", "tool-call", "function_call":
		return part{
			kind: partToolCall,
			// call_id is the id tool results refer to when an item id is also given
			id:   firstNonEmpty(jp.CallID, jp.ID, jp.ToolCallID),
			name: firstNonEmpty(jp.Name, jp.ToolName),
			args: jsonFromRaw(firstRaw(jp.Arguments, jp.Input, jp.Args)),
		}, true
	case "tool_call_response", "tool-result", "function_call_output":
		return part{
			kind: partToolResult,
			id:   firstNonEmpty(jp.CallID, jp.ID, jp.ToolCallID),
			name: jp.ToolName,
			args: unwrapTyped(jsonFromRaw(firstRaw(jp.Response, jp.Result, jp.Output, jp.Content))),
		}, true
	}
	return part{}, false
}

// unwrapTyped unwraps the AI SDK's {"type":"json"|"text","value":X} tool outputs.
func unwrapTyped(r rawJSON) rawJSON {
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
func jsonFromRaw(raw json.RawMessage) rawJSON {
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
	return rawJSON(raw)
}

// jsonFromText keeps text that is a JSON object or array as JSON, other
// text as a JSON string.
func jsonFromText(s string) rawJSON {
	t := strings.TrimSpace(s)
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid([]byte(t)) {
		return rawJSON(t)
	}
	if s == "" {
		return nil
	}
	return appendString(nil, s)
}

func jsonFromValue(v pcommon.Value) rawJSON {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return jsonFromText(v.Str())
	case pcommon.ValueTypeEmpty:
		return nil
	}
	return appendValue(nil, v)
}

// valueJSON returns the JSON text of a content attribute, which arrives as a
// JSON string or as a structured value.
func valueJSON(v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return []byte(v.Str())
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		return appendValue(nil, v)
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
	var jps []jPart
	if json.Unmarshal([]byte(t), &jps) != nil {
		return nil, false
	}
	var ps []part
	for i := range jps {
		if jps[i].Type == "" {
			return nil, false
		}
		if p, ok := fromJPart(&jps[i]); ok {
			ps = append(ps, p)
		}
	}
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
