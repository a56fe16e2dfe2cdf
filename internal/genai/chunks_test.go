package genai

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/genaitest"
)

// chunkedTraces has resource entries of one trace each (as the assembly
// stage releases them), an entry of several traces, an empty entry, a
// trace whose spans sit in two entries far apart, and one in two scopes.
func chunkedTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	start := time.Unix(1_800_000_000, 0)
	entry := func(service string) ptrace.ScopeSpans {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", service)
		return rs.ScopeSpans().AppendEmpty()
	}
	for i := range 40 {
		genaitest.AgentTurn(entry(fmt.Sprint("svc-", i%3)).Spans(), genaitest.TraceID("one", i), start, fmt.Sprint("prompt ", i), "ok")
	}
	many := entry("many").Spans()
	for i := range 5 {
		genaitest.AgentTurn(many, genaitest.TraceID("many", i), start, fmt.Sprint("prompt ", i), "ok")
	}
	td.ResourceSpans().AppendEmpty()
	// a trace split: its first two spans here, the rest twenty entries later
	split := ptrace.NewSpanSlice()
	genaitest.AgentTurn(split, genaitest.TraceID("split", 0), start, "split prompt", "split answer")
	head := entry("split-a").Spans()
	split.At(0).CopyTo(head.AppendEmpty())
	split.At(1).CopyTo(head.AppendEmpty())
	for i := range 20 {
		genaitest.AgentTurn(entry("svc-x").Spans(), genaitest.TraceID("two", i), start, fmt.Sprint("later ", i), "ok")
	}
	tail := entry("split-b")
	split.At(2).CopyTo(tail.Spans().AppendEmpty())
	second := td.ResourceSpans().At(td.ResourceSpans().Len() - 1).ScopeSpans().AppendEmpty()
	split.At(3).CopyTo(second.Spans().AppendEmpty())
	return td
}

// TestChunksMapLikeOneTable: reading the traces a chunk at a time gives
// exactly what one table for all of them gives, span positions included.
func TestChunksMapLikeOneTable(t *testing.T) {
	td := chunkedTraces()
	m := defaultMapper()
	defer func(n int) { chunkSpans = n }(chunkSpans)

	chunkSpans = 1 << 30
	whole, wholeStats := m.Map(td)
	require.Len(t, whole, 66)
	for _, n := range []int{1, 4, 9, 100} {
		chunkSpans = n
		r := m.runs.Get().(*run)
		cuts := append([]int(nil), r.chunks(td.ResourceSpans())...)
		m.release(r)
		if n == 4 {
			want := []int{}
			for i := 1; i <= 41; i++ {
				want = append(want, i) // after each entry of 4 spans or more
			}
			// none after the empty entry (no span yet) nor inside the split trace's 22 entries
			assert.Equal(t, append(want, 64), cuts)
		}
		got, stats := m.Map(td)
		assert.Equal(t, wholeStats, stats, "chunk %d", n)
		require.Len(t, got, len(whole), "chunk %d", n)
		for i := range whole {
			assert.Equal(t, whole[i].Spans, got[i].Spans, "chunk %d, interaction %d", n, i)
			assert.Equal(t, decode(t, &whole[i]), decode(t, &got[i]), "chunk %d, interaction %d", n, i)
		}
	}
	// the split trace is one interaction with all four spans
	var split *Interaction
	for i := range whole {
		if whole[i].Prompt == "split prompt" {
			split = &whole[i]
		}
	}
	require.NotNil(t, split)
	assert.Len(t, split.Spans, 4)
	assert.Equal(t, "split answer", split.Response)
}
