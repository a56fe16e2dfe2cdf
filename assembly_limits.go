package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// queueLimit is the largest request the sending queue can ever take, in its
// sizer's unit: a larger one is refused as "too large" however empty the
// queue is, so it is sent in parts instead of being held forever.
type queueLimit struct {
	sizer    exporterhelper.RequestSizerType
	capacity int64 // 0: no limit
}

func queueLimitOf(q configoptional.Optional[exporterhelper.QueueBatchConfig]) queueLimit {
	if !q.HasValue() {
		return queueLimit{}
	}
	c := q.Get()
	if c.Sizer == exporterhelper.RequestSizerTypeRequests {
		return queueLimit{} // a trace is one request: it always fits
	}
	return queueLimit{sizer: c.Sizer, capacity: c.QueueSize}
}

var tracesSizer ptrace.ProtoMarshaler

func (l queueLimit) size(td ptrace.Traces) int64 {
	if l.sizer == exporterhelper.RequestSizerTypeBytes {
		return int64(tracesSizer.TracesSize(td))
	}
	return int64(td.SpanCount())
}

// fit returns td whole when it fits, else in parts of at most half the
// capacity (so a part fits beside other queued data), every span marked
// partial. ok is false when one span alone exceeds the capacity.
func (l queueLimit) fit(td ptrace.Traces) (parts []ptrace.Traces, ok bool) {
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
	count := 0
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			spans := ss.Spans()
			opened := false
			for k := 0; k < spans.Len(); k++ {
				if count == per || len(parts) == 0 {
					cur = ptrace.NewTraces()
					parts = append(parts, cur)
					count, opened = 0, false
				}
				if !opened {
					nrs := cur.ResourceSpans().AppendEmpty()
					rs.Resource().CopyTo(nrs.Resource())
					nrs.SetSchemaUrl(rs.SchemaUrl())
					nss := nrs.ScopeSpans().AppendEmpty()
					ss.Scope().CopyTo(nss.Scope())
					nss.SetSchemaUrl(ss.SchemaUrl())
					dst, opened = nss.Spans(), true
				}
				spans.At(k).CopyTo(dst.AppendEmpty())
				count++
			}
		}
	}
	return parts
}

// stripInternal removes the attribute names the exporter uses itself, so a
// client cannot forge them (SPEC 11.5).
func stripInternal(m pcommon.Map) {
	if m.Len() == 0 {
		return
	}
	m.RemoveIf(func(k string, _ pcommon.Value) bool {
		return len(k) > len(internalPrefix) && k[:len(internalPrefix)] == internalPrefix && isInternalAttr(k)
	})
}

func isInternalAttr(k string) bool {
	switch k {
	case attrEventBody, attrSynthetic, attrPartial:
		return true
	}
	return false
}

// stripSpan removes internal names from a span and its events.
func stripSpan(s ptrace.Span) {
	stripInternal(s.Attributes())
	evs := s.Events()
	for i := 0; i < evs.Len(); i++ {
		stripInternal(evs.At(i).Attributes())
	}
}

// stripTraces removes internal names from every span of td.
func stripTraces(td ptrace.Traces) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				stripSpan(spans.At(k))
			}
		}
	}
}
