package assembly // import "github.com/precogx/precogxexporter/internal/assembly"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/pdatautil"
)

// JoinStats counts what JoinLogs did with the log records.
type JoinStats struct {
	Joined  int64 // GenAI events attached to a span
	Orphans int64 // GenAI events whose span was absent (a synthetic span holds them)
	Skipped int64 // log records that are not GenAI events
}

type spanKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// EventName reads a log record's event name, from the field or the older
// event.name attribute.
func EventName(lr plog.LogRecord) string {
	if n := lr.EventName(); n != "" {
		return n
	}
	if v, ok := lr.Attributes().Get("event.name"); ok {
		return v.Str()
	}
	return ""
}

// JoinLogs attaches the GenAI log events of ld to their spans in td as span
// events. Events of a span that td lacks go to a synthetic span with the
// log's resource, so they still become an interaction of their own.
func JoinLogs(td ptrace.Traces, ld plog.Logs, isContentEvent func(string) bool) JoinStats {
	var st JoinStats
	if ld.LogRecordCount() == 0 {
		return st
	}
	spans := map[spanKey]ptrace.Span{}
	pdatautil.ForEachSpan(td, func(s ptrace.Span) { spans[spanKey{s.TraceID(), s.SpanID()}] = s })
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
				name := EventName(lr)
				if !isContentEvent(name) {
					st.Skipped++
					continue
				}
				t := lr.Timestamp()
				if t == 0 {
					t = lr.ObservedTimestamp()
				}
				key := spanKey{lr.TraceID(), lr.SpanID()}
				span, ok := spans[key]
				if ok {
					st.Joined++
				} else {
					st.Orphans++
					if !hasSynth {
						rs := td.ResourceSpans().AppendEmpty()
						rl.Resource().CopyTo(rs.Resource())
						synth, hasSynth = rs.ScopeSpans().AppendEmpty().Spans(), true
					}
					span = synth.AppendEmpty()
					span.SetTraceID(key.trace)
					span.SetSpanID(key.span)
					span.SetStartTimestamp(t)
					span.Attributes().PutBool(AttrSynthetic, true)
					spans[key] = span
				}
				if span.Attributes().Len() > 0 {
					if _, synthetic := span.Attributes().Get(AttrSynthetic); synthetic && t < span.StartTimestamp() {
						span.SetStartTimestamp(t)
					}
				}
				ev := span.Events().AppendEmpty()
				ev.SetName(name)
				ev.SetTimestamp(t)
				lr.Attributes().CopyTo(ev.Attributes())
				stripInternal(ev.Attributes())
				if lr.Body().Type() != pcommon.ValueTypeEmpty {
					lr.Body().CopyTo(ev.Attributes().PutEmpty(AttrEventBody))
				}
			}
		}
	}
	return st
}
