package genaitest // import "github.com/precogx/precogxexporter/internal/genaitest"

import (
	"encoding/hex"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Span is a span of one trace (Trace) given by short ids ("root", "llm1")
// which become span ids; times are milliseconds from a fixed instant.
type Span struct {
	ID, Parent string
	Name       string
	Start, End int64
	Attrs      map[string]any
	Events     []Event
	Failed     bool
}

// Event is a span event.
type Event struct {
	Name  string
	Attrs map[string]any
}

// Trace is the trace id of the spans Traces builds (hex).
const Trace = "0102030405060708090a0b0c0d0e0f10"

// Epoch is the instant span times count from (unix nanos).
const Epoch = 1_700_000_000_000_000_000

// SpanID is the span id of a short id.
func SpanID(s string) pcommon.SpanID {
	var id pcommon.SpanID
	copy(id[:], s)
	return id
}

// TraceIDHex is the trace id of a hex string.
func TraceIDHex(s string) pcommon.TraceID {
	var id pcommon.TraceID
	b, _ := hex.DecodeString(s)
	copy(id[:], b)
	return id
}

// PutAttrs sets attributes given as Go values; lists and maps become
// structured values, as log records and some SDKs send them.
func PutAttrs(m pcommon.Map, attrs map[string]any) {
	for k, v := range attrs {
		switch x := v.(type) {
		case string:
			m.PutStr(k, x)
		case int:
			m.PutInt(k, int64(x))
		case float64:
			m.PutDouble(k, x)
		case bool:
			m.PutBool(k, x)
		case []string:
			s := m.PutEmptySlice(k)
			for _, e := range x {
				s.AppendEmpty().SetStr(e)
			}
		case []any, map[string]any:
			_ = m.PutEmpty(k).FromRaw(x)
		}
	}
}

// Traces builds one resource with the spans, all of trace Trace.
func Traces(resource map[string]any, spans ...Span) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	PutAttrs(rs.Resource().Attributes(), resource)
	ss := rs.ScopeSpans().AppendEmpty()
	for _, s := range spans {
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(TraceIDHex(Trace))
		sp.SetSpanID(SpanID(s.ID))
		if s.Parent != "" {
			sp.SetParentSpanID(SpanID(s.Parent))
		}
		sp.SetName(s.Name)
		sp.SetStartTimestamp(pcommon.Timestamp(Epoch + s.Start*1e6))
		sp.SetEndTimestamp(pcommon.Timestamp(Epoch + s.End*1e6))
		PutAttrs(sp.Attributes(), s.Attrs)
		for _, e := range s.Events {
			ev := sp.Events().AppendEmpty()
			ev.SetName(e.Name)
			PutAttrs(ev.Attributes(), e.Attrs)
		}
		if s.Failed {
			sp.Status().SetCode(ptrace.StatusCodeError)
		}
	}
	return td
}

// Semconv content of one message each.
const (
	UserHi   = `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`
	AnswerOK = `[{"role":"assistant","parts":[{"type":"text","content":"ok"}]}]`
)

// Chat is a semconv chat span with its input and output messages and usage
// (10 + 5 tokens).
func Chat(id, parent string, start, end int64, in, out string) Span {
	return Span{ID: id, Parent: parent, Name: "chat m", Start: start, End: end, Attrs: map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "m",
		"gen_ai.input.messages": in, "gen_ai.output.messages": out,
		"gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 5,
	}}
}
