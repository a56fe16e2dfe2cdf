package precogxexporter

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/genaitest"
)

// benchTraces builds n agent turns (4 spans, the load of BENCHMARKS.md) with a user
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
			var enc encoder // as the exporter encodes a push
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				ixs, _ := m.Map(td)
				_, done := enc.encode(ixs)
				done()
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
