package precogxexporter

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/precogx/precogxexporter/internal/metadata"
	"github.com/precogx/precogxexporter/internal/pdatautil"
)

// sink collects what the assembler releases into the queue.
type sink struct {
	mu     sync.Mutex
	traces []ptrace.Traces
}

func (s *sink) consume(_ context.Context, td ptrace.Traces) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.traces = append(s.traces, td)
	return nil
}

func (s *sink) interactions(t *testing.T) []interaction {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []interaction
	for _, td := range s.traces {
		ixs, _ := defaultMapper().mapData(td, plog.NewLogs())
		out = append(out, ixs...)
	}
	return out
}

// requireOnly checks that exactly the interaction of an expected file came out.
func (s *sink) requireOnly(t *testing.T, expected string) {
	t.Helper()
	ixs := s.interactions(t)
	require.Len(t, ixs, 1)
	assertJSONEqual(t, expectedInteractions(t, expected)[0], appendInteraction(nil, &ixs[0]))
}

// count is the number of traces released (a trace per request it was in).
func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, td := range s.traces {
		ids := map[pcommon.TraceID]bool{}
		pdatautil.SpansWhere(td, func(sp ptrace.Span) bool { ids[sp.TraceID()] = true; return false })
		n += len(ids)
	}
	return n
}

// requests is the number of requests the queue took.
func (s *sink) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.traces)
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock           { return &fakeClock{t: time.Unix(1_800_000_000, 0)} }
func testAssembler(t *testing.T, wait time.Duration, maxTraces int) (*assembler, *sink, *fakeClock) {
	t.Helper()
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	s := &sink{}
	a := newAssembler(AssemblyConfig{Wait: wait, MaxTraces: maxTraces}, s.consume, tb, zap.NewNop())
	c := newFakeClock()
	a.now = c.now
	return a, s, c
}

func isRoot(s ptrace.Span) bool { return s.ParentSpanID().IsEmpty() }

func expectedInteractions(t *testing.T, name string) []json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "genai", name))
	require.NoError(t, err)
	var exp struct{ Interactions []json.RawMessage }
	require.NoError(t, json.Unmarshal(data, &exp))
	return exp.Interactions
}

func TestAssemblyRootReleasesAfterGrace(t *testing.T) {
	a, s, clock := testAssembler(t, 2*time.Second, 100)
	td := loadTraces(t, "genai/a_semconv_latest_agent.traces.json")
	ctx := context.Background()

	require.NoError(t, a.consumeTraces(ctx, pdatautil.SpansWhere(td, func(s ptrace.Span) bool { return !isRoot(s) })))
	clock.add(300 * time.Millisecond)
	a.releaseDue()
	assert.Equal(t, 0, s.count(), "children wait for their root")

	require.NoError(t, a.consumeTraces(ctx, pdatautil.SpansWhere(td, isRoot)))
	a.releaseDue()
	assert.Equal(t, 0, s.count(), "the root waits a short grace for late events")
	clock.add(a.grace)
	a.releaseDue()
	require.Equal(t, 1, s.count())

	ixs := s.interactions(t)
	require.Len(t, ixs, 1)
	assertJSONEqual(t, expectedInteractions(t, "expected_a.json")[0], appendInteraction(nil, &ixs[0]))
}

func TestAssemblyWaitExtendsWithEachPiece(t *testing.T) {
	a, s, clock := testAssembler(t, time.Second, 100)
	td := loadTraces(t, "genai/a_semconv_latest_agent.traces.json")
	ctx := context.Background()
	var spans []ptrace.Traces
	for _, id := range []string{"b9c7c989f97918e1", "a3c2e8f1d6b4c901", "c4d5e6f7a8b9c0d1"} {
		spans = append(spans, pdatautil.SpansWhere(td, func(s ptrace.Span) bool { return s.SpanID().String() == id }))
	}
	for _, piece := range spans {
		require.NoError(t, a.consumeTraces(ctx, piece))
		clock.add(800 * time.Millisecond)
		a.releaseDue()
		assert.Equal(t, 0, s.count(), "each piece restarts the wait")
	}
	clock.add(200 * time.Millisecond)
	a.releaseDue()
	require.Equal(t, 1, s.count(), "released by wait without a root")
	ixs := s.interactions(t)
	assert.Equal(t, 2, ixs[0].Meta.LLMCallCount)
}

