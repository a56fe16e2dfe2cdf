package assembly

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
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

// The stage's tests check what it hands to the queue (spans, events, marks,
// requests); what the mapping makes of it is the mapping's tests' business.

// testHints stand for the mapping's rules: every gen_ai.* event is content,
// and a chat span without input messages or events awaits its log events.
var testHints = Hints{
	IsContentEvent: func(name string) bool { return strings.HasPrefix(name, "gen_ai.") },
	AwaitsLogContent: func(s ptrace.Span) bool {
		op, _ := s.Attributes().Get("gen_ai.operation.name")
		_, in := s.Attributes().Get("gen_ai.input.messages")
		return op.Str() == "chat" && !in && s.Events().Len() == 0
	},
}

// sink collects what the stage releases into the queue.
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

// count is the number of traces released (a trace per request it was in).
func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, td := range s.traces {
		n += len(traceIDs(td))
	}
	return n
}

// requests is the number of requests the queue took.
func (s *sink) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.traces)
}

// all is every released span, by span id.
func (s *sink) all() map[pcommon.SpanID]ptrace.Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[pcommon.SpanID]ptrace.Span{}
	for _, td := range s.traces {
		pdatautil.ForEachSpan(td, func(sp ptrace.Span) { out[sp.SpanID()] = sp })
	}
	return out
}

func traceIDs(td ptrace.Traces) map[pcommon.TraceID]bool {
	ids := map[pcommon.TraceID]bool{}
	pdatautil.ForEachSpan(td, func(sp ptrace.Span) { ids[sp.TraceID()] = true })
	return ids
}

func spanIDs(td ptrace.Traces) []string {
	var out []string
	pdatautil.ForEachSpan(td, func(sp ptrace.Span) { out = append(out, sp.SpanID().String()) })
	return out
}

func eventNames(sp ptrace.Span) []string {
	var out []string
	for i := 0; i < sp.Events().Len(); i++ {
		out = append(out, sp.Events().At(i).Name())
	}
	return out
}

func hasAttr(sp ptrace.Span, k string) bool {
	_, ok := sp.Attributes().Get(k)
	return ok
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }

func testAssembler(t testing.TB, wait time.Duration, maxTraces int) (*Assembler, *sink, *fakeClock) {
	t.Helper()
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	s := &sink{}
	a := New(Config{Wait: wait, MaxTraces: maxTraces, Hints: testHints}, s.consume, tb, zap.NewNop())
	c := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	a.now = c.now
	return a, s, c
}

func loadTraces(t testing.TB, name string) ptrace.Traces {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", name))
	require.NoError(t, err)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
	require.NoError(t, err)
	return td
}

func loadLogs(t testing.TB, name string) plog.Logs {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", name))
	require.NoError(t, err)
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(data)
	require.NoError(t, err)
	return ld
}

func isRoot(s ptrace.Span) bool { return s.ParentSpanID().IsEmpty() }

func only(id string) func(ptrace.Span) bool {
	return func(s ptrace.Span) bool { return s.SpanID().String() == id }
}

// sample a: root 7f3a1b2c4d5e6f70 and these three children
var aChildren = []string{"b9c7c989f97918e1", "a3c2e8f1d6b4c901", "c4d5e6f7a8b9c0d1"}

func TestRootReleasesAfterGrace(t *testing.T) {
	a, s, clock := testAssembler(t, 2*time.Second, 100)
	td := loadTraces(t, "a_semconv_latest_agent.traces.json")
	ctx := context.Background()

	require.NoError(t, a.ConsumeTraces(ctx, pdatautil.SpansWhere(td, func(s ptrace.Span) bool { return !isRoot(s) })))
	clock.add(300 * time.Millisecond)
	a.releaseDue()
	assert.Equal(t, 0, s.count(), "children wait for their root")

	require.NoError(t, a.ConsumeTraces(ctx, pdatautil.SpansWhere(td, isRoot)))
	a.releaseDue()
	assert.Equal(t, 0, s.count(), "the root waits a short grace for late events")
	clock.add(a.grace)
	a.releaseDue()
	require.Equal(t, 1, s.requests(), "the whole trace in one request")
	assert.ElementsMatch(t, spanIDs(td), spanIDs(s.traces[0]))
}

