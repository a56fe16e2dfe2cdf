package assembly

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/genaitest"
)

// While data flows, what is due leaves with the calls that bring data: the
// timer (a tick late) fires only when no call comes, so a busy collector is
// not woken ten times a second for releases (each wakeup of a collector
// that shares its core costs it more than the release itself).
func TestReleaseRidesOnIncomingCalls(t *testing.T) {
	a, s := startedAssembler(t) // tick 40 ms, grace 100 ms

	const turns = 60
	start := time.Now()
	for i := range turns {
		td := ptrace.NewTraces()
		genaitest.AgentTurn(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans(),
			genaitest.TraceID("ride", i), start, "hello", "hi")
		require.NoError(t, a.ConsumeTraces(context.Background(), td))
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	whileFlowing := a.timerFires.Load()
	releasedWhileFlowing := s.count()
	// a ticker fires every 40 ms; a stall of the machine longer than the
	// tick may let the timer fire now and then
	assert.LessOrEqual(t, whileFlowing, int64(elapsed/(40*time.Millisecond))/4,
		"the timer fired %d times in %v while calls came every 10 ms", whileFlowing, elapsed)
	assert.Greater(t, releasedWhileFlowing, turns/2, "traces past their grace leave with the next call")

	require.Eventually(t, func() bool { return s.count() == turns }, 3*time.Second, 10*time.Millisecond,
		"the last traces, with no call after them, leave by the timer")
	assert.Greater(t, a.timerFires.Load(), whileFlowing)
}

// An idle stage holds nothing and arms no timer.
func TestIdleStageArmsNoTimer(t *testing.T) {
	a, s := startedAssembler(t)
	td := ptrace.NewTraces()
	genaitest.AgentTurn(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans(), genaitest.TraceID("idle", 1), time.Now(), "hello", "hi")
	require.NoError(t, a.ConsumeTraces(context.Background(), td))
	require.Eventually(t, func() bool { return s.count() == 1 }, 3*time.Second, 10*time.Millisecond)
	fires := a.timerFires.Load()
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, fires, a.timerFires.Load(), "nothing held: no wakeup")
	a.mu.Lock()
	defer a.mu.Unlock()
	assert.True(t, a.armedAt.IsZero())
}

// startedAssembler is a started stage on the real clock, wait 400 ms.
func startedAssembler(t *testing.T) (*Assembler, *sink) {
	a, s, _ := testAssembler(t, 400*time.Millisecond, 10_000)
	a.now = time.Now
	a.Start()
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	return a, s
}
