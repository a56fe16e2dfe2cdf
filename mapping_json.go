package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"encoding/json"
	"io"

	jsoniter "github.com/json-iterator/go"
)

// Content JSON is read in one streaming pass (json-iterator, already used by
// pdata): encoding/json validated and re-scanned each message several times
// and cost 7x the OTLP/JSON encoding of the same spans (BENCHMARKS.md).
// Fields are read by the types the conventions use; a value of another type
// is skipped, so one odd field never loses the message.

var iterCfg = jsoniter.ConfigDefault

// parseMessages reads a JSON array of messages (or one message object). ok
// is false when the text is not well-formed JSON of that shape.
func parseMessages(data []byte) (msgs []message, ok bool) {
	it := iterCfg.BorrowIterator(data)
	defer iterCfg.ReturnIterator(it)
	switch it.WhatIsNext() {
	case jsoniter.ArrayValue:
		it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
			if it.WhatIsNext() != jsoniter.ObjectValue {
				it.Skip()
				return it.Error == nil
			}
			msgs = append(msgs, readMessage(it, ""))
			return it.Error == nil
		})
	case jsoniter.ObjectValue:
		msgs = []message{readMessage(it, "")}
	default:
		return nil, false
	}
	return msgs, complete(it)
}

// parseMessage reads one message object (an event body, whose role comes
// from the event name when the body has none).
func parseMessage(data []byte, role string) (message, bool) {
	it := iterCfg.BorrowIterator(data)
	defer iterCfg.ReturnIterator(it)
	if it.WhatIsNext() != jsoniter.ObjectValue {
		return message{}, false
	}
	m := readMessage(it, role)
	return m, complete(it)
}

// complete reports a clean read with nothing but whitespace after the value.
func complete(it *jsoniter.Iterator) bool {
	if it.Error != nil {
		return false
	}
	it.WhatIsNext()
	return it.Error == io.EOF
}

func readMessage(it *jsoniter.Iterator, role string) message {
	m := message{role: role}
	var content []byte
	var contentKind jsoniter.ValueType
	var toolCallID, id string
	it.ReadObjectCB(func(it *jsoniter.Iterator, field string) bool {
		switch field {
		case "role":
			m.role = readString(it)
		case "finish_reason":
			m.finish = readString(it)
		case "tool_call_id":
			toolCallID = readString(it)
		case "id":
			id = readString(it)
		case "parts":
			m.parts = readParts(it, m.parts)
		case "content":
			contentKind = it.WhatIsNext()
			content = it.SkipAndReturnBytes()
		case "tool_calls":
			if it.WhatIsNext() != jsoniter.ArrayValue {
				it.Skip()
				break
			}
			it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
				if it.WhatIsNext() == jsoniter.ObjectValue {
					m.calls = append(m.calls, readToolCall(it))
				} else {
					it.Skip()
				}
				return it.Error == nil
			})
		case "message": // gen_ai.choice: {"index","finish_reason","message":{...}}
			if it.WhatIsNext() != jsoniter.ObjectValue {
				it.Skip()
				break
			}
			inner := readMessage(it, "")
			m.role = firstNonEmpty(inner.role, m.role)
			m.finish = firstNonEmpty(m.finish, inner.finish)
			m.parts = append(m.parts, inner.parts...)
		default:
			it.Skip()
		}
		return it.Error == nil
	})
	if len(content) > 0 {
		switch {
		case m.role == "tool" || toolCallID != "":
			m.parts = append(m.parts, part{kind: partToolResult, id: firstNonEmpty(toolCallID, id), args: jsonFromRaw(content)})
		case contentKind == jsoniter.StringValue:
			var s string
			if json.Unmarshal(content, &s) == nil && s != "" {
				m.parts = append(m.parts, part{kind: partText, text: s})
			}
		case contentKind == jsoniter.ArrayValue:
			m.parts = append(m.parts, parsePartList(content)...)
		}
	}
	m.parts = append(m.parts, m.calls...)
	m.calls = nil
	return m
}