func TestWaitExtendsWithEachPiece(t *testing.T) {
	a, s, clock := testAssembler(t, time.Second, 100)
	td := loadTraces(t, "a_semconv_latest_agent.traces.json")
	ctx := context.Background()
	for _, id := range aChildren {
		require.NoError(t, a.ConsumeTraces(ctx, pdatautil.SpansWhere(td, only(id))))
		clock.add(800 * time.Millisecond)
		a.releaseDue()
		assert.Equal(t, 0, s.count(), "each piece restarts the wait")
	}
	clock.add(200 * time.Millisecond)
	a.releaseDue()
	require.Equal(t, 1, s.count(), "released by wait without a root")
	assert.ElementsMatch(t, aChildren, spanIDs(s.traces[0]))
}

func TestJoinsLogsInEitherOrder(t *testing.T) {
	for _, logsFirst := range []bool{true, false} {
		t.Run(map[bool]string{true: "logs first", false: "spans first"}[logsFirst], func(t *testing.T) {
			a, s, clock := testAssembler(t, 2*time.Second, 100)
			ctx := context.Background()
			td := loadTraces(t, "c_semconv_v128_log_events.traces.json")
			ld := loadLogs(t, "c_semconv_v128_log_events.logs.json")
			if logsFirst {
				require.NoError(t, a.ConsumeLogs(ctx, ld))
				require.NoError(t, a.ConsumeTraces(ctx, td))
			} else {
				require.NoError(t, a.ConsumeTraces(ctx, td))
				require.NoError(t, a.ConsumeLogs(ctx, ld))
			}
			clock.add(a.grace)
			a.releaseDue()
			require.Equal(t, 1, s.requests())
			assert.Equal(t, td.SpanCount(), s.traces[0].SpanCount(), "no synthetic span: every event found its span")
			events := 0
			for _, sp := range s.all() {
				for i := 0; i < sp.Events().Len(); i++ {
					ev := sp.Events().At(i)
					if strings.HasPrefix(ev.Name(), "gen_ai.") {
						events++
						_, body := ev.Attributes().Get(AttrEventBody)
						assert.True(t, body, "the record's body travels with the event")
					}
				}
			}
			assert.Equal(t, ld.LogRecordCount(), events, "every log event joined its span")
		})
	}
}

func TestLogsAloneAfterWait(t *testing.T) {
	a, s, clock := testAssembler(t, 2*time.Second, 100)
	ld := loadLogs(t, "a2_semconv_inference_operation_details.logs.json")
	require.NoError(t, a.ConsumeLogs(context.Background(), ld))
	clock.add(2 * time.Second)
	a.releaseDue()
	require.Equal(t, 1, s.count())
	for _, sp := range s.all() {
		assert.True(t, hasAttr(sp, AttrSynthetic), "a span stands in for the events")
		assert.Equal(t, []string{"gen_ai.client.inference.operation.details"}, eventNames(sp))
	}
}

func TestPressureReleasesOldestFirst(t *testing.T) {
	a, s, _ := testAssembler(t, time.Hour, 2)
	ctx := context.Background()
	var ids []pcommon.TraceID
	for _, f := range []string{"a_semconv_latest_agent", "d_openllmetry_indexed", "e_openinference"} {
		td := loadTraces(t, f+".traces.json")
		ids = append(ids, td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).TraceID())
		require.NoError(t, a.ConsumeTraces(ctx, td))
	}
	require.Equal(t, 1, s.count(), "the third trace pushes the first out")
	assert.True(t, traceIDs(s.traces[0])[ids[0]])
	assert.Len(t, a.held, 2)

	a.Shutdown(ctx)
	assert.Equal(t, 3, s.count(), "shutdown releases everything held, never drops")
	assert.Empty(t, a.held)
}

