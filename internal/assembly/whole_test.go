package assembly

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"

	"github.com/precogx/precogxexporter/internal/metadata"
	"github.com/precogx/precogxexporter/internal/metadatatest"
	"github.com/precogx/precogxexporter/internal/pdatautil"
)

// A call of whole traces is held as it came: one entry, one deadline; the
// counters still count traces.
func TestWholeTracesShareOneEntry(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	tb, err := metadata.NewTelemetryBuilder(tt.NewTelemetrySettings())
	require.NoError(t, err)
	s := &sink{}
	a := New(Config{Wait: 2 * time.Second, MaxTraces: 100, Hints: testHints}, s.consume, tb, zap.NewNop())
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	a.now = clock.now
	ctx := context.Background()

	td := turns(0, 50, 16)
	want := spanIDs(td)
	require.NoError(t, a.ConsumeTraces(ctx, td))
	require.Len(t, a.held, 50)
	assert.Len(t, entries(a), 1, "one entry for the call's traces")
	assert.Len(t, a.fifo, 1)
	assert.Len(t, a.deadlines, 1)
	ignore := []metricdatatest.Option{metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars()}
	metadatatest.AssertEqualPrecogxTracesHeld(t, tt, []metricdata.DataPoint[int64]{{Value: 50}}, ignore...)

	clock.add(a.grace - time.Millisecond)
	a.releaseDue()
	assert.Equal(t, 0, s.requests(), "the roots wait their grace")
	clock.add(time.Millisecond)
	a.releaseDue()
	require.Equal(t, 1, s.requests())
	assert.ElementsMatch(t, want, spanIDs(s.traces[0]))
	assert.Empty(t, a.held)
	metadatatest.AssertEqualPrecogxTracesHeld(t, tt, []metricdata.DataPoint[int64]{{Value: 0}}, ignore...)
	metadatatest.AssertEqualPrecogxTracesReleased(t, tt, []metricdata.DataPoint[int64]{
		{Value: 50, Attributes: attribute.NewSet(attribute.String("cause", "root"))}}, ignore...)

	// every trace of the entry is known as sent: a late piece is partial
	late := turns(0, 1, 16)
	require.NoError(t, a.ConsumeTraces(ctx, pdatautil.SpansWhere(late, func(s ptrace.Span) bool { return !isRoot(s) })))
	clock.add(2 * time.Second)
	a.releaseDue()
	require.Equal(t, 2, s.requests())
	pdatautil.ForEachSpan(s.traces[1], func(sp ptrace.Span) { assert.True(t, hasAttr(sp, AttrPartial)) })
}

// Pieces that come during the grace for a trace of a whole entry go with it:
// spans and log events, nothing marked partial, the grace starts again.
func TestLatePiecesJoinTheWholeEntry(t *testing.T) {
	a, s, clock := testAssembler(t, 2*time.Second, 100)
	ctx := context.Background()
	td := turns(0, 3, 16)
	all := spanIDs(td)
	var missing pcommon.SpanID
	var missingTrace pcommon.TraceID
	first := pdatautil.SpansWhere(td, func(sp ptrace.Span) bool {
		if missing.IsEmpty() && !isRoot(sp) {
			missing, missingTrace = sp.SpanID(), sp.TraceID()
			return false
		}
		return true
	})
	rest := pdatautil.SpansWhere(td, func(sp ptrace.Span) bool { return sp.SpanID() == missing })
	require.NoError(t, a.ConsumeTraces(ctx, first))
	require.Len(t, a.deadlines, 1, "whole: each trace has its root")

	clock.add(a.grace - time.Millisecond)
	require.NoError(t, a.ConsumeTraces(ctx, rest))
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetEventName("gen_ai.choice")
	lr.SetTraceID(missingTrace)
	lr.SetSpanID(missing)
	lr.Body().SetEmptyMap().PutStr("content", "late event")
	require.NoError(t, a.ConsumeLogs(ctx, ld))
	clock.add(a.grace - time.Millisecond)
	a.releaseDue()
	assert.Equal(t, 0, s.requests(), "each late piece starts the grace again")
	clock.add(time.Millisecond)
	a.releaseDue()
	require.Equal(t, 1, s.requests())
	assert.ElementsMatch(t, all, spanIDs(s.traces[0]))
	got := s.all()
	assert.Equal(t, []string{"gen_ai.choice"}, eventNames(got[missing]), "the event joined its span")
	for _, sp := range got {
		assert.False(t, hasAttr(sp, AttrPartial))
	}
}

// A call that is not all whole traces is taken apart as before: each trace
// keeps its own deadline.
func TestCallWithAPartTraceIsHeldByTrace(t *testing.T) {
	a, s, clock := testAssembler(t, 2*time.Second, 100)
	ctx := context.Background()
	whole := turns(0, 1, 16)
	part := pdatautil.SpansWhere(turns(1, 1, 16), func(sp ptrace.Span) bool { return !isRoot(sp) })
	td := ptrace.NewTraces()
	whole.ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
	part.ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
	require.NoError(t, a.ConsumeTraces(ctx, td))
	require.Len(t, a.held, 2)
	for _, h := range a.held {
		assert.Nil(t, h.ids, "an entry per trace")
	}
	clock.add(a.grace)
	a.releaseDue()
	require.Equal(t, 1, s.count(), "the whole trace after its grace")
	clock.add(2 * time.Second)
	a.releaseDue()
	assert.Equal(t, 2, s.count(), "the other after the wait")
}

