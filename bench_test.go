package precogxexporter

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/precogx/precogxexporter/internal/genaitest"
	"github.com/precogx/precogxexporter/internal/metadata"
)

// benchTraces builds n agent turns of SPEC section 9 (4 spans) with a user
// message of msgBytes.
func benchTraces(n int, msgBytes int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "bench-agent")
	rs.Resource().Attributes().PutStr("deployment.environment.name", "production")
	ss := rs.ScopeSpans().AppendEmpty().Spans()
	msg := strings.Repeat("x", msgBytes)
	base := time.Unix(1_800_000_000, 0)
	for i := range n {
		genaitest.AgentTurn(ss, genaitest.TraceID("bench", i), base, msg, "It is rainy and 57F in Paris.")
	}
	return td
}

// BenchmarkMapAndEncode is the precogx hot path: mapping and JSON encoding.
// Compare ns/span with BenchmarkOTLPJSON (what otlphttp does with
// encoding: json) in the same run.
func BenchmarkMapAndEncode(b *testing.B) {
	for _, size := range []int{1 << 10, 16 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("msg=%dKiB", size>>10), func(b *testing.B) {
			td := benchTraces(100, size)
			m := defaultMapper()
			var buf []byte
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				ixs, _ := m.mapData(td, plog.NewLogs())
				for i := range ixs {
					buf = appendInteraction(buf[:0], &ixs[i])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*td.SpanCount()), "ns/span")
		})
	}
}

func BenchmarkOTLPJSON(b *testing.B) {
	for _, size := range []int{1 << 10, 16 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("msg=%dKiB", size>>10), func(b *testing.B) {
			td := benchTraces(100, size)
			m := &ptrace.JSONMarshaler{}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := m.MarshalTraces(td); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*td.SpanCount()), "ns/span")
		})
	}
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
			batches := make([]ptrace.Traces, 0, traces/chunk)
			for range traces / chunk {
				batches = append(batches, benchTraces(chunk, 1<<10))
			}
			released := 0
			var heldBytes int64
			var heapAfter uint64
			for b.Loop() {
				a := newAssembler(AssemblyConfig{Wait: time.Hour, MaxTraces: maxTraces},
					func(_ context.Context, td ptrace.Traces) error { released++; return nil }, tb, zap.NewNop())
				var before runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				for i, td := range batches {
					// distinct trace ids per chunk
					renumber(td, i)
					_ = a.consumeTraces(context.Background(), td)
				}
				runtime.GC()
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				heapAfter = after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc)
				heldBytes = 0
				for _, h := range a.held {
					heldBytes += h.bytes
				}
				if len(a.held) > maxTraces {
					b.Fatalf("%d traces held, bound is %d", len(a.held), maxTraces)
				}
				a.shutdown(context.Background())
			}
			b.ReportMetric(float64(heldBytes)/float64(maxTraces), "held-B/trace")
			b.ReportMetric(float64(heapAfter)/float64(maxTraces), "heap-B/trace")
			b.ReportMetric(float64(heapAfter)/(1<<20), "heap-MiB")
		})
	}
}

func renumber(td ptrace.Traces, chunk int) {
	ss := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < ss.Len(); i++ {
		sp := ss.At(i)
		tid := sp.TraceID()
		tid[0], tid[1] = byte(chunk), byte(chunk>>8)
		sp.SetTraceID(tid)
	}
}

// BenchmarkAssemblyRelease is the assembly stage's work per span: a request
// of 50 turns held (copied, indexed), then released when due and handed to
// the queue. Compare ns/span with BenchmarkMapAndEncode.
func BenchmarkAssemblyRelease(b *testing.B) {
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	if err != nil {
		b.Fatal(err)
	}
	// distinct trace ids, recycled only after the stage forgot them (it
	// remembers 1,024 with max_traces 100): no piece looks late
	batches := make([]ptrace.Traces, 64)
	for i := range batches {
		batches[i] = benchTraces(50, 1<<10)
		renumber(batches[i], i)
	}
	td := batches[0]
	requests := 0
	a := newAssembler(AssemblyConfig{Wait: time.Second, MaxTraces: 100},
		func(_ context.Context, _ ptrace.Traces) error { requests++; return nil }, tb, zap.NewNop())
	clock := newFakeClock()
	a.now = clock.now
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		_ = a.consumeTraces(context.Background(), batches[i%len(batches)])
		i++
		clock.add(time.Second)
		a.releaseDue()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*td.SpanCount()), "ns/span")
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
}
