package assembly

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/precogx/precogxexporter/internal/genaitest"
	"github.com/precogx/precogxexporter/internal/metadata"
)

// turns builds n agent turns (4 spans, the load of BENCHMARKS.md) with a user message
// of msgBytes, their trace ids distinct per chunk.
func turns(chunk, n, msgBytes int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "bench-agent")
	ss := rs.ScopeSpans().AppendEmpty().Spans()
	msg := strings.Repeat("x", msgBytes)
	for i := range n {
		genaitest.AgentTurn(ss, genaitest.TraceID(fmt.Sprintf("c%04d", chunk), i), time.Unix(1_800_000_000, 0), msg, "It is rainy.")
	}
	return td
}

// BenchmarkAssemblyMemory holds 100,000 concurrent traces (never completed
// within the wait) against max_traces and reports what stays held.
func BenchmarkAssemblyMemory(b *testing.B) {
	for _, maxTraces := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("max_traces=%d", maxTraces), func(b *testing.B) {
			tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
			if err != nil {
				b.Fatal(err)
			}
			const traces, chunk = 100_000, 1_000
			var heldBytes int64
			var heapAfter uint64
			for b.Loop() {
				a := New(Config{Wait: time.Hour, MaxTraces: maxTraces, Hints: testHints},
					func(context.Context, ptrace.Traces) error { return nil }, tb, zap.NewNop())
				// the stage takes the spans it is given (moved, not copied): the
				// batches are built after the first reading, and what the stage
				// released early is garbage by the second
				var before runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				for i := range traces / chunk {
					_ = a.ConsumeTraces(context.Background(), turns(i, chunk, 1<<10))
				}
				runtime.GC()
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				heapAfter = after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc)
				heldBytes = 0
				for h := range entries(a) {
					heldBytes += h.bytes
				}
				if len(a.held) > maxTraces {
					b.Fatalf("%d traces held, bound is %d", len(a.held), maxTraces)
				}
				a.Shutdown(context.Background())
			}
			b.ReportMetric(float64(heldBytes)/float64(maxTraces), "held-B/trace")
			b.ReportMetric(float64(heapAfter)/float64(maxTraces), "heap-B/trace")
			b.ReportMetric(float64(heapAfter)/(1<<20), "heap-MiB")
		})
	}
}

// BenchmarkAssemblyRelease is the stage's work per span: a request of 50
// turns held (copied, indexed), then released when due and handed to the
// queue. Compare ns/span with the mapping's BenchmarkMapAndEncode.
func BenchmarkAssemblyRelease(b *testing.B) {
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	if err != nil {
		b.Fatal(err)
	}
	// distinct trace ids, recycled only after the stage forgot them (it
	// remembers 1,024 with max_traces 100): no piece looks late
	batches := make([]ptrace.Traces, 64)
	for i := range batches {
		batches[i] = turns(i, 50, 1<<10)
	}
	requests := 0
	a := New(Config{Wait: time.Second, MaxTraces: 100, Hints: testHints},
		func(context.Context, ptrace.Traces) error { requests++; return nil }, tb, zap.NewNop())
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	a.now = clock.now
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		// the stage owns what it is given (the exporter mutates data): a
		// fresh copy each time, made outside the timing
		b.StopTimer()
		td := ptrace.NewTraces()
		batches[i%len(batches)].CopyTo(td)
		i++
		b.StartTimer()
		_ = a.ConsumeTraces(context.Background(), td)
		clock.add(time.Second)
		a.releaseDue()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batches[0].SpanCount()), "ns/span")
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
}
