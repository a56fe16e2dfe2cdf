package e2e

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/genaitest"
	"github.com/precogx/precogxexporter/internal/pdatautil"
)

func (s *stack) expected(t *testing.T, name string) []json.RawMessage {
	t.Helper()
	return golden(t, s.root, name)
}

func (s *stack) postTraces(t *testing.T, td ptrace.Traces) {
	t.Helper()
	body, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.col.PostOTLP(ctx, "traces", body))
}

// exactlyOnce waits for n interactions, then makes sure no more arrive
// within the assembly wait (2 s unless the stack set another).
func (s *stack) exactlyOnce(t *testing.T, n int) []Stored {
	t.Helper()
	items, err := s.dev.WaitInteractions(n, 20*time.Second)
	require.NoError(t, err)
	wait := 2 * time.Second
	if s.wait > 0 {
		wait = s.wait
	}
	time.Sleep(wait + 500*time.Millisecond) // anything late would show
	items, err = s.dev.Interactions()
	require.NoError(t, err)
	require.Len(t, items, n, "no duplicate and no partial interaction")
	return items
}

func loadSample(t *testing.T, root, name string) ptrace.Traces {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "testdata", "golden", name))
	require.NoError(t, err)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
	require.NoError(t, err)
	return td
}

func TestAssemblyRootArrivesLater(t *testing.T) {
	s := startStack(t)
	td := loadSample(t, s.root, "a_semconv_latest_agent.traces.json")
	s.postTraces(t, pdatautil.SpansWhere(td, func(sp ptrace.Span) bool { return !sp.ParentSpanID().IsEmpty() }))
	time.Sleep(300 * time.Millisecond)
	s.postTraces(t, pdatautil.SpansWhere(td, func(sp ptrace.Span) bool { return sp.ParentSpanID().IsEmpty() }))
	items := s.exactlyOnce(t, 1)
	requireSameJSON(t, s.expected(t, "a_semconv_latest_agent")[0], items[0].Interaction)
}

func TestAssemblyAcrossPipelines(t *testing.T) {
	cases := []struct {
		name  string
		posts [][2]string // signal, file
		want  string
		gap   time.Duration // between the posts
		wait  time.Duration // assembly.wait, when not the default
	}{
		{"c spans then logs", [][2]string{{"traces", "c_semconv_v128_log_events.traces.json"}, {"logs", "c_semconv_v128_log_events.logs.json"}}, "c_semconv_v128_log_events", 0, 0},
		{"c logs then spans", [][2]string{{"logs", "c_semconv_v128_log_events.logs.json"}, {"traces", "c_semconv_v128_log_events.traces.json"}}, "c_semconv_v128_log_events", 0, 0},
		{"a with a2 in the logs pipeline", [][2]string{{"logs", "a2_semconv_inference_operation_details.logs.json"}, {"traces", "a_semconv_latest_agent.traces.json"}}, "a_semconv_latest_agent", 0, 0},
		{"a2 alone in the logs pipeline", [][2]string{{"logs", "a2_semconv_inference_operation_details.logs.json"}}, "a2_semconv_inference_operation_details", 0, 0},
		// the logs come after the grace after the root (500 ms), within the
		// wait (a longer one than the default, so that a loaded machine
		// cannot stretch the gap past it)
		{"c logs 1.2 s after the spans", [][2]string{{"traces", "c_semconv_v128_log_events.traces.json"}, {"logs", "c_semconv_v128_log_events.logs.json"}}, "c_semconv_v128_log_events", 1200 * time.Millisecond, 6 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s *stack
			if tc.wait > 0 {
				s = startStackWith(t, filepath.Join("testdata", "collector", "e2e.yaml"), []string{"ASSEMBLY_WAIT=" + tc.wait.String()})
				s.wait = tc.wait
			} else {
				s = startStack(t)
			}
			for i, p := range tc.posts {
				if i > 0 {
					time.Sleep(tc.gap)
				}
				s.post(t, p[0], p[1])
			}
			items := s.exactlyOnce(t, 1)
			requireSameJSON(t, s.expected(t, tc.want)[0], items[0].Interaction)
		})
	}
}

