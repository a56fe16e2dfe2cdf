package precogxexporter

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/precogx/precogxexporter/internal/metadata"
)

// benchTraces builds n agent turns of SPEC section 9: an agent span, two
// model calls and a tool call, with a 1 KiB user message.
func benchTraces(n int, msgBytes int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "bench-agent")
	rs.Resource().Attributes().PutStr("deployment.environment.name", "production")
	ss := rs.ScopeSpans().AppendEmpty().Spans()
	msg := strings.Repeat("x", msgBytes)
	input := `[{"role":"user","parts":[{"type":"text","content":"` + msg + `"}]}]`
	base := time.Unix(1_800_000_000, 0)
	for i := range n {
		var tid pcommon.TraceID
		copy(tid[:], fmt.Sprintf("bench-%010d", i))
		sid := func(k int) pcommon.SpanID {
			var s pcommon.SpanID
			copy(s[:], fmt.Sprintf("%07d%d", i, k))
			return s
		}
		add := func(k, parent int, name string, attrs map[string]any) {
			sp := ss.AppendEmpty()
			sp.SetTraceID(tid)
			sp.SetSpanID(sid(k))
			if parent >= 0 {
				sp.SetParentSpanID(sid(parent))
			}
			sp.SetName(name)
			sp.SetStartTimestamp(pcommon.NewTimestampFromTime(base.Add(time.Duration(k) * time.Millisecond)))
			sp.SetEndTimestamp(pcommon.NewTimestampFromTime(base.Add(time.Duration(k+10) * time.Millisecond)))
			_ = sp.Attributes().FromRaw(attrs)
		}
		chat := func(out string) map[string]any {
			return map[string]any{"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
				"gen_ai.response.model": "gpt-4o-mini-2024-07-18", "gen_ai.response.id": "chatcmpl-1", "gen_ai.usage.input_tokens": 300,
				"gen_ai.usage.output_tokens": 40, "gen_ai.input.messages": input, "gen_ai.output.messages": out}
		}
		add(0, -1, "invoke_agent bench", map[string]any{"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "bench", "user.id": "u1", "session.id": "s1"})
		add(1, 0, "chat gpt-4o-mini", chat(`[{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"get_weather","arguments":{"location":"Paris"}}]}]`))
		add(2, 0, "execute_tool get_weather", map[string]any{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
			"gen_ai.tool.call.id": "call_1", "gen_ai.tool.call.arguments": `{"location":"Paris"}`, "gen_ai.tool.call.result": `{"temperature":"57F"}`})
		add(3, 0, "chat gpt-4o-mini", chat(`[{"role":"assistant","parts":[{"type":"text","content":"It is rainy and 57F in Paris."}]}]`))
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
