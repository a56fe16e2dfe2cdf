package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"strings"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// IsContentEvent tells a log event that carries a span's content in one of
// the encodings.
func IsContentEvent(name string) bool { return contentEvents[name] }

// Hints answers the assembly stage's questions about spans with the
// encodings' own rules. It is safe for concurrent use.
type Hints struct {
	views sync.Pool // *span, reused: a span view is large
}

// NewHints returns Hints.
func NewHints() *Hints {
	return &Hints{views: sync.Pool{New: func() any { return new(span) }}}
}

// AwaitsLogContent tells a model-call span on which no encoding finds
// content: semconv instrumentations (they name the operation) that record
// content as log events send it separately, so the span is worth waiting for.
func (h *Hints) AwaitsLogContent(sp ptrace.Span) bool {
	attrs := sp.Attributes()
	op, ok := attrs.Get("gen_ai.operation.name")
	if !ok {
		return false
	}
	// two answers without reading the whole span (the stage asks of every
	// span it holds), the same as the full reading's (TestAwaitsLogContentShortcuts):
	// semconv content on the span, or an operation no encoding reads as a
	// model call
	if isJSONType(attrs, "gen_ai.input.messages") || isJSONType(attrs, "gen_ai.output.messages") {
		return false
	}
	switch op.Str() {
	case "execute_tool", "invoke_agent", "invoke_workflow":
		if !strings.HasPrefix(sp.Name(), "ai.") && !has(attrs, "ai.operationId") {
			return false
		}
	}
	return h.readsAsAwaiting(sp)
}

// readsAsAwaiting is AwaitsLogContent by the full reading of the span.
func (h *Hints) readsAsAwaiting(sp ptrace.Span) bool {
	s := h.views.Get().(*span)
	defer func() {
		clear(s.events) // keeps no pdata alive
		*s = span{events: s.events[:0]}
		h.views.Put(s)
	}()
	readSpan(sp, s)
	s.classify()
	return s.role == roleLLM && !hasContent(s) && !hasEvent(s, IsContentEvent)
}

func has(m pcommon.Map, k string) bool {
	_, ok := m.Get(k)
	return ok
}

// isJSONType is isJSONValue of the attribute k of m.
func isJSONType(m pcommon.Map, k string) bool {
	v, ok := m.Get(k)
	return ok && isJSONValue(attr{v: v, rank: 1})
}