func TestAssemblyThousandInterleavedTraces(t *testing.T) {
	s := startStack(t)
	const traces = 1000
	all := ptrace.NewTraces()
	rs := all.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "load")
	base := time.Now()
	ss := rs.ScopeSpans().AppendEmpty().Spans()
	for i := range traces {
		q := fmt.Sprintf("question %d", i)
		genaitest.AgentTurn(ss, genaitest.TraceID("trace", i), base, q, "answer "+q)
	}
	// every span on its own, shuffled, then cut into requests of 1..80 spans
	var spans []ptrace.Span
	for j := 0; j < rs.ScopeSpans().Len(); j++ {
		ss := rs.ScopeSpans().At(j).Spans()
		for k := 0; k < ss.Len(); k++ {
			spans = append(spans, ss.At(k))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(spans), func(i, j int) { spans[i], spans[j] = spans[j], spans[i] })
	var batches []ptrace.Traces
	for len(spans) > 0 {
		n := min(1+rng.IntN(80), len(spans))
		td := ptrace.NewTraces()
		nrs := td.ResourceSpans().AppendEmpty()
		rs.Resource().CopyTo(nrs.Resource())
		out := nrs.ScopeSpans().AppendEmpty().Spans()
		for _, sp := range spans[:n] {
			sp.CopyTo(out.AppendEmpty())
		}
		batches = append(batches, td)
		spans = spans[n:]
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(batches); i += 4 {
				s.postTraces(t, batches[i])
			}
		}()
	}
	wg.Wait()

	items := s.exactlyOnce(t, traces)
	seen := map[string]bool{}
	for _, it := range items {
		var ix struct {
			Prompt    string `json:"prompt"`
			Response  string `json:"response"`
			ToolCalls []any  `json:"toolCalls"`
			Metadata  struct {
				TraceID    string `json:"trace_id"`
				TokensUsed int    `json:"tokens_used"`
				Partial    bool   `json:"partial"`
			} `json:"metadata"`
		}
		require.NoError(t, json.Unmarshal(it.Interaction, &ix))
		require.False(t, seen[ix.Metadata.TraceID], "duplicate %s", ix.Metadata.TraceID)
		seen[ix.Metadata.TraceID] = true
		raw, _ := hex.DecodeString(ix.Metadata.TraceID)
		var i int
		_, err := fmt.Sscanf(string(raw[5:]), "%d", &i)
		require.NoError(t, err)
		q := fmt.Sprintf("question %d", i)
		assert.Equal(t, q, ix.Prompt)
		assert.Equal(t, "answer "+q, ix.Response)
		assert.Len(t, ix.ToolCalls, 1)
		assert.Equal(t, genaitest.TurnTokens, ix.Metadata.TokensUsed, "whole trace: both model calls")
		assert.False(t, ix.Metadata.Partial)
	}
}

func TestAssemblyShutdownDeliversHeldTraces(t *testing.T) {
	s := startStackWith(t, filepath.Join("testdata", "collector", "e2e.yaml"), []string{"ASSEMBLY_WAIT=1m"})
	td := loadSample(t, s.root, "a_semconv_latest_agent.traces.json")
	// no root: held for the whole minute unless shutdown releases it
	s.postTraces(t, pdatautil.SpansWhere(td, func(sp ptrace.Span) bool { return !sp.ParentSpanID().IsEmpty() }))
	time.Sleep(200 * time.Millisecond)
	items, err := s.dev.Interactions()
	require.NoError(t, err)
	require.Empty(t, items, "still held")
	require.NoError(t, s.col.Stop(20*time.Second))
	items, err = s.dev.Interactions()
	require.NoError(t, err)
	require.Len(t, items, 1, "shutdown released the held trace and the queue delivered it")
}