func TestAssemblyJoinsLogsInEitherOrder(t *testing.T) {
	for _, logsFirst := range []bool{true, false} {
		t.Run(map[bool]string{true: "logs first", false: "spans first"}[logsFirst], func(t *testing.T) {
			a, s, clock := testAssembler(t, 2*time.Second, 100)
			ctx := context.Background()
			td := loadTraces(t, "genai/c_semconv_v128_log_events.traces.json")
			ld := loadLogs(t, "genai/c_semconv_v128_log_events.logs.json")
			if logsFirst {
				require.NoError(t, a.consumeLogs(ctx, ld))
				require.NoError(t, a.consumeTraces(ctx, td))
			} else {
				require.NoError(t, a.consumeTraces(ctx, td))
				require.NoError(t, a.consumeLogs(ctx, ld))
			}
			clock.add(a.grace)
			a.releaseDue()
			s.requireOnly(t, "expected_c.json")
		})
	}
}

func TestAssemblyDeduplicatesLogContent(t *testing.T) {
	a, s, clock := testAssembler(t, 2*time.Second, 100)
	ctx := context.Background()
	require.NoError(t, a.consumeLogs(ctx, loadLogs(t, "genai/a2_semconv_inference_operation_details.logs.json")))
	require.NoError(t, a.consumeTraces(ctx, loadTraces(t, "genai/a_semconv_latest_agent.traces.json")))
	clock.add(a.grace)
	a.releaseDue()
	s.requireOnly(t, "expected_a.json")
}

func TestAssemblyLogsAloneAfterWait(t *testing.T) {
	a, s, clock := testAssembler(t, 2*time.Second, 100)
	require.NoError(t, a.consumeLogs(context.Background(), loadLogs(t, "genai/a2_semconv_inference_operation_details.logs.json")))
	clock.add(2 * time.Second)
	a.releaseDue()
	s.requireOnly(t, "expected_a2.json")
}

func TestAssemblyPressureReleasesOldestFirst(t *testing.T) {
	a, s, _ := testAssembler(t, time.Hour, 2)
	ctx := context.Background()
	var ids []pcommon.TraceID
	for _, f := range []string{"a_semconv_latest_agent", "d_openllmetry_indexed", "e_openinference"} {
		td := loadTraces(t, "genai/"+f+".traces.json")
		ids = append(ids, td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).TraceID())
		require.NoError(t, a.consumeTraces(ctx, td))
	}
	require.Equal(t, 1, s.count(), "the third trace pushes the first out")
	assert.Equal(t, ids[0], s.traces[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).TraceID())
	assert.Len(t, a.held, 2)

	a.shutdown(ctx)
	assert.Equal(t, 3, s.count(), "shutdown releases everything held, never drops")
	assert.Empty(t, a.held)
}

func TestAssemblyLatePiecesArePartial(t *testing.T) {
	a, s, clock := testAssembler(t, time.Second, 100)
	ctx := context.Background()
	td := loadTraces(t, "genai/c_semconv_v128_log_events.traces.json")
	require.NoError(t, a.consumeTraces(ctx, td))
	clock.add(time.Second) // its model calls wait for their log events for the whole wait
	a.releaseDue()
	require.Equal(t, 1, s.count())
	first := s.interactions(t)
	require.Len(t, first, 1)
	assert.False(t, first[0].Meta.Partial)
	assert.Equal(t, "", first[0].Prompt, "the content had not arrived yet")

	require.NoError(t, a.consumeLogs(ctx, loadLogs(t, "genai/c_semconv_v128_log_events.logs.json")))
	clock.add(time.Second)
	a.releaseDue()
	require.Equal(t, 2, s.count())
	second := s.interactions(t)[1:]
	require.Len(t, second, 1, "the late events make one partial interaction")
	assert.True(t, second[0].Meta.Partial)
	assert.Equal(t, "What's the weather in Seattle and San Francisco today?", second[0].Prompt)
	assert.Equal(t, 0, s.traces[1].SpanCount()-2, "only the two synthetic spans carrying the late events, no resent span")
	assert.Contains(t, string(appendInteraction(nil, &second[0])), `"partial":true`)
}

