// Package pdatautil holds pdata helpers shared by the exporter and its tests.
package pdatautil // import "github.com/precogx/precogxexporter/internal/pdatautil"

import "go.opentelemetry.io/collector/pdata/ptrace"

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
