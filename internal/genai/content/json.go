package content // import "github.com/precogx/precogxexporter/internal/genai/content"

import (
	"cmp"
	"encoding/json"
	"unicode/utf8"

	"github.com/precogx/precogxexporter/internal/pdatautil"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// Content JSON is read in one streaming pass (reader): encoding/json
// validated and re-scanned each message several times and cost 7x the
// OTLP/JSON encoding of the same spans, and json-iterator allocated every
// field name and string (BENCHMARKS.md). Fields are read by the types the
// encodings use; a value of another type is skipped, so one odd field never
// loses the message.

// ParseMessages reads a JSON array of messages (or one message object). ok
// is false when the text is not well-formed JSON of that shape.
func ParseMessages(data []byte) (msgs []Message, ok bool) {
	return appendMessages(nil, newReader(data))
}

// appendMessages reads a list of messages (or one) into dst.
func appendMessages(dst []Message, it *reader) ([]Message, bool) {
	switch it.WhatIsNext() {
	case arrayValue:
		it.eachObject(func(it *reader) { dst = append(dst, readMessage(it, "")) })
	case objectValue:
		dst = append(dst, readMessage(it, ""))
	default:
		return dst, false
	}
	return dst, it.complete()
}

// Scratch is what a caller that parses many message lists (the mapper, a
// chunk of spans at a time) lends ParseMessages: the messages and the first
// part of each are taken from it, where each was an allocation of its own
// (six of a turn's eleven). What it returned stays valid until Reset.
type Scratch struct {
	msgs  []Message
	parts []Part // a slot each for messages' first parts
}

// ParseMessages is the package's ParseMessages into s.
func (s *Scratch) ParseMessages(data []byte) (msgs []Message, ok bool) {
	it := newReader(data)
	it.scratch = s
	start := len(s.msgs)
	s.msgs, ok = appendMessages(s.msgs, it)
	if msgs = s.msgs[start:len(s.msgs):len(s.msgs)]; len(msgs) == 0 {
		msgs = nil
	}
	return msgs, ok
}

// Reset forgets what was parsed into s, and with it s's views of the texts.
func (s *Scratch) Reset() {
	clear(s.msgs[:cap(s.msgs)])
	clear(s.parts[:cap(s.parts)])
	s.msgs, s.parts = s.msgs[:0], s.parts[:0]
}

// slot is an empty list of parts with room for one, in s: a message's
// first part is appended there without an allocation, a second one moves
// the list out (cap 1, so no list ever runs into the next slot).
func (s *Scratch) slot() []Part {
	if len(s.parts) == cap(s.parts) {
		// a new slab: the lists handed out keep the old one
		s.parts = make([]Part, 0, max(2*cap(s.parts), 16))
	}
	n := len(s.parts)
	s.parts = s.parts[:n+1]
	return s.parts[n : n : n+1]
}

// ParseMessage reads one message object (an event body, whose role comes
// from the event name when the body has none).
func ParseMessage(data []byte, role string) (Message, bool) {
	it := newReader(data)
	if it.WhatIsNext() != objectValue {
		return Message{}, false
	}
	m := readMessage(it, role)
	return m, it.complete()
}

func readMessage(it *reader, role string) Message {
	m := Message{Role: role}
	if it.scratch != nil {
		m.Parts = it.scratch.slot()
	}
	var content []byte
	var contentKind valueType
	var toolCallID, id string
	it.ReadObjectCB(func(it *reader, field string) bool {
		switch field {
		case "role":
			m.Role = readString(it)
		case "finish_reason":
			m.Finish = readString(it)
		case "tool_call_id":
			toolCallID = readString(it)
		case "id":
			id = readString(it)
		case "parts":
			m.Parts = readParts(it, m.Parts)
		case "content":
			contentKind = it.WhatIsNext()
			content = it.SkipAndReturnBytes()
		case "tool_calls":
			if it.WhatIsNext() != arrayValue {
				it.Skip()
				break
			}
			it.eachObject(func(it *reader) { m.calls = append(m.calls, readToolCall(it)) })
		case "message": // gen_ai.choice: {"index","finish_reason","message":{...} or "text"}
			if it.WhatIsNext() == stringValue {
				m.Parts = appendTextOrBlocks(m.Parts, it.ReadString())
				break
			}
			if it.WhatIsNext() != objectValue {
				it.Skip()
				break
			}
			inner := readMessage(it, "")
			m.Role = cmp.Or(inner.Role, m.Role)
			m.Finish = cmp.Or(m.Finish, inner.Finish)
			m.Parts = append(m.Parts, inner.Parts...)
		default:
			it.Skip()
		}
		return it.Error == nil
	})
	if len(content) > 0 {
		switch {
		case m.Role == "tool" || toolCallID != "":
			m.Parts = append(m.Parts, Part{Kind: ToolResult, ID: cmp.Or(toolCallID, id), Args: FromRaw(content)})
		case contentKind == stringValue:
			s := newReader(content).ReadString()
			if !utf8.ValidString(s) {
				var u string // as it always was: U+FFFD per invalid byte
				_ = json.Unmarshal(content, &u)
				s = u
			}
			if s != "" {
				m.Parts = appendTextOrBlocks(m.Parts, s)
			}
		case contentKind == arrayValue:
			for _, p := range parsePartList(content) {
				m.Parts = appendPart(m.Parts, p)
			}
		}
	}
	m.Parts = append(m.Parts, m.calls...)
	m.calls = nil
	if len(m.Parts) == 0 {
		m.Parts = nil // an unused slot, as without scratch
	}
	return m
}

// readParts reads a JSON array of parts into dst.
func readParts(it *reader, dst []Part) []Part {
	if it.WhatIsNext() != arrayValue {
		it.Skip()
		return dst
	}
	it.eachObject(func(it *reader) {
		if p, ok := readPart(it); ok {
			dst = appendPart(dst, p)
		}
	})
	return dst
}

func parsePartList(data []byte) []Part {
	it := newReader(data)
	return readParts(it, nil)
}

// partFields are the fields of one content part of any encoding.
type partFields struct {
	typ, text, id, callID, name string
	content, args, result, json []byte
	contentIsString             bool
}

func (pf *partFields) read(it *reader) {
	it.ReadObjectCB(func(it *reader, field string) bool {
		switch field {
		case "type":
			pf.typ = readString(it)
		case "text":
			pf.text = readString(it)
		case "content":
			if it.WhatIsNext() == stringValue {
				pf.contentIsString = true
				pf.text = cmp.Or(pf.text, it.ReadString())
			} else {
				pf.content = it.SkipAndReturnBytes()
			}
		case "id", "toolCallId", "toolUseId", "tool_use_id":
			pf.id = cmp.Or(pf.id, readString(it))
		case "call_id":
			pf.callID = readString(it)
		case "name", "toolName":
			pf.name = cmp.Or(pf.name, readString(it))
		case "arguments", "input", "args":
			if pf.args == nil {
				pf.args = it.SkipAndReturnBytes()
			} else {
				it.Skip()
			}
		case "response", "result", "output":
			if pf.result == nil {
				pf.result = it.SkipAndReturnBytes()
			} else {
				it.Skip()
			}
		case "json": // Bedrock Converse / Strands {"json": value} block
			pf.json = it.SkipAndReturnBytes()
		case "toolUse", "toolResult": // Bedrock Converse / Strands wrappers
			if it.WhatIsNext() != objectValue {
				it.Skip()
				break
			}
			pf.read(it)
			pf.typ = field
		default:
			it.Skip()
		}
		return it.Error == nil
	})
}

// readPart reads one content part of any encoding: semconv parts,
// OpenAI-style content items, AI SDK tool-call and tool-result parts, and
// the content blocks of Anthropic, Bedrock Converse and Strands.
func readPart(it *reader) (Part, bool) {
	var pf partFields
	pf.read(it)
	// call_id is the id tool results refer to when an item id is also given
	id := cmp.Or(pf.callID, pf.id)
	switch pf.typ {
	case "text", "input_text", "output_text", "":
		text := pf.text
		if text == "" && !pf.contentIsString && len(pf.content) > 0 {
			text = string(pf.content)
		}
		if text == "" && len(pf.json) > 0 {
			text = string(pf.json)
		}
		return Part{Kind: Text, Text: text}, text != ""
	case "tool_call", "tool-call", "function_call", "tool_use", "toolUse":
		return Part{Kind: ToolCall, ID: id, Name: pf.name, Args: FromRaw(pf.args)}, true
	case "tool_call_response", "tool-result", "function_call_output", "tool_result", "toolResult":
		result := pf.result
		if result == nil {
			if pf.contentIsString {
				result = pdatautil.AppendJSONString(nil, pf.text)
			} else {
				result = pf.content
			}
		}
		return Part{Kind: ToolResult, ID: id, Name: pf.name, Args: BlockValue(unwrapTyped(FromRaw(result)))}, true
	}
	return Part{}, false
}

// BlockValue reads a tool result given as a list of content blocks
// ([{"type":"text","text":...}] or [{"json":...}]) as its value: the JSON
// block, else the text (as JSON when it is JSON). Other values stay as they are.
func BlockValue(r precogxapi.RawJSON) precogxapi.RawJSON {
	if len(r) < 2 || r[0] != '[' {
		return r
	}
	it := newReader(r)
	var text string
	var value []byte
	blocks := 0
	ok := true
	it.ReadArrayCB(func(it *reader) bool {
		if it.WhatIsNext() != objectValue {
			ok = false
			it.Skip()
			return it.Error == nil
		}
		var pf partFields
		pf.read(it)
		blocks++
		switch {
		case len(pf.json) > 0 && value == nil:
			value = pf.json
		case (pf.typ == "text" || pf.typ == "") && pf.text != "":
			text += pf.text
		default:
			ok = false
		}
		return it.Error == nil
	})
	switch {
	case !ok || it.Error != nil || blocks == 0:
		return r
	case value != nil && text == "":
		return FromRaw(value)
	case value == nil && text != "":
		return FromText(text)
	}
	return r
}

// readToolCall reads an OpenAI-style {"id","function":{"name","arguments"}}
// or AI SDK {"toolCallId","toolName","input"|"args"} tool call.
func readToolCall(it *reader) Part {
	p := Part{Kind: ToolCall}
	var args []byte
	it.ReadObjectCB(func(it *reader, field string) bool {
		switch field {
		case "id", "toolCallId":
			p.ID = cmp.Or(p.ID, readString(it))
		case "name", "toolName":
			p.Name = cmp.Or(p.Name, readString(it))
		case "arguments", "input", "args":
			args = it.SkipAndReturnBytes()
		case "function":
			if it.WhatIsNext() != objectValue {
				it.Skip()
				break
			}
			it.ReadObjectCB(func(it *reader, field string) bool {
				switch field {
				case "name":
					p.Name = readString(it)
				case "arguments":
					args = it.SkipAndReturnBytes()
				default:
					it.Skip()
				}
				return it.Error == nil
			})
		default:
			it.Skip()
		}
		return it.Error == nil
	})
	p.Args = FromRaw(args)
	return p
}

// ParseToolCalls reads a JSON array of tool calls (the AI SDK's
// ai.response.toolCalls).
func ParseToolCalls(data []byte) ([]Part, bool) {
	it := newReader(data)
	if it.WhatIsNext() != arrayValue {
		return nil, false
	}
	var out []Part
	it.eachObject(func(it *reader) { out = append(out, readToolCall(it)) })
	return out, it.complete()
}

// readString reads a string value, or skips a value of another type.
func readString(it *reader) string {
	if it.WhatIsNext() != stringValue {
		it.Skip()
		return ""
	}
	return it.ReadString()
}