func TestAssemblyWaitZeroPassesThrough(t *testing.T) {
	a, s, _ := testAssembler(t, 0, 100)
	ctx := context.Background()
	td := loadTraces(t, "genai/a_semconv_latest_agent.traces.json")
	require.NoError(t, a.consumeTraces(ctx, td))
	require.Equal(t, 1, s.count())
	require.NoError(t, a.consumeLogs(ctx, loadLogs(t, "genai/a2_semconv_inference_operation_details.logs.json")))
	require.Equal(t, 2, s.count())
	ixs := s.interactions(t)
	require.Len(t, ixs, 2, "each batch is mapped alone")
	assertJSONEqual(t, expectedInteractions(t, "expected_a2.json")[0], appendInteraction(nil, &ixs[1]))
}

func TestAssemblyLogsWithoutContext(t *testing.T) {
	a, s, _ := testAssembler(t, time.Hour, 100)
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	lr := lrs.AppendEmpty()
	lr.SetEventName("gen_ai.user.message")
	lr.Body().SetEmptyMap().PutStr("content", "no trace context")
	lrs.AppendEmpty().Body().SetStr("ordinary log line")
	require.NoError(t, a.consumeLogs(context.Background(), ld))
	require.Equal(t, 1, s.count(), "nothing to wait for")
	ixs := s.interactions(t)
	require.Len(t, ixs, 1)
	assert.Equal(t, "no trace context", ixs[0].Prompt)
	assert.Empty(t, a.held)
}

func TestAssemblyDoesNotMutateInput(t *testing.T) {
	a, _, _ := testAssembler(t, time.Second, 100)
	td := loadTraces(t, "genai/a_semconv_latest_agent.traces.json")
	td.MarkReadOnly()
	ld := loadLogs(t, "genai/a2_semconv_inference_operation_details.logs.json")
	ld.MarkReadOnly()
	require.NotPanics(t, func() {
		_ = a.consumeTraces(context.Background(), td)
		_ = a.consumeLogs(context.Background(), ld)
		a.shutdown(context.Background())
	})
}

func TestAssemblyPiecesAfterRootExtendByGrace(t *testing.T) {
	a, s, clock := testAssembler(t, 2*time.Second, 100)
	ctx := context.Background()
	td := loadTraces(t, "genai/a_semconv_latest_agent.traces.json")
	require.NoError(t, a.consumeTraces(ctx, pdatautil.SpansWhere(td, isRoot)))
	for _, id := range []string{"b9c7c989f97918e1", "a3c2e8f1d6b4c901", "c4d5e6f7a8b9c0d1"} {
		clock.add(a.grace - time.Millisecond)
		a.releaseDue()
		require.Equal(t, 0, s.count())
		require.NoError(t, a.consumeTraces(ctx, pdatautil.SpansWhere(td, func(s ptrace.Span) bool { return s.SpanID().String() == id })))
	}
	clock.add(a.grace)
	a.releaseDue()
	require.Equal(t, 1, s.count())
	ixs := s.interactions(t)
	require.Len(t, ixs, 1)
	assertJSONEqual(t, expectedInteractions(t, "expected_a.json")[0], appendInteraction(nil, &ixs[0]))

	// the extension never goes past wait after the root
	require.NoError(t, a.consumeTraces(ctx, pdatautil.SpansWhere(loadTraces(t, "genai/e_openinference.traces.json"), isRoot)))
	for range 10 {
		clock.add(a.grace - time.Millisecond)
		require.NoError(t, a.consumeTraces(ctx, pdatautil.SpansWhere(loadTraces(t, "genai/e_openinference.traces.json"), func(s ptrace.Span) bool { return !isRoot(s) })))
		a.releaseDue()
	}
	assert.GreaterOrEqual(t, s.count(), 2, "released at root + wait at the latest")
}

func TestAssemblyBookkeepingStaysBounded(t *testing.T) {
	a, s, _ := testAssembler(t, time.Hour, 10)
	ctx := context.Background()
	for chunk := range 50 {
		td := benchTraces(100, 16)
		renumber(td, chunk)
		require.NoError(t, a.consumeTraces(ctx, td))
	}
	assert.LessOrEqual(t, len(a.held), 10)
	assert.LessOrEqual(t, len(a.deadlines), 2*len(a.held)+1024, "superseded deadlines are dropped")
	assert.LessOrEqual(t, len(a.fifo), 1024)
	assert.Equal(t, 4990, s.count())
}