func TestLatePiecesArePartial(t *testing.T) {
	a, s, clock := testAssembler(t, time.Second, 100)
	ctx := context.Background()
	td := loadTraces(t, "c_semconv_v128_log_events.traces.json")
	require.NoError(t, a.ConsumeTraces(ctx, td))
	clock.add(time.Second) // its model calls wait for their log events for the whole wait
	a.releaseDue()
	require.Equal(t, 1, s.requests())
	pdatautil.ForEachSpan(s.traces[0], func(sp ptrace.Span) { assert.False(t, hasAttr(sp, AttrPartial)) })

	require.NoError(t, a.ConsumeLogs(ctx, loadLogs(t, "c_semconv_v128_log_events.logs.json")))
	clock.add(time.Second)
	a.releaseDue()
	require.Equal(t, 2, s.requests())
	late := s.traces[1]
	assert.Equal(t, 2, late.SpanCount(), "only the two synthetic spans carrying the late events, no resent span")
	pdatautil.ForEachSpan(late, func(sp ptrace.Span) {
		assert.True(t, hasAttr(sp, AttrPartial))
		assert.True(t, hasAttr(sp, AttrSynthetic))
	})
}

func TestWaitZeroPassesThrough(t *testing.T) {
	a, s, _ := testAssembler(t, 0, 100)
	ctx := context.Background()
	td := loadTraces(t, "a_semconv_latest_agent.traces.json")
	require.NoError(t, a.ConsumeTraces(ctx, td))
	require.Equal(t, 1, s.requests())
	assert.Equal(t, td.SpanCount(), s.traces[0].SpanCount())
	require.NoError(t, a.ConsumeLogs(ctx, loadLogs(t, "a2_semconv_inference_operation_details.logs.json")))
	require.Equal(t, 2, s.requests(), "each batch goes alone")
	pdatautil.ForEachSpan(s.traces[1], func(sp ptrace.Span) { assert.True(t, hasAttr(sp, AttrSynthetic)) })
}

func TestLogsWithoutContext(t *testing.T) {
	a, s, _ := testAssembler(t, time.Hour, 100)
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	lr := lrs.AppendEmpty()
	lr.SetEventName("gen_ai.user.message")
	lr.Body().SetEmptyMap().PutStr("content", "no trace context")
	lrs.AppendEmpty().Body().SetStr("ordinary log line")
	require.NoError(t, a.ConsumeLogs(context.Background(), ld))
	require.Equal(t, 1, s.requests(), "nothing to wait for")
	assert.Equal(t, 1, s.traces[0].SpanCount(), "the ordinary line is skipped")
	assert.Empty(t, a.held)
}

func TestPiecesAfterRootExtendByGrace(t *testing.T) {
	a, s, clock := testAssembler(t, 2*time.Second, 100)
	ctx := context.Background()
	td := loadTraces(t, "a_semconv_latest_agent.traces.json")
	require.NoError(t, a.ConsumeTraces(ctx, pdatautil.SpansWhere(td, isRoot)))
	for _, id := range aChildren {
		clock.add(a.grace - time.Millisecond)
		a.releaseDue()
		require.Equal(t, 0, s.count())
		require.NoError(t, a.ConsumeTraces(ctx, pdatautil.SpansWhere(td, only(id))))
	}
	clock.add(a.grace)
	a.releaseDue()
	require.Equal(t, 1, s.requests())
	assert.ElementsMatch(t, spanIDs(td), spanIDs(s.traces[0]))

	// the extension never goes past wait after the root
	e := loadTraces(t, "e_openinference.traces.json")
	require.NoError(t, a.ConsumeTraces(ctx, pdatautil.SpansWhere(e, isRoot)))
	for range 10 {
		clock.add(a.grace - time.Millisecond)
		require.NoError(t, a.ConsumeTraces(ctx, pdatautil.SpansWhere(e, func(s ptrace.Span) bool { return !isRoot(s) })))
		a.releaseDue()
	}
	assert.GreaterOrEqual(t, s.count(), 2, "released at root + wait at the latest")
}

func TestBookkeepingStaysBounded(t *testing.T) {
	a, s, _ := testAssembler(t, time.Hour, 10)
	ctx := context.Background()
	for chunk := range 50 {
		require.NoError(t, a.ConsumeTraces(ctx, turns(chunk, 100, 16)))
	}
	assert.LessOrEqual(t, len(a.held), 10)
	assert.LessOrEqual(t, len(a.deadlines), 2*len(a.held)+1024, "superseded deadlines are dropped")
	assert.LessOrEqual(t, len(a.fifo), 1024)
	assert.Equal(t, 4990, s.count())
}

