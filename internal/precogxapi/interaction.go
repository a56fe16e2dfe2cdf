package precogxapi // import "github.com/precogx/precogxexporter/internal/precogxapi"

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/precogx/precogxexporter/internal/pdatautil"
)

// Interaction is one PrecogX "AI interaction": one user turn.
type Interaction struct {
	AgentID        string
	Prompt         string
	Response       string
	Meta           Meta
	ToolCalls      []ToolCall
	UserID         string
	SessionID      string
	ConversationID string
}

// Meta is an interaction's metadata object.
type Meta struct {
	Timestamp       uint64 // unix nanos
	Platform        string
	Environment     string
	Model           string
	ModelProvider   string
	Temperature     OptFloat
	MaxTokens       OptInt
	TokensUsed      OptInt
	ResponseTimeMS  OptInt
	UserAgent       string
	IPAddress       string
	TraceID         string
	RootSpanID      string
	ServiceName     string
	InputTokens     OptInt
	OutputTokens    OptInt
	RequestModel    string
	LLMCallCount    int
	ResponseIDs     []string
	FinishReasons   []string
	ContentSource   []string
	AgentInternalID string
	CostUSD         OptFloat
	Truncated       bool
	// ToolCallsDropped counts tool calls left out by the bound on toolCalls.
	ToolCallsDropped int
	Partial          bool
	Custom           []CustomField
}

// CustomField is a span or resource attribute copied into the metadata.
type CustomField struct {
	Key   string
	Value pcommon.Value
}

// ToolCall is one entry of toolCalls.
type ToolCall struct {
	Name        string
	Description string // "" encodes as null
	Input       RawJSON
	Output      RawJSON
	ExecutionMS OptInt
	Success     bool
}

// OptInt is an integer that may be unknown (left out of the payload).
type OptInt struct {
	V  int64
	OK bool
}

// OptFloat is a number that may be unknown (left out of the payload).
type OptFloat struct {
	V  float64
	OK bool
}

// SomeInt is a known integer.
func SomeInt(v int64) OptInt { return OptInt{V: v, OK: true} }

// SomeFloat is a known number.
func SomeFloat(v float64) OptFloat { return OptFloat{V: v, OK: true} }

// RawJSON is one valid JSON value; nil encodes as null.
type RawJSON []byte

// Text shows a JSON value as text: a string unquoted, the rest as JSON.
func (r RawJSON) Text() string {
	if len(r) > 0 && r[0] == '"' {
		var s string
		if json.Unmarshal(r, &s) == nil {
			return s
		}
	}
	return string(r)
}

const timestampLayout = "2006-01-02T15:04:05.000Z"

// appendTimestamp writes unix nanos in timestampLayout, digit by digit:
// AppendFormat, which reads its layout every time, took four times as long.
// Every uint64 is a year of four digits (1677 to 2262).
func appendTimestamp(b []byte, nanos uint64) []byte {
	t := time.Unix(0, int64(nanos)).UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	ms := t.Nanosecond() / 1e6
	two := func(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
	b = two(b, y/100)
	b = two(b, y%100)
	b = two(append(b, '-'), int(mo))
	b = two(append(b, '-'), d)
	b = two(append(b, 'T'), h)
	b = two(append(b, ':'), mi)
	b = two(append(b, ':'), s)
	b = append(b, '.', byte('0'+ms/100))
	return append(two(b, ms%100), 'Z')
}

// AppendInteraction encodes ix as a JSON object. Keys keep the order of the
// PrecogX documentation; optional keys are left out when unknown.
func AppendInteraction(b []byte, ix *Interaction) []byte {
	b = append(b, `{"agentId":`...)
	b = pdatautil.AppendJSONString(b, ix.AgentID)
	b = append(b, `,"prompt":`...)
	b = pdatautil.AppendJSONString(b, ix.Prompt)
	b = append(b, `,"response":`...)
	b = pdatautil.AppendJSONString(b, ix.Response)
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

func appendMeta(b []byte, m *Meta) []byte {
	b = append(b, `{"timestamp":"`...)
	b = appendTimestamp(b, m.Timestamp)
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
	b = appendOptInt(b, "llm_call_count", SomeInt(int64(m.LLMCallCount)))
	b = appendStrings(b, "response_ids", m.ResponseIDs)
	b = appendStrings(b, "finish_reasons", m.FinishReasons)
	b = appendStrings(b, "content_source", m.ContentSource)
	b = appendOptString(b, "agent_internal_id", m.AgentInternalID)
	b = appendOptFloat(b, "cost_usd", m.CostUSD)
	if m.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	if m.ToolCallsDropped != 0 {
		b = appendOptInt(b, "tool_calls_dropped", SomeInt(int64(m.ToolCallsDropped)))
	}
	if m.Partial {
		b = append(b, `,"partial":true`...)
	}
	for _, f := range m.Custom {
		b = append(b, ',')
		b = pdatautil.AppendJSONString(b, f.Key)
		b = append(b, ':')
		b = pdatautil.AppendJSONValue(b, f.Value)
	}
	return append(b, '}')
}

func appendToolCall(b []byte, tc *ToolCall) []byte {
	b = append(b, `{"name":`...)
	b = pdatautil.AppendJSONString(b, tc.Name)
	b = append(b, `,"description":`...)
	if tc.Description == "" {
		b = append(b, "null"...)
	} else {
		b = pdatautil.AppendJSONString(b, tc.Description)
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

func appendRaw(b []byte, r RawJSON) []byte {
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
	return pdatautil.AppendJSONString(b, v)
}

func appendOptInt(b []byte, key string, v OptInt) []byte {
	if !v.OK {
		return b
	}
	b = appendKey(b, key)
	return strconv.AppendInt(b, v.V, 10)
}

func appendOptFloat(b []byte, key string, v OptFloat) []byte {
	if !v.OK || math.IsNaN(v.V) || math.IsInf(v.V, 0) {
		return b
	}
	b = appendKey(b, key)
	return pdatautil.AppendJSONFloat(b, v.V)
}

func appendStrings(b []byte, key string, vs []string) []byte {
	b = appendKey(b, key)
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = pdatautil.AppendJSONString(b, v)
	}
	return append(b, ']')
}

func appendKey(b []byte, key string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// EncodedSize estimates the length of ix's JSON from below-or-near: its
// text fields plus the keys and metadata, so that a buffer made with it
// rarely grows (escaping can make it longer).
func EncodedSize(ix *Interaction) int {
	n := 700 + len(ix.AgentID) + len(ix.Prompt) + len(ix.Response) + len(ix.UserID) + len(ix.SessionID) + len(ix.ConversationID)
	for i := range ix.ToolCalls {
		tc := &ix.ToolCalls[i]
		n += 120 + len(tc.Name) + len(tc.Description) + len(tc.Input) + len(tc.Output)
	}
	m := &ix.Meta
	n += len(m.UserAgent) + len(m.Model) + len(m.RequestModel) + len(m.ServiceName) + 40*(len(m.ResponseIDs)+len(m.FinishReasons)+len(m.ContentSource)+len(m.Custom))
	return n
}
