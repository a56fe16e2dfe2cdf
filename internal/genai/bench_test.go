package genai

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/genaitest"
)

// BenchmarkAwaitsLogContent is the assembly stage's question per span it
// holds (an agent turn of 4 spans, 1 KiB message).
func BenchmarkAwaitsLogContent(b *testing.B) {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	genaitest.AgentTurn(ss, genaitest.TraceID("hint", 1), time.Unix(1_800_000_000, 0), strings.Repeat("x", 1<<10), "ok")
	h := NewHints()
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < ss.Len(); i++ {
			h.AwaitsLogContent(ss.At(i))
		}
	}
}
