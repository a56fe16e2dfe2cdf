package assembly // import "github.com/precogx/precogxexporter/internal/assembly"

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/precogx/precogxexporter/internal/metadata"
	"github.com/precogx/precogxexporter/internal/pdatautil"
)

// Release causes, the values of the cause attribute.
const (
	causeRoot     = "root"
	causeWait     = "wait"
	causePressure = "pressure"
	causeShutdown = "shutdown"
)

// maxGrace bounds how long a trace waits for late events once its root span
// has arrived.
const maxGrace = 500 * time.Millisecond

// Assembler holds the pieces of each trace (spans from the traces pipeline,
// GenAI events from the logs pipeline) until the trace is whole, then hands
// it, log events joined as span events, to next (the sending queue).
type Assembler struct {
	wait      time.Duration
	grace     time.Duration
	maxTraces int
	limit     Limit // what the sending queue can ever take
	hints     Hints
	next      func(context.Context, ptrace.Traces) error
	tel       *metadata.TelemetryBuilder
	logger    *zap.Logger
	now       func() time.Time

	mu        sync.Mutex
	held      map[pcommon.TraceID]*heldTrace
	fifo      []pcommon.TraceID // arrival order, for release under pressure
	deadlines deadlineHeap
	released  recentSet // traces already sent, to recognise late pieces
	version   uint64
	call      uint64 // ConsumeTraces calls, to group a call's spans by trace
	// wholeTraces' scratch
	wholeIndex map[pcommon.TraceID]int
	wholeIDs   []pcommon.TraceID
	wholeRoots []bool

	refusing      atomic.Bool // the last release was refused by the sending queue
	refusedLogged time.Time

	// release timing (Start): what is due goes with the next call that
	// brings data, at most once a tick; the timer, a tick later, only when
	// no call comes (each wakeup of an idle collector costs more than the
	// release itself)
	tick        time.Duration
	timer       *time.Timer
	armedAt     time.Time // when the timer fires; zero: stopped
	lastRelease time.Time
	timerFires  atomic.Int64
	stop        chan struct{}
	done        chan struct{}
}

type heldTrace struct {
	id       pcommon.TraceID
	ids      []pcommon.TraceID // the traces of an entry of whole traces (whole.go); nil: id alone
	td       ptrace.Traces
	ld       plog.Logs
	bytes    int64
	rootSeen bool
	rootAt   time.Time
	partial  bool
	// model-call spans without content, whose content should come as log
	// events (the official instrumentations), and spans that had events
	awaiting map[pcommon.SpanID]struct{}
	logged   map[pcommon.SpanID]struct{}
	deadline time.Time
	version  uint64
	cause    string // why it was released
	// where the current ConsumeTraces call puts this trace's spans
	call       uint64
	res, scope int
	into       ptrace.ScopeSpans
}

// Config is how long and how many traces wait, what the sending queue can
// take, and what the GenAI conventions say about events and spans.
type Config struct {
	// Wait is how long a trace may wait for missing pieces after its last
	// one; 0 hands on what each call brings alone.
	Wait time.Duration
	// MaxTraces bounds the traces held; at the bound the oldest goes early.
	MaxTraces int
	// Limit is the largest request the sending queue can ever take.
	Limit Limit
	Hints Hints
}

// Hints are the GenAI rules the stage needs, from the mapping's encodings
// (never copied here).
type Hints struct {
	// IsContentEvent tells a log event that belongs to a span's content.
	IsContentEvent func(eventName string) bool
	// AwaitsLogContent tells a model-call span whose content is expected as
	// log events (it carries none itself).
	AwaitsLogContent func(ptrace.Span) bool
}

// New returns a stage that hands whole traces to next (the sending queue).
func New(cfg Config, next func(context.Context, ptrace.Traces) error, tel *metadata.TelemetryBuilder, logger *zap.Logger) *Assembler {
	return &Assembler{
		wait:      cfg.Wait,
		grace:     min(cfg.Wait/4, maxGrace),
		maxTraces: cfg.MaxTraces,
		limit:     cfg.Limit,
		hints:     cfg.Hints,
		next:      next,
		tel:       tel,
		logger:    logger,
		now:       time.Now,
		held:      map[pcommon.TraceID]*heldTrace{},
		released:  newRecentSet(max(4*cfg.MaxTraces, 1024)),
	}
}