// An entry of whole traces that the queue refuses is held again whole, with
// what came for its traces meanwhile, and none is lost or counted twice.
func TestRefusedWholeEntryIsHeldAgain(t *testing.T) {
	a, s, clock := testAssembler(t, time.Second, 100)
	ctx := context.Background()
	late := pdatautil.SpansWhere(turns(0, 1, 16), func(sp ptrace.Span) bool { return !isRoot(sp) })
	lateIDs := spanIDs(late)
	refuse := true
	a.next = func(ctx context.Context, td ptrace.Traces) error {
		if refuse {
			if late.SpanCount() > 0 {
				// a piece of one of its traces comes between take and refusal
				require.NoError(t, a.ConsumeTraces(ctx, late))
			}
			return errors.New("sending queue is full")
		}
		return s.consume(ctx, td)
	}
	td := turns(0, 10, 16)
	want := spanIDs(td)
	require.NoError(t, a.ConsumeTraces(ctx, td))
	clock.add(a.grace)
	a.releaseDue()
	require.Len(t, a.held, 10, "refused: held again, the late piece with it")
	require.Len(t, entries(a), 1, "held again as one entry")

	refuse = false
	clock.add(retryRelease)
	a.releaseDue()
	assert.Empty(t, a.held)
	require.Equal(t, 1, s.requests())
	assert.Equal(t, 10, s.count())
	assert.ElementsMatch(t, append(want, lateIDs...), spanIDs(s.traces[0]))
	pdatautil.ForEachSpan(s.traces[0], func(sp ptrace.Span) { assert.False(t, hasAttr(sp, AttrPartial)) })
}

// At max_traces the oldest entry goes early, whole; a call of more traces
// than max_traces is held trace by trace (TestBookkeepingStaysBounded).
func TestPressureReleasesTheOldestWholeEntry(t *testing.T) {
	a, s, _ := testAssembler(t, time.Hour, 100)
	ctx := context.Background()
	first := turns(0, 50, 16)
	firstIDs := traceIDs(first)
	for chunk := range 3 {
		td := first
		if chunk > 0 {
			td = turns(chunk, 50, 16)
		}
		require.NoError(t, a.ConsumeTraces(ctx, td))
	}
	require.Equal(t, 1, s.requests(), "the third call pushes the first out")
	assert.Equal(t, firstIDs, traceIDs(s.traces[0]))
	assert.Len(t, a.held, 100)
	assert.Len(t, entries(a), 2, "the call that met the bound is held whole too")

	a.Shutdown(ctx)
	assert.Equal(t, 150, s.count(), "shutdown releases everything held")
	assert.Empty(t, a.held)
}

func TestRecentSetRemembersTheLastN(t *testing.T) {
	id := func(i int) pcommon.TraceID { return pcommon.TraceID{byte(i >> 16), byte(i >> 8), byte(i), 1} }
	r := newRecentSet(100)
	for i := range 1000 {
		r.add(id(i))
		for back := 0; back < 100 && back <= i; back++ {
			require.True(t, r.has(id(i-back)), "added %d, forgot %d", i, i-back)
		}
		require.LessOrEqual(t, len(r.cur)+len(r.old), 200, "bounded")
	}
	assert.False(t, r.has(id(0)), "long forgotten")
	assert.False(t, r.has(id(799)), "more than 2n ago")
}

// The set's bit table never forgets an id its maps hold, and keeps most ids
// never added away from the maps.
func TestRecentSetBitsAnswerNewIDs(t *testing.T) {
	for _, random := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(1, 2))
		id := func(i int) pcommon.TraceID {
			var b pcommon.TraceID
			if random {
				binary.LittleEndian.PutUint64(b[:8], rng.Uint64())
				binary.LittleEndian.PutUint64(b[8:], rng.Uint64())
				return b
			}
			copy(b[:], fmt.Sprintf("%-5.5s%011d", "turn", i)) // as genaitest.TraceID makes them
			return b
		}
		r := newRecentSet(1000)
		for i := range 5500 {
			r.add(id(i))
		}
		for held := range r.cur {
			require.True(t, r.has(held))
		}
		for held := range r.old {
			require.True(t, r.has(held))
		}
		passed := 0
		for i := 1_000_000; i < 1_010_000; i++ {
			w, m := r.slot(id(i))
			if (r.curBits[w]|r.oldBits[w])&m != 0 {
				passed++
			}
		}
		// 1,500 ids in 2 x 16,384 bits: about 9% pass to the maps
		assert.Less(t, passed, 1_500, "random ids %v: %d of 10,000 new ids went to the maps", random, passed)
	}
}

// entries is the distinct held entries: an entry of whole traces is held
// under each of its trace ids.
func entries(a *Assembler) map[*heldTrace]bool {
	out := map[*heldTrace]bool{}
	for _, h := range a.held {
		out[h] = true
	}
	return out
}