// Every trace released in one tick goes to the queue as one request; a
// queue that counts items gets requests of at most a sixteenth of its size,
// so that a request is refused only when the queue is nearly full.
func TestReleasesInGroups(t *testing.T) {
	a, s, clock := testAssembler(t, time.Second, 10_000)
	ctx := context.Background()
	for chunk := range 10 {
		require.NoError(t, a.ConsumeTraces(ctx, turns(chunk, 100, 16)))
	}
	clock.add(time.Second)
	a.releaseDue()
	assert.Equal(t, 1000, s.count())
	assert.Equal(t, 1, s.requests(), "one request for the whole tick")

	b, s2, clock2 := testAssembler(t, time.Second, 10_000)
	b.limit = Limit{sizer: exporterhelper.RequestSizerTypeItems, capacity: 1000}
	for chunk := range 10 {
		require.NoError(t, b.ConsumeTraces(ctx, turns(chunk, 100, 16))) // 4 spans a turn
	}
	clock2.add(time.Second)
	b.releaseDue()
	assert.Equal(t, 1000, s2.count())
	assert.Equal(t, 67, s2.requests(), "4,000 spans in requests of at most 62 (a sixteenth of the capacity)")
	for _, td := range s2.traces {
		assert.LessOrEqual(t, td.SpanCount(), 62)
	}
}

func TestWaitsForLogContentOfModelCalls(t *testing.T) {
	a, s, clock := testAssembler(t, 2*time.Second, 100)
	ctx := context.Background()
	// c: the chat spans carry no content, the root has arrived
	require.NoError(t, a.ConsumeTraces(ctx, loadTraces(t, "c_semconv_v128_log_events.traces.json")))
	clock.add(1500 * time.Millisecond)
	a.releaseDue()
	require.Equal(t, 0, s.count(), "not released at root + grace: the content is expected as log events")
	require.NoError(t, a.ConsumeLogs(ctx, loadLogs(t, "c_semconv_v128_log_events.logs.json")))
	clock.add(a.grace)
	a.releaseDue()
	require.Equal(t, 1, s.count(), "released a grace after the events came")

	// spans that carry their content do not wait
	require.NoError(t, a.ConsumeTraces(ctx, loadTraces(t, "a_semconv_latest_agent.traces.json")))
	clock.add(a.grace)
	a.releaseDue()
	assert.Equal(t, 2, s.count())
}

func TestHoldsWhatTheQueueRefuses(t *testing.T) {
	a, s, clock := testAssembler(t, time.Second, 2)
	var refuse atomic.Bool
	refuse.Store(true)
	a.next = func(ctx context.Context, td ptrace.Traces) error {
		if refuse.Load() {
			return errors.New("sending queue is full")
		}
		return s.consume(ctx, td)
	}
	ctx := context.Background()
	a1 := loadTraces(t, "a_semconv_latest_agent.traces.json")
	a1IDs := spanIDs(a1) // the stage takes the spans
	require.NoError(t, a.ConsumeTraces(ctx, a1))
	require.NoError(t, a.ConsumeLogs(ctx, loadLogs(t, "a2_semconv_inference_operation_details.logs.json")))
	clock.add(a.grace)
	a.releaseDue()
	assert.Len(t, a.held, 1, "refused: held again, not dropped")
	require.NoError(t, a.ConsumeTraces(ctx, loadTraces(t, "d_openllmetry_indexed.traces.json")))
	assert.ErrorIs(t, a.ConsumeTraces(ctx, loadTraces(t, "e_openinference.traces.json")), ErrFull,
		"max_traces held and the queue refuses: push back on the receiver")

	refuse.Store(false)
	clock.add(retryRelease)
	a.releaseDue()
	require.Equal(t, 2, s.count())
	got := s.all()
	for _, id := range a1IDs {
		require.Contains(t, got, mustSpanID(t, id))
	}
	joined := 0
	for _, sp := range got {
		for _, n := range eventNames(sp) {
			if n == "gen_ai.client.inference.operation.details" {
				joined++
			}
		}
	}
	assert.Equal(t, 1, joined, "the log event joined once, not again on the retried release")
	assert.NoError(t, a.ConsumeTraces(ctx, loadTraces(t, "e_openinference.traces.json")), "accepted again")
}

func mustSpanID(t *testing.T, s string) pcommon.SpanID {
	var id pcommon.SpanID
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	copy(id[:], b)
	return id
}
