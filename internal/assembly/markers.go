package assembly // import "github.com/precogx/precogxexporter/internal/assembly"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/pdatautil"
)

// The attributes the exporter uses itself: they carry log events and marks
// inside traces, so that one queue (and one persistent queue) holds
// everything after assembly. They never leave the exporter, and incoming
// data carrying them has them removed first (stripInternal).
const (
	internalPrefix = "precogx."
	AttrEventBody  = internalPrefix + "event.body" // the log record's body, on the span event
	AttrSynthetic  = internalPrefix + "synthetic"  // a span stood in for by its log events
	AttrPartial    = internalPrefix + "partial"    // a piece that arrived after its trace was sent, or a part of a trace too large for the queue
)

// stripInternal removes the attribute names the exporter uses itself, so a
// client cannot forge them (SECURITY.md: no forged markers).
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
	case AttrEventBody, AttrSynthetic, AttrPartial:
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
func stripTraces(td ptrace.Traces) { pdatautil.ForEachSpan(td, stripSpan) }

// markPartial marks every span of td as a part of a turn, not all of it.
func markPartial(td ptrace.Traces) {
	pdatautil.ForEachSpan(td, func(s ptrace.Span) { s.Attributes().PutBool(AttrPartial, true) })
}