// readParts reads a JSON array of parts into dst.
func readParts(it *jsoniter.Iterator, dst []part) []part {
	if it.WhatIsNext() != jsoniter.ArrayValue {
		it.Skip()
		return dst
	}
	it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
		if it.WhatIsNext() != jsoniter.ObjectValue {
			it.Skip()
			return it.Error == nil
		}
		if p, ok := readPart(it); ok {
			dst = append(dst, p)
		}
		return it.Error == nil
	})
	return dst
}

func parsePartList(data []byte) []part {
	it := iterCfg.BorrowIterator(data)
	defer iterCfg.ReturnIterator(it)
	return readParts(it, nil)
}

// readPart reads one content part of any convention: semconv parts,
// OpenAI-style content items, AI SDK tool-call and tool-result parts.
func readPart(it *jsoniter.Iterator) (part, bool) {
	var typ, text, id, callID, name string
	var content, args, result []byte
	var contentIsString bool
	it.ReadObjectCB(func(it *jsoniter.Iterator, field string) bool {
		switch field {
		case "type":
			typ = readString(it)
		case "text":
			text = readString(it)
		case "content":
			if it.WhatIsNext() == jsoniter.StringValue {
				contentIsString = true
				text = firstNonEmpty(text, it.ReadString())
			} else {
				content = it.SkipAndReturnBytes()
			}
		case "id", "toolCallId":
			id = firstNonEmpty(id, readString(it))
		case "call_id":
			callID = readString(it)
		case "name", "toolName":
			name = firstNonEmpty(name, readString(it))
		case "arguments", "input", "args":
			if args == nil {
				args = it.SkipAndReturnBytes()
			} else {
				it.Skip()
			}
		case "response", "result", "output":
			if result == nil {
				result = it.SkipAndReturnBytes()
			} else {
				it.Skip()
			}
		default:
			it.Skip()
		}
		return it.Error == nil
	})
	// call_id is the id tool results refer to when an item id is also given
	id = firstNonEmpty(callID, id)
	switch typ {
	case "text", "input_text", "output_text", "":
		if text == "" && !contentIsString && len(content) > 0 {
			text = string(content)
		}
		return part{kind: partText, text: text}, text != ""
	case "tool_call", "tool-call", "function_call":
		return part{kind: partToolCall, id: id, name: name, args: jsonFromRaw(args)}, true
	case "tool_call_response", "tool-result", "function_call_output":
		if result == nil {
			if contentIsString {
				result = appendString(nil, text)
			} else {
				result = content
			}
		}
		return part{kind: partToolResult, id: id, name: name, args: unwrapTyped(jsonFromRaw(result))}, true
	}
	return part{}, false
}

// readToolCall reads an OpenAI-style {"id","function":{"name","arguments"}}
// or AI SDK {"toolCallId","toolName","input"|"args"} tool call.
func readToolCall(it *jsoniter.Iterator) part {
	p := part{kind: partToolCall}
	var args []byte
	it.ReadObjectCB(func(it *jsoniter.Iterator, field string) bool {
		switch field {
		case "id", "toolCallId":
			p.id = firstNonEmpty(p.id, readString(it))
		case "name", "toolName":
			p.name = firstNonEmpty(p.name, readString(it))
		case "arguments", "input", "args":
			args = it.SkipAndReturnBytes()
		case "function":
			if it.WhatIsNext() != jsoniter.ObjectValue {
				it.Skip()
				break
			}
			it.ReadObjectCB(func(it *jsoniter.Iterator, field string) bool {
				switch field {
				case "name":
					p.name = readString(it)
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
	p.args = jsonFromRaw(args)
	return p
}

// parseToolCalls reads a JSON array of tool calls (ai.response.toolCalls).
func parseToolCalls(data []byte) ([]part, bool) {
	it := iterCfg.BorrowIterator(data)
	defer iterCfg.ReturnIterator(it)
	if it.WhatIsNext() != jsoniter.ArrayValue {
		return nil, false
	}
	var out []part
	it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
		if it.WhatIsNext() == jsoniter.ObjectValue {
			out = append(out, readToolCall(it))
		} else {
			it.Skip()
		}
		return it.Error == nil
	})
	return out, complete(it)
}

// readString reads a string value, or skips a value of another type.
func readString(it *jsoniter.Iterator) string {
	if it.WhatIsNext() != jsoniter.StringValue {
		it.Skip()
		return ""
	}
	return it.ReadString()
}