// Start begins releasing traces when they are due.
func (a *Assembler) Start() {
	if a.wait <= 0 || a.stop != nil {
		return
	}
	a.stop, a.done = make(chan struct{}), make(chan struct{})
	a.mu.Lock()
	a.tick = min(max(a.wait/10, 10*time.Millisecond), 100*time.Millisecond)
	a.timer = time.NewTimer(time.Hour)
	a.timer.Stop()
	a.armedAt = time.Time{}
	if len(a.deadlines) > 0 {
		a.arm(a.deadlines[0].at)
	}
	fired := a.timer.C
	a.mu.Unlock()
	go func() {
		defer close(a.done)
		for {
			select {
			case <-a.stop:
				return
			case <-fired:
				a.timerFires.Add(1)
				a.releaseDue()
			}
		}
	}()
}

// arm sets the timer a tick after at (and after the next tick since the
// last release) unless it fires earlier already; the caller holds the lock.
func (a *Assembler) arm(at time.Time) {
	if a.timer == nil {
		return
	}
	fire := at
	if next := a.lastRelease.Add(a.tick); next.After(fire) {
		fire = next
	}
	fire = fire.Add(a.tick)
	if a.armedAt.IsZero() || fire.Before(a.armedAt) {
		a.armedAt = fire
		a.timer.Reset(fire.Sub(a.now()))
	}
}

// Shutdown releases everything still held into next.
func (a *Assembler) Shutdown(ctx context.Context) {
	if a.stop != nil {
		close(a.stop)
		<-a.done
		a.stop = nil
	}
	a.mu.Lock()
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
	}
	var out []*heldTrace
	for _, id := range a.fifo {
		if h, ok := a.held[id]; ok {
			out = append(out, a.take(h, causeShutdown))
		}
	}
	a.fifo = a.fifo[:0]
	a.mu.Unlock()
	a.releaseAll(ctx, out)
}

// ConsumeTraces holds the spans of td by trace until each trace is due. The
// stage owns td (the exporter declares MutatesData): spans are moved, not
// copied.
func (a *Assembler) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	if a.wait <= 0 {
		stripTraces(td)
		return a.nextFitting(ctx, td)
	}
	if err := a.full(); err != nil {
		return err
	}
	now := a.now()
	a.mu.Lock()
	if ids, ok := a.wholeTraces(td); ok {
		a.holdWhole(td, ids, now)
		out := a.alsoDue(a.relieve(), now)
		a.mu.Unlock()
		a.releaseAll(ctx, out)
		return nil
	}
	a.call++
	var late int64
	var touched []*heldTrace
	// a plain loop: pdatautil.ForEachSpanIn with this body costs three more
	// allocations per call (BenchmarkAssemblyRelease)
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				id := span.TraceID()
				h, isLate := a.hold(id, now)
				if isLate {
					late++
				}
				if h.call != a.call || h.res != i || h.scope != j {
					if h.call != a.call {
						// first span of this trace in this call
						h.call = a.call
						touched = append(touched, h)
					}
					// its own resource and scope entry
					h.into = pdatautil.AppendScope(h.td, rs, ss)
					h.scope, h.res = j, i
				}
				if span.ParentSpanID().IsEmpty() && !h.rootSeen {
					h.rootSeen, h.rootAt = true, now
				}
				if _, ok := h.logged[span.SpanID()]; !ok && a.hints.AwaitsLogContent(span) {
					if h.awaiting == nil {
						h.awaiting = map[pcommon.SpanID]struct{}{}
					}
					h.awaiting[span.SpanID()] = struct{}{}
				}
				held := h.into.Spans().AppendEmpty()
				span.MoveTo(held)
				stripSpan(held)
				a.grow(h, spanSize(held))
			}
		}
	}
	for _, h := range touched {
		a.reschedule(h.id, h, now)
	}
	out := a.alsoDue(a.relieve(), now)
	a.mu.Unlock()
	a.countLate(ctx, late)
	a.releaseAll(ctx, out)
	return nil
}

