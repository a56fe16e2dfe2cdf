package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"sync"

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
	if _, ok := sp.Attributes().Get("gen_ai.operation.name"); !ok {
		return false
	}
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
