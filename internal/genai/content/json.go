package content // import "github.com/precogx/precogxexporter/internal/genai/content"

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"

	jsoniter "github.com/json-iterator/go"

	"github.com/precogx/precogxexporter/internal/pdatautil"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// Content JSON is read in one streaming pass (json-iterator, already used by
// pdata): encoding/json validated and re-scanned each message several times
// and cost 7x the OTLP/JSON encoding of the same spans (BENCHMARKS.md).
// Fields are read by the types the encodings use; a value of another type
// is skipped, so one odd field never loses the message.

var iterCfg = jsoniter.ConfigDefault

// ParseMessages reads a JSON array of messages (or one message object). ok
// is false when the text is not well-formed JSON of that shape.
func ParseMessages(data []byte) (msgs []Message, ok bool) {
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
		msgs = []Message{readMessage(it, "")}
	default:
		return nil, false
	}
	return msgs, complete(it)
}

// ParseMessage reads one message object (an event body, whose role comes
// from the event name when the body has none).
func ParseMessage(data []byte, role string) (Message, bool) {
	it := iterCfg.BorrowIterator(data)
	defer iterCfg.ReturnIterator(it)
	if it.WhatIsNext() != jsoniter.ObjectValue {
		return Message{}, false
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

func readMessage(it *jsoniter.Iterator, role string) Message {
	m := Message{Role: role}
	var content []byte
	var contentKind jsoniter.ValueType
	var toolCallID, id string
	it.ReadObjectCB(func(it *jsoniter.Iterator, field string) bool {
		switch field {
		case "role":
			m.Role = readEnum(it)
		case "finish_reason":
			m.Finish = readEnum(it)
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
		case "message": // gen_ai.choice: {"index","finish_reason","message":{...} or "text"}
			if it.WhatIsNext() == jsoniter.StringValue {
				m.Parts = appendTextOrBlocks(m.Parts, it.ReadString())
				break
			}
			if it.WhatIsNext() != jsoniter.ObjectValue {
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
		case contentKind == jsoniter.StringValue:
			var s string
			if json.Unmarshal(content, &s) == nil && s != "" {
				m.Parts = appendTextOrBlocks(m.Parts, s)
			}
		case contentKind == jsoniter.ArrayValue:
			for _, p := range parsePartList(content) {
				m.Parts = appendPart(m.Parts, p)
			}
		}
	}
	m.Parts = append(m.Parts, m.calls...)
	m.calls = nil
	return m
}

// readParts reads a JSON array of parts into dst.
func readParts(it *jsoniter.Iterator, dst []Part) []Part {
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
			dst = appendPart(dst, p)
		}
		return it.Error == nil
	})
	return dst
}

func parsePartList(data []byte) []Part {
	it := iterCfg.BorrowIterator(data)
	defer iterCfg.ReturnIterator(it)
	return readParts(it, nil)
}

// partFields are the fields of one content part of any encoding.
type partFields struct {
	typ, text, id, callID, name string
	content, args, result, json []byte
	contentIsString             bool
}

func (pf *partFields) read(it *jsoniter.Iterator) {
	it.ReadObjectCB(func(it *jsoniter.Iterator, field string) bool {
		switch field {
		case "type":
			pf.typ = readEnum(it)
		case "text":
			pf.text = readString(it)
		case "content":
			if it.WhatIsNext() == jsoniter.StringValue {
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
			if it.WhatIsNext() != jsoniter.ObjectValue {
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
func readPart(it *jsoniter.Iterator) (Part, bool) {
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
	it := iterCfg.BorrowIterator(r)
	defer iterCfg.ReturnIterator(it)
	var text string
	var value []byte
	blocks := 0
	ok := true
	it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
		if it.WhatIsNext() != jsoniter.ObjectValue {
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
func readToolCall(it *jsoniter.Iterator) Part {
	p := Part{Kind: ToolCall}
	var args []byte
	it.ReadObjectCB(func(it *jsoniter.Iterator, field string) bool {
		switch field {
		case "id", "toolCallId":
			p.ID = cmp.Or(p.ID, readString(it))
		case "name", "toolName":
			p.Name = cmp.Or(p.Name, readString(it))
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
	it := iterCfg.BorrowIterator(data)
	defer iterCfg.ReturnIterator(it)
	if it.WhatIsNext() != jsoniter.ArrayValue {
		return nil, false
	}
	var out []Part
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

// readEnum reads a role, part type or finish reason: the usual values come
// back as constants without allocating (they were a third of the mapping's
// allocations), others as read.
func readEnum(it *jsoniter.Iterator) string {
	if it.WhatIsNext() != jsoniter.StringValue {
		it.Skip()
		return ""
	}
	b := it.ReadStringAsSlice()
	if bytes.IndexByte(b, '\\') >= 0 {
		// escaped: decode it as a JSON string (rare in these fields)
		var s string
		if json.Unmarshal(append(append([]byte{'"'}, b...), '"'), &s) == nil {
			return s
		}
		return string(b)
	}
	switch string(b) { // no allocation: compared, not converted
	case "user":
		return "user"
	case "assistant":
		return "assistant"
	case "system":
		return "system"
	case "tool":
		return "tool"
	case "developer":
		return "developer"
	case "text":
		return "text"
	case "tool_call":
		return "tool_call"
	case "tool_call_response":
		return "tool_call_response"
	case "tool_use":
		return "tool_use"
	case "tool_result":
		return "tool_result"
	case "stop":
		return "stop"
	case "tool_calls":
		return "tool_calls"
	case "end_turn":
		return "end_turn"
	case "length":
		return "length"
	}
	return string(b)
}