// ConsumeLogs holds the GenAI events of ld with their trace; others are
// skipped and counted. The stage owns ld: records are moved, not copied.
func (a *Assembler) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if a.wait <= 0 {
		td := ptrace.NewTraces()
		st := JoinLogs(td, ld, a.hints.IsContentEvent)
		a.countJoin(ctx, st)
		if td.SpanCount() == 0 {
			return nil
		}
		return a.nextFitting(ctx, td)
	}
	if err := a.full(); err != nil {
		return err
	}
	now := a.now()
	var skipped, late int64
	// events without a trace context cannot wait for anything: sent at once
	loose := plog.NewLogs()
	a.mu.Lock()
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			dst := map[pcommon.TraceID]plog.LogRecordSlice{}
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				if !a.hints.IsContentEvent(EventName(lr)) {
					skipped++
					continue
				}
				var target plog.Logs
				tid := lr.TraceID() // read before the record is moved
				if tid.IsEmpty() {
					target = loose
				} else {
					h, isLate := a.hold(tid, now)
					if isLate {
						late++
					}
					target = h.ld
					a.grow(h, logSize(lr))
					if h.logged == nil {
						h.logged = map[pcommon.SpanID]struct{}{}
					}
					h.logged[lr.SpanID()] = struct{}{}
					delete(h.awaiting, lr.SpanID())
					a.reschedule(tid, h, now)
				}
				slice, ok := dst[tid]
				if !ok {
					nrl := target.ResourceLogs().AppendEmpty()
					rl.Resource().CopyTo(nrl.Resource())
					nsl := nrl.ScopeLogs().AppendEmpty()
					sl.Scope().CopyTo(nsl.Scope())
					slice = nsl.LogRecords()
					dst[tid] = slice
				}
				held := slice.AppendEmpty()
				lr.MoveTo(held)
				stripInternal(held.Attributes())
			}
		}
	}
	out := a.alsoDue(a.relieve(), now)
	a.mu.Unlock()
	if skipped > 0 {
		a.tel.PrecogxLogRecordsSkipped.Add(ctx, skipped)
	}
	a.countLate(ctx, late)
	if loose.LogRecordCount() > 0 {
		out = append(out, &heldTrace{td: ptrace.NewTraces(), ld: loose, cause: causeWait})
	}
	a.releaseAll(ctx, out)
	return nil
}

// ErrFull pushes back on the receiver (a retryable error): the
// sending queue refuses data and max_traces are held.
var ErrFull = errors.New("precogx: the sending queue is full and assembly holds max_traces traces; retry later")

func (a *Assembler) full() error {
	if !a.refusing.Load() {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.held) >= a.maxTraces {
		return ErrFull
	}
	return nil
}

// hold returns the held entry of a trace, creating it; a trace that was
// already released starts a partial entry.
func (a *Assembler) hold(id pcommon.TraceID, now time.Time) (*heldTrace, bool) {
	if h, ok := a.held[id]; ok {
		return h, h.partial
	}
	late := a.released.has(id)
	h := &heldTrace{id: id, td: ptrace.NewTraces(), ld: plog.NewLogs(), partial: late}
	a.held[id] = h
	a.fifo = append(a.fifo, id)
	a.tel.PrecogxTracesHeld.Add(context.Background(), 1)
	return h, late
}

// reschedule sets when a trace is released after a new piece: a grace after
// the last piece once the root is there and no model call still waits for
// its log events (capped at wait after the root), else wait after the last piece.
func (a *Assembler) reschedule(id pcommon.TraceID, h *heldTrace, now time.Time) {
	if h.rootSeen && len(h.awaiting) == 0 {
		a.schedule(id, h, earlier(now.Add(a.grace), h.rootAt.Add(a.wait)))
		return
	}
	a.schedule(id, h, now.Add(a.wait))
}

func (a *Assembler) schedule(id pcommon.TraceID, h *heldTrace, at time.Time) {
	a.version++
	h.version, h.deadline = a.version, at
	heap.Push(&a.deadlines, deadline{at: at, id: id, version: h.version})
	a.arm(at)
	if len(a.deadlines) > 2*len(a.held)+1024 {
		a.compactDeadlines()
	}
}

