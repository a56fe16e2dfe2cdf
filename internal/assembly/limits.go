package assembly // import "github.com/precogx/precogxexporter/internal/assembly"

import (
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/pdatautil"
)

// Limit is the largest request the sending queue can ever take, in its
// sizer's unit: a larger one is refused as "too large" however empty the
// queue is, so it is sent in parts instead of being held forever.
type Limit struct {
	sizer    exporterhelper.RequestSizerType
	capacity int64 // 0: no limit
}

// LimitOf reads the limit from the sending_queue settings.
func LimitOf(q configoptional.Optional[exporterhelper.QueueBatchConfig]) Limit {
	if !q.HasValue() {
		return Limit{}
	}
	c := q.Get()
	if c.Sizer == exporterhelper.RequestSizerTypeRequests {
		return Limit{} // a trace is one request: it always fits
	}
	return Limit{sizer: c.Sizer, capacity: c.QueueSize}
}

var tracesSizer ptrace.ProtoMarshaler

func (l Limit) size(td ptrace.Traces) int64 {
	if l.sizer == exporterhelper.RequestSizerTypeBytes {
		return int64(tracesSizer.TracesSize(td))
	}
	return int64(td.SpanCount())
}

// fit returns td whole when it fits, else in parts of at most half the
// capacity (so a part fits beside other queued data), every span marked
// partial. ok is false when one span alone exceeds the capacity.
func (l Limit) fit(td ptrace.Traces) (parts []ptrace.Traces, ok bool) {
	if l.capacity <= 0 {
		return []ptrace.Traces{td}, true
	}
	size := l.size(td)
	if size <= l.capacity {
		return []ptrace.Traces{td}, true
	}
	spans := td.SpanCount()
	n := int((size + l.capacity/2 - 1) / max(l.capacity/2, 1)) // parts needed
	per := max((spans+n-1)/n, 1)
	markPartial(td)
	parts = splitSpans(td, per)
	for _, p := range parts {
		if l.size(p) > l.capacity {
			return nil, false
		}
	}
	return parts, true
}

// splitSpans copies td into parts of at most per spans, keeping each span's
// resource and scope.
func splitSpans(td ptrace.Traces, per int) []ptrace.Traces {
	var parts []ptrace.Traces
	var cur ptrace.Traces
	var dst ptrace.SpanSlice
	count, res, scope := 0, -1, -1
	pdatautil.ForEachSpanIn(td, func(i int, rs ptrace.ResourceSpans, j int, ss ptrace.ScopeSpans, span ptrace.Span) {
		if count == per || len(parts) == 0 {
			cur = ptrace.NewTraces()
			parts = append(parts, cur)
			count, res = 0, -1
		}
		if i != res || j != scope {
			dst, res, scope = pdatautil.AppendScope(cur, rs, ss).Spans(), i, j
		}
		span.CopyTo(dst.AppendEmpty())
		count++
	})
	return parts
}
