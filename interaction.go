package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// interaction is one PrecogX "AI interaction": one user turn.
type interaction struct {
	AgentID        string
	Prompt         string
	Response       string
	Meta           interactionMeta
	ToolCalls      []toolCall
	UserID         string
	SessionID      string
	ConversationID string

	// spans are the positions (in the order of the mapped traces) of the
	// spans of its turn, so a failed delivery retries only those.
	spans []int
}

type interactionMeta struct {
	Timestamp       uint64 // unix nanos
	Platform        string
	Environment     string
	Model           string
	ModelProvider   string
	Temperature     optFloat
	MaxTokens       optInt
	TokensUsed      optInt
	ResponseTimeMS  optInt
	UserAgent       string
	IPAddress       string
	TraceID         string
	RootSpanID      string
	ServiceName     string
	InputTokens     optInt
	OutputTokens    optInt
	RequestModel    string
	LLMCallCount    int
	ResponseIDs     []string
	FinishReasons   []string
	ContentSource   []string
	AgentInternalID string
	CostUSD         optFloat
	Truncated       bool
	// ToolCallsDropped counts tool calls beyond maxToolCalls.
	ToolCallsDropped int
	Partial          bool
	Custom           []customField
}

type customField struct {
	Key   string
	Value pcommon.Value
}

type toolCall struct {
	Name        string
	Description string // "" encodes as null
	Input       rawJSON
	Output      rawJSON
	ExecutionMS optInt
	Success     bool
}

type optInt struct {
	V  int64
	OK bool
}

type optFloat struct {
	V  float64
	OK bool
}

func someInt(v int64) optInt       { return optInt{V: v, OK: true} }
func someFloat(v float64) optFloat { return optFloat{V: v, OK: true} }

// rawJSON is one valid JSON value; nil encodes as null.
type rawJSON []byte

const timestampLayout = "2006-01-02T15:04:05.000Z"

// appendInteraction encodes ix as a JSON object. Keys keep the order of the
// PrecogX documentation; optional keys are left out when unknown.
func appendInteraction(b []byte, ix *interaction) []byte {
	b = append(b, `{"agentId":`...)
	b = appendString(b, ix.AgentID)
	b = append(b, `,"prompt":`...)
	b = appendString(b, ix.Prompt)
	b = append(b, `,"response":`...)
	b = appendString(b, ix.Response)
	b = append(b, `,"metadata":`...)
	b = appendMeta(b, &ix.Meta)
	b = append(b, `,"toolCalls":[`...)
	for i := range ix.ToolCalls {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendToolCall(b, &ix.ToolCalls[i])
	}
	b = append(b, ']')
	b = appendOptString(b, "userId", ix.UserID)
	b = appendOptString(b, "sessionId", ix.SessionID)
	b = appendOptString(b, "conversationId", ix.ConversationID)
	return append(b, '}')
}

func appendMeta(b []byte, m *interactionMeta) []byte {
	b = append(b, `{"timestamp":"`...)
	b = time.Unix(0, int64(m.Timestamp)).UTC().AppendFormat(b, timestampLayout)
	b = append(b, '"')
	b = appendOptString(b, "platform", m.Platform)
	b = appendOptString(b, "environment", m.Environment)
	b = appendOptString(b, "model", m.Model)
	b = appendOptString(b, "model_provider", m.ModelProvider)
	b = appendOptFloat(b, "temperature", m.Temperature)
	b = appendOptInt(b, "max_tokens", m.MaxTokens)
	b = appendOptInt(b, "tokens_used", m.TokensUsed)
	b = appendOptInt(b, "response_time_ms", m.ResponseTimeMS)
	b = appendOptString(b, "user_agent", m.UserAgent)
	b = appendOptString(b, "ip_address", m.IPAddress)
	b = appendOptString(b, "trace_id", m.TraceID)
	b = appendOptString(b, "root_span_id", m.RootSpanID)
	b = appendOptString(b, "service_name", m.ServiceName)
	b = appendOptInt(b, "input_tokens", m.InputTokens)
	b = appendOptInt(b, "output_tokens", m.OutputTokens)
	b = appendOptString(b, "request_model", m.RequestModel)
	b = appendOptInt(b, "llm_call_count", someInt(int64(m.LLMCallCount)))
	b = appendStrings(b, "response_ids", m.ResponseIDs)
	b = appendStrings(b, "finish_reasons", m.FinishReasons)
	b = appendStrings(b, "content_source", m.ContentSource)
	b = appendOptString(b, "agent_internal_id", m.AgentInternalID)
	b = appendOptFloat(b, "cost_usd", m.CostUSD)
	if m.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	b = appendDropped(b, m.ToolCallsDropped)
	if m.Partial {
		b = append(b, `,"partial":true`...)
	}
	for _, f := range m.Custom {
		b = append(b, ',')
		b = appendString(b, f.Key)
		b = append(b, ':')
		b = appendValue(b, f.Value)
	}
	return append(b, '}')
}

func appendToolCall(b []byte, tc *toolCall) []byte {
	b = append(b, `{"name":`...)
	b = appendString(b, tc.Name)
	b = append(b, `,"description":`...)
	if tc.Description == "" {
		b = append(b, "null"...)
	} else {
		b = appendString(b, tc.Description)
	}
	b = append(b, `,"input":`...)
	b = appendRaw(b, tc.Input)
	b = append(b, `,"output":`...)
	b = appendRaw(b, tc.Output)
	b = append(b, `,"execution_time_ms":`...)
	if tc.ExecutionMS.OK {
		b = strconv.AppendInt(b, tc.ExecutionMS.V, 10)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"success":`...)
	b = strconv.AppendBool(b, tc.Success)
	return append(b, '}')
}

func appendRaw(b []byte, r rawJSON) []byte {
	if len(r) == 0 {
		return append(b, "null"...)
	}
	return append(b, r...)
}

func appendOptString(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	b = appendKey(b, key)
	return appendString(b, v)
}

func appendOptInt(b []byte, key string, v optInt) []byte {
	if !v.OK {
		return b
	}
	b = appendKey(b, key)
	return strconv.AppendInt(b, v.V, 10)
}

func appendOptFloat(b []byte, key string, v optFloat) []byte {
	if !v.OK || math.IsNaN(v.V) || math.IsInf(v.V, 0) {
		return b
	}
	b = appendKey(b, key)
	return appendFloat(b, v.V)
}

func appendStrings(b []byte, key string, vs []string) []byte {
	b = appendKey(b, key)
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

func appendKey(b []byte, key string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendFloat formats like encoding/json does.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendValue writes a pdata value as JSON (maps as objects, bytes as base64 text).
func appendValue(b []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return appendString(b, v.Str())
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(b, v.Int(), 10)
	case pcommon.ValueTypeDouble:
		return appendFloat(b, v.Double())
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(b, v.Bool())
	case pcommon.ValueTypeMap:
		b = append(b, '{')
		first := true
		v.Map().Range(func(k string, mv pcommon.Value) bool {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendString(b, k)
			b = append(b, ':')
			b = appendValue(b, mv)
			return true
		})
		return append(b, '}')
	case pcommon.ValueTypeSlice:
		b = append(b, '[')
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, s.At(i))
		}
		return append(b, ']')
	case pcommon.ValueTypeBytes:
		return appendString(b, v.AsString())
	default:
		return append(b, "null"...)
	}
}