// compactDeadlines drops superseded deadlines, so the heap stays in
// proportion to the traces held.
func (a *Assembler) compactDeadlines() {
	live := a.deadlines[:0]
	for _, d := range a.deadlines {
		if h, ok := a.held[d.id]; ok && h.version == d.version {
			live = append(live, d)
		}
	}
	clear(a.deadlines[len(live):])
	a.deadlines = live
	heap.Init(&a.deadlines)
}

func (a *Assembler) grow(h *heldTrace, n int64) {
	h.bytes += n
	a.tel.PrecogxAssemblyHeldBytes.Add(context.Background(), n)
}

// take removes a held trace released for cause; the caller holds the lock.
func (a *Assembler) take(h *heldTrace, cause string) *heldTrace {
	h.cause = cause
	members := h.members()
	for _, id := range members {
		delete(a.held, id)
		a.released.add(id)
	}
	a.tel.PrecogxTracesHeld.Add(context.Background(), -int64(len(members)))
	a.tel.PrecogxAssemblyHeldBytes.Add(context.Background(), -h.bytes)
	return h
}

// relieve releases the oldest traces beyond max_traces; the caller holds the lock.
func (a *Assembler) relieve() []*heldTrace {
	var out []*heldTrace
	for len(a.held) > a.maxTraces && len(a.fifo) > 0 {
		id := a.fifo[0]
		a.fifo = a.fifo[1:]
		if h, ok := a.held[id]; ok {
			out = append(out, a.take(h, causePressure))
		}
	}
	if len(out) > 0 {
		a.compactFIFO()
	}
	return out
}

func (a *Assembler) releaseDue() {
	now := a.now()
	a.mu.Lock()
	due := a.due(now)
	a.mu.Unlock()
	a.releaseAll(context.Background(), due)
}

// alsoDue adds to out, in a call that brings data, what is due, at most
// once a tick (Start); the caller holds the lock.
func (a *Assembler) alsoDue(out []*heldTrace, now time.Time) []*heldTrace {
	if a.timer == nil || now.Sub(a.lastRelease) < a.tick || len(a.deadlines) == 0 || a.deadlines[0].at.After(now) {
		return out
	}
	return append(out, a.due(now)...)
}

// due takes the traces whose deadline has passed and sets the timer for
// the next; the caller holds the lock.
func (a *Assembler) due(now time.Time) []*heldTrace {
	var out []*heldTrace
	for a.deadlines.Len() > 0 && !a.deadlines[0].at.After(now) {
		d := heap.Pop(&a.deadlines).(deadline)
		h, ok := a.held[d.id]
		if !ok || h.version != d.version {
			continue // superseded by a later deadline
		}
		cause := causeWait
		if h.rootSeen {
			cause = causeRoot
		}
		out = append(out, a.take(h, cause))
	}
	a.compactFIFO()
	a.lastRelease = now
	if a.timer != nil {
		a.armedAt = time.Time{} // fired, or to be set later than before
		if len(a.deadlines) == 0 {
			a.timer.Stop()
		} else {
			a.arm(a.deadlines[0].at)
		}
	}
	return out
}

// compactFIFO drops released ids from the front of the arrival queue.
func (a *Assembler) compactFIFO() {
	n := 0
	for n < len(a.fifo) {
		if _, ok := a.held[a.fifo[n]]; ok {
			break
		}
		n++
	}
	a.fifo = a.fifo[n:]
	if cap(a.fifo) > 1024 && len(a.fifo) < cap(a.fifo)/4 {
		a.fifo = append([]pcommon.TraceID(nil), a.fifo...)
	}
}

func (a *Assembler) countJoin(ctx context.Context, st JoinStats) {
	if n := st.Joined + st.Orphans; n > 0 {
		a.tel.PrecogxLogRecordsMapped.Add(ctx, n)
	}
	if st.Skipped > 0 {
		a.tel.PrecogxLogRecordsSkipped.Add(ctx, st.Skipped)
	}
}

func (a *Assembler) countLate(ctx context.Context, n int64) {
	if n > 0 {
		a.tel.PrecogxLatePieces.Add(ctx, n)
	}
}
