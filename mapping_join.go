package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Internal attributes that carry log events inside traces, so that one queue
// (and one persistent queue) holds everything after assembly. They never
// leave the exporter.
// Incoming data carrying these names has them removed first (stripInternal).
const (
	internalPrefix = "precogx."
	attrEventBody  = internalPrefix + "event.body" // the log record's body, on the span event
	attrSynthetic  = internalPrefix + "synthetic"  // a span stood in for by its log events
	attrPartial    = internalPrefix + "partial"    // a piece that arrived after its trace was sent, or a part of a trace too large for the queue
)

// joinStats counts what joinLogs did with the log records.
type joinStats struct {
	joined  int64 // GenAI events attached to a span
	orphans int64 // GenAI events whose span was absent (a synthetic span holds them)
	skipped int64 // log records that are not GenAI events
}

// eventName reads a log record's event name, from the field or the older
// event.name attribute.
func eventName(lr plog.LogRecord) string {
	if n := lr.EventName(); n != "" {
		return n
	}
	if v, ok := lr.Attributes().Get("event.name"); ok {
		return v.Str()
	}
	return ""
}

// joinLogs attaches the GenAI log events of ld to their spans in td as span
// events. Events of a span that td lacks go to a synthetic span with the
// log's resource, so they still become an interaction of their own.
func joinLogs(td ptrace.Traces, ld plog.Logs) joinStats {
	var st joinStats
	if ld.LogRecordCount() == 0 {
		return st
	}
	spans := map[spanKey]ptrace.Span{}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j).Spans()
			for k := 0; k < ss.Len(); k++ {
				s := ss.At(k)
				spans[spanKey{s.TraceID(), s.SpanID()}] = s
			}
		}
	}
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		var synth ptrace.SpanSlice
		hasSynth := false
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				name := eventName(lr)
				if !isContentEvent(name) {
					st.skipped++
					continue
				}
				t := lr.Timestamp()
				if t == 0 {
					t = lr.ObservedTimestamp()
				}
				key := spanKey{lr.TraceID(), lr.SpanID()}
				span, ok := spans[key]
				if ok {
					st.joined++
				} else {
					st.orphans++
					if !hasSynth {
						rs := td.ResourceSpans().AppendEmpty()
						rl.Resource().CopyTo(rs.Resource())
						synth, hasSynth = rs.ScopeSpans().AppendEmpty().Spans(), true
					}
					span = synth.AppendEmpty()
					span.SetTraceID(key.trace)
					span.SetSpanID(key.span)
					span.SetStartTimestamp(t)
					span.Attributes().PutBool(attrSynthetic, true)
					spans[key] = span
				}
				if span.Attributes().Len() > 0 {
					if _, synthetic := span.Attributes().Get(attrSynthetic); synthetic && t < span.StartTimestamp() {
						span.SetStartTimestamp(t)
					}
				}
				ev := span.Events().AppendEmpty()
				ev.SetName(name)
				ev.SetTimestamp(t)
				lr.Attributes().CopyTo(ev.Attributes())
				stripInternal(ev.Attributes())
				if lr.Body().Type() != pcommon.ValueTypeEmpty {
					lr.Body().CopyTo(ev.Attributes().PutEmpty(attrEventBody))
				}
			}
		}
	}
	return st
}
