// Package pdatautil holds pdata helpers shared by the exporter and its tests.
package pdatautil // import "github.com/precogx/precogxexporter/internal/pdatautil"

import (
	"iter"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// SpansWhere returns a copy of td with only the spans keep accepts, and
// without the resources and scopes left empty.
func SpansWhere(td ptrace.Traces, keep func(ptrace.Span) bool) ptrace.Traces {
	out := ptrace.NewTraces()
	td.CopyTo(out)
	out.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			ss.Spans().RemoveIf(func(s ptrace.Span) bool { return !keep(s) })
			return ss.Spans().Len() == 0
		})
		return rs.ScopeSpans().Len() == 0
	})
	return out
}

// SpansAt returns a copy of td with only the spans whose position (in the
// order of ResourceSpans, ScopeSpans, Spans) is true in keep.
func SpansAt(td ptrace.Traces, keep []bool) ptrace.Traces {
	n := 0
	return SpansWhere(td, func(ptrace.Span) bool {
		k := n < len(keep) && keep[n]
		n++
		return k
	})
}

// AppendScope appends to td a resource entry with rs's resource and one scope
// entry with ss's scope, and returns the scope entry to put spans in.
func AppendScope(td ptrace.Traces, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans) ptrace.ScopeSpans {
	nrs := td.ResourceSpans().AppendEmpty()
	rs.Resource().CopyTo(nrs.Resource())
	nrs.SetSchemaUrl(rs.SchemaUrl())
	nss := nrs.ScopeSpans().AppendEmpty()
	ss.Scope().CopyTo(nss.Scope())
	nss.SetSchemaUrl(ss.SchemaUrl())
	return nss
}

// ForEachSpan calls f with every span of td.
func ForEachSpan(td ptrace.Traces, f func(ptrace.Span)) {
	ForEachSpanIn(td, func(_ int, _ ptrace.ResourceSpans, _ int, _ ptrace.ScopeSpans, s ptrace.Span) { f(s) })
}

// ForEachSpanIn calls f with every span of td, the resource and scope
// entries it is in and their positions.
func ForEachSpanIn(td ptrace.Traces, f func(i int, rs ptrace.ResourceSpans, j int, ss ptrace.ScopeSpans, s ptrace.Span)) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				f(i, rs, j, ss, spans.At(k))
			}
		}
	}
}

// Spans yields every span of td, for a range loop that may stop early.
func Spans(td ptrace.Traces) iter.Seq[ptrace.Span] {
	return func(yield func(ptrace.Span) bool) {
		rss := td.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			sss := rss.At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				spans := sss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					if !yield(spans.At(k)) {
						return
					}
				}
			}
		}
	}
}
