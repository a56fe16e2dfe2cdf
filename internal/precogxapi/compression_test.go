package precogxapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/golang/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// prose is English-like text from a fixed vocabulary: it compresses like a
// support conversation does, unlike repeated characters.
func prose(r *rand.Rand, n int) string {
	words := strings.Fields(`the a my your order account password weather Paris London today tomorrow please could you
		help me with check status refund delivery invoice number card payment failed again why is it not working
		I tried twice and it still shows an error message about the billing address being invalid what should I do
		thanks for waiting here is what I found your package left the warehouse on Monday and should arrive soon
		if not we can send a replacement or refund the amount to the original payment method within five days`)
	var sb strings.Builder
	for sb.Len() < n {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(words[r.IntN(len(words))])
	}
	return sb.String()[:n]
}

// batchBody is a /telemetry/batch body of n agent turns as the exporter
// encodes them: a 1 KiB prompt, an answer, one tool call, ids and metadata.
func batchBody(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	buf.WriteString(`{"interactions":[`)
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		ix := map[string]any{
			"agentId": "support-agent", "prompt": prose(r, 1024), "response": prose(r, 300),
			"metadata": map[string]any{"timestamp": "2026-11-30T12:00:00.000Z", "platform": "otel-genai-semconv",
				"model": "gpt-4o-mini-2024-07-18", "model_provider": "openai", "tokens_used": 431 + i, "response_time_ms": 812,
				"trace_id": fmt.Sprintf("%032x", r.Uint64()), "root_span_id": fmt.Sprintf("%016x", r.Uint64()),
				"service_name": "support-bot", "llm_call_count": 2, "response_ids": []string{fmt.Sprintf("chatcmpl-%x", r.Uint64())},
				"finish_reasons": []string{"tool_calls", "stop"}, "content_source": []string{"gen_ai.input/output.messages"}},
			"toolCalls": []any{map[string]any{"name": "get_order", "description": nil, "input": map[string]any{"order_id": fmt.Sprint(r.IntN(1e6))},
				"output": map[string]any{"status": "shipped"}, "execution_time_ms": 40, "success": true}},
			"userId": fmt.Sprintf("u-%d", r.IntN(1e4)), "sessionId": fmt.Sprintf("s-%x", r.Uint64()),
		}
		b, _ := json.Marshal(ix)
		buf.Write(b)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

// The codecs and levels confighttp offers (compression, compression_params.level),
// built as confighttp builds them.
var codecs = []struct {
	name string
	w    func() io.WriteCloser
	rst  func(io.WriteCloser, io.Writer)
}{
	{"gzip-1", func() io.WriteCloser { w, _ := gzip.NewWriterLevel(nil, 1); return w }, func(w io.WriteCloser, o io.Writer) { w.(*gzip.Writer).Reset(o) }},
	{"gzip-default(6)", func() io.WriteCloser { w, _ := gzip.NewWriterLevel(nil, -1); return w }, func(w io.WriteCloser, o io.Writer) { w.(*gzip.Writer).Reset(o) }},
	{"gzip-9", func() io.WriteCloser { w, _ := gzip.NewWriterLevel(nil, 9); return w }, func(w io.WriteCloser, o io.Writer) { w.(*gzip.Writer).Reset(o) }},
	{"zstd-default(fastest)", func() io.WriteCloser {
		w, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(-1)))
		return w
	}, func(w io.WriteCloser, o io.Writer) { w.(*zstd.Encoder).Reset(o) }},
	{"zstd-3", func() io.WriteCloser {
		w, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(3)))
		return w
	}, func(w io.WriteCloser, o io.Writer) { w.(*zstd.Encoder).Reset(o) }},
	{"snappy-framed", func() io.WriteCloser { return snappy.NewBufferedWriter(nil) }, func(w io.WriteCloser, o io.Writer) { w.(*snappy.Writer).Reset(o) }},
	{"lz4", func() io.WriteCloser { w := lz4.NewWriter(nil); _ = w.Apply(lz4.ConcurrencyOption(1)); return w }, func(w io.WriteCloser, o io.Writer) { w.(*lz4.Writer).Reset(o) }},
}

// BenchmarkCompression is what compressing a batch of 100 turns costs per
// KiB of JSON with each codec, and the ratio it reaches: the figures behind
// the default `compression` (BENCHMARKS.md).
func BenchmarkCompression(b *testing.B) {
	body := batchBody(100)
	for _, c := range codecs {
		b.Run(c.name, func(b *testing.B) {
			w := c.w()
			var out bytes.Buffer
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				c.rst(w, &out)
				_, _ = w.Write(body)
				_ = w.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(float64(len(body))/1024), "ns/KiB")
			b.ReportMetric(float64(len(body))/float64(out.Len()), "ratio")
		})
	}
}
