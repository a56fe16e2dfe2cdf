package genai

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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

// queueBatch is a batch as the sending queue hands it over: agent turns
// (4 spans, 1 KiB user message), each trace in resource entries of its own
// as the assembly stage releases them.
func queueBatch(turns int) ptrace.Traces {
	td := ptrace.NewTraces()
	msg := strings.Repeat("What will the weather be like in Paris tomorrow? ", 21)[:1024]
	for i := range turns {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", "weather-agent")
		genaitest.AgentTurn(rs.ScopeSpans().AppendEmpty().Spans(), genaitest.TraceID("batch", i), time.Unix(1_800_000_000, 0), msg, "ok")
	}
	return td
}

// TestMapAllocationsPerTurn bounds what mapping allocates per agent turn:
// 28 before the run kept its per-trace tables and the turn's scratch
// (BenchmarkMapQueueBatch), 11 before the chunk's parsed messages and
// their first parts came from its content.Scratch; the interaction's own
// strings and lists remain.
func TestMapAllocationsPerTurn(t *testing.T) {
	td := queueBatch(512)
	m := defaultMapper()
	allocs := testing.AllocsPerRun(5, func() {
		if out, _ := m.Map(td); len(out) != 512 {
			t.Fatal(len(out))
		}
	})
	assert.LessOrEqual(t, allocs/512, 6.0)
}

// BenchmarkMapQueueBatch maps a batch of 2,048 agent turns (8,192 spans)
// as the sending queue hands it over; read a chunk at a time (the mapper's
// way) and as one table.
func BenchmarkMapQueueBatch(b *testing.B) {
	td := queueBatch(2048)
	m := defaultMapper()
	defer func(n int) { chunkSpans = n }(chunkSpans)
	for _, tc := range []struct {
		name  string
		chunk int
	}{{"chunks", chunkSpans}, {"one-table", 1 << 30}} {
		b.Run(tc.name, func(b *testing.B) {
			chunkSpans = tc.chunk
			b.ReportAllocs()
			for b.Loop() {
				if out, _ := m.Map(td); len(out) != 2048 {
					b.Fatal(len(out))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*td.SpanCount()), "ns/span")
		})
	}
}