// Issue 13: every trace released in one tick goes to the queue as one
// request; a queue that counts items gets requests of at most half its size.
func TestAssemblyReleasesInGroups(t *testing.T) {
	a, s, clock := testAssembler(t, time.Second, 10_000)
	ctx := context.Background()
	for chunk := range 10 {
		td := benchTraces(100, 16)
		renumber(td, chunk)
		require.NoError(t, a.consumeTraces(ctx, td))
	}
	clock.add(time.Second)
	a.releaseDue()
	assert.Equal(t, 1000, s.count())
	assert.Equal(t, 1, s.requests(), "one request for the whole tick")

	b, s2, clock2 := testAssembler(t, time.Second, 10_000)
	b.limit = queueLimit{sizer: exporterhelper.RequestSizerTypeItems, capacity: 1000}
	for chunk := range 10 {
		td := benchTraces(100, 16) // 4 spans a trace
		renumber(td, chunk)
		require.NoError(t, b.consumeTraces(ctx, td))
	}
	clock2.add(time.Second)
	b.releaseDue()
	assert.Equal(t, 1000, s2.count())
	assert.Equal(t, 8, s2.requests(), "4,000 spans in requests of at most 500")
	for _, td := range s2.traces {
		assert.LessOrEqual(t, td.SpanCount(), 500)
	}
}

func TestAssemblyWaitsForLogContentOfModelCalls(t *testing.T) {
	a, s, clock := testAssembler(t, 2*time.Second, 100)
	ctx := context.Background()
	// c: the chat spans carry no content, the root has arrived
	require.NoError(t, a.consumeTraces(ctx, loadTraces(t, "genai/c_semconv_v128_log_events.traces.json")))
	clock.add(1500 * time.Millisecond)
	a.releaseDue()
	require.Equal(t, 0, s.count(), "not released at root + grace: the content is expected as log events")
	require.NoError(t, a.consumeLogs(ctx, loadLogs(t, "genai/c_semconv_v128_log_events.logs.json")))
	clock.add(a.grace)
	a.releaseDue()
	require.Equal(t, 1, s.count(), "released a grace after the events came")
	ixs := s.interactions(t)
	require.Len(t, ixs, 1)
	assertJSONEqual(t, expectedInteractions(t, "expected_c.json")[0], appendInteraction(nil, &ixs[0]))

	// spans that carry their content do not wait
	require.NoError(t, a.consumeTraces(ctx, loadTraces(t, "genai/a_semconv_latest_agent.traces.json")))
	clock.add(a.grace)
	a.releaseDue()
	assert.Equal(t, 2, s.count())
}

func TestAssemblyHoldsWhatTheQueueRefuses(t *testing.T) {
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	s := &sink{}
	var refuse atomic.Bool
	refuse.Store(true)
	next := func(ctx context.Context, td ptrace.Traces) error {
		if refuse.Load() {
			return errors.New("sending queue is full")
		}
		return s.consume(ctx, td)
	}
	a := newAssembler(AssemblyConfig{Wait: time.Second, MaxTraces: 2}, next, tb, zap.NewNop())
	clock := newFakeClock()
	a.now = clock.now
	ctx := context.Background()

	require.NoError(t, a.consumeTraces(ctx, loadTraces(t, "genai/a_semconv_latest_agent.traces.json")))
	require.NoError(t, a.consumeLogs(ctx, loadLogs(t, "genai/a2_semconv_inference_operation_details.logs.json")))
	clock.add(a.grace)
	a.releaseDue()
	assert.Len(t, a.held, 1, "refused: held again, not dropped")
	require.NoError(t, a.consumeTraces(ctx, loadTraces(t, "genai/d_openllmetry_indexed.traces.json")))
	assert.ErrorIs(t, a.consumeTraces(ctx, loadTraces(t, "genai/e_openinference.traces.json")), errAssemblyFull,
		"max_traces held and the queue refuses: push back on the receiver")

	refuse.Store(false)
	clock.add(retryRelease)
	a.releaseDue()
	require.Equal(t, 2, s.count())
	ixs := s.interactions(t)
	i := slices.IndexFunc(ixs, func(ix interaction) bool { return ix.AgentID == "WeatherAgent" })
	require.GreaterOrEqual(t, i, 0)
	assertJSONEqual(t, expectedInteractions(t, "expected_a.json")[0], appendInteraction(nil, &ixs[i]))
	assert.NoError(t, a.consumeTraces(ctx, loadTraces(t, "genai/e_openinference.traces.json")), "accepted again")
}
