package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"container/heap"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/precogx/precogxexporter/internal/metadata"
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

// assembler holds the pieces of each trace (spans from the traces pipeline,
// GenAI events from the logs pipeline) until the trace is whole, then hands
// it, log events joined as span events, to next (the sending queue).
type assembler struct {
	wait      time.Duration
	grace     time.Duration
	maxTraces int
	limit     queueLimit // what the sending queue can ever take
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

	refusing      atomic.Bool // the last release was refused by the sending queue
	refusedLogged time.Time

	stop chan struct{}
	done chan struct{}
}

type heldTrace struct {
	id       pcommon.TraceID
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
}

func newAssembler(cfg AssemblyConfig, next func(context.Context, ptrace.Traces) error, tel *metadata.TelemetryBuilder, logger *zap.Logger) *assembler {
	return &assembler{
		wait:      cfg.Wait,
		grace:     min(cfg.Wait/4, maxGrace),
		maxTraces: cfg.MaxTraces,
		next:      next,
		tel:       tel,
		logger:    logger,
		now:       time.Now,
		held:      map[pcommon.TraceID]*heldTrace{},
		released:  newRecentSet(max(4*cfg.MaxTraces, 1024)),
	}
}

func (a *assembler) start() {
	if a.wait <= 0 || a.stop != nil {
		return
	}
	a.stop, a.done = make(chan struct{}), make(chan struct{})
	tick := min(max(a.wait/10, 10*time.Millisecond), 100*time.Millisecond)
	go func() {
		defer close(a.done)
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-a.stop:
				return
			case <-t.C:
				a.releaseDue()
			}
		}
	}()
}

// shutdown releases everything still held into next.
func (a *assembler) shutdown(ctx context.Context) {
	if a.stop != nil {
		close(a.stop)
		<-a.done
		a.stop = nil
	}
	a.mu.Lock()
	var out []*heldTrace
	for _, id := range a.fifo {
		if h, ok := a.held[id]; ok {
			out = append(out, a.take(id, h, causeShutdown))
		}
	}
	a.fifo = a.fifo[:0]
	a.mu.Unlock()
	a.releaseAll(ctx, out)
}

func (a *assembler) consumeTraces(ctx context.Context, td ptrace.Traces) error {
	if a.wait <= 0 {
		own := ptrace.NewTraces()
		td.CopyTo(own)
		stripTraces(own)
		return a.nextFitting(ctx, own)
	}
	if err := a.full(); err != nil {
		return err
	}
	now := a.now()
	a.mu.Lock()
	var late int64
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			dst := map[pcommon.TraceID]ptrace.SpanSlice{}
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				h, isLate := a.hold(span.TraceID(), now)
				if isLate {
					late++
				}
				slice, ok := dst[span.TraceID()]
				if !ok {
					nrs := h.td.ResourceSpans().AppendEmpty()
					rs.Resource().CopyTo(nrs.Resource())
					nrs.SetSchemaUrl(rs.SchemaUrl())
					nss := nrs.ScopeSpans().AppendEmpty()
					ss.Scope().CopyTo(nss.Scope())
					nss.SetSchemaUrl(ss.SchemaUrl())
					slice = nss.Spans()
					dst[span.TraceID()] = slice
				}
				held := slice.AppendEmpty()
				span.CopyTo(held)
				stripSpan(held)
				a.grow(h, spanSize(span))
				if span.ParentSpanID().IsEmpty() && !h.rootSeen {
					h.rootSeen, h.rootAt = true, now
				}
				if _, ok := h.logged[span.SpanID()]; !ok && awaitsLogContent(span) {
					if h.awaiting == nil {
						h.awaiting = map[pcommon.SpanID]struct{}{}
					}
					h.awaiting[span.SpanID()] = struct{}{}
				}
				a.reschedule(span.TraceID(), h, now)
			}
		}
	}
	out := a.relieve()
	a.mu.Unlock()
	a.countLate(ctx, late)
	a.releaseAll(ctx, out)
	return nil
}

func (a *assembler) consumeLogs(ctx context.Context, ld plog.Logs) error {
	if a.wait <= 0 {
		td := ptrace.NewTraces()
		st := joinLogs(td, ld)
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
				if !isContentEvent(eventName(lr)) {
					skipped++
					continue
				}
				var target plog.Logs
				tid := lr.TraceID()
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
				lr.CopyTo(held)
				stripInternal(held.Attributes())
			}
		}
	}
	out := a.relieve()
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

// errAssemblyFull pushes back on the receiver (a retryable error): the
// sending queue refuses data and max_traces are held.
var errAssemblyFull = errors.New("precogx: the sending queue is full and assembly holds max_traces traces; retry later")

func (a *assembler) full() error {
	if !a.refusing.Load() {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.held) >= a.maxTraces {
		return errAssemblyFull
	}
	return nil
}

// hold returns the held entry of a trace, creating it; a trace that was
// already released starts a partial entry.
func (a *assembler) hold(id pcommon.TraceID, now time.Time) (*heldTrace, bool) {
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
func (a *assembler) reschedule(id pcommon.TraceID, h *heldTrace, now time.Time) {
	if h.rootSeen && len(h.awaiting) == 0 {
		a.schedule(id, h, earlier(now.Add(a.grace), h.rootAt.Add(a.wait)))
		return
	}
	a.schedule(id, h, now.Add(a.wait))
}

// awaitsLogContent tells a semconv model-call span that carries no content:
// instrumentations that record content as log events send it separately.
func awaitsLogContent(span ptrace.Span) bool {
	attrs := span.Attributes()
	op, ok := attrs.Get("gen_ai.operation.name")
	if !ok {
		return false
	}
	switch op.Str() {
	case "chat", "text_completion", "generate_content":
	default:
		return false
	}
	for _, k := range []string{"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.prompt", "gen_ai.completion"} {
		if _, ok := attrs.Get(k); ok {
			return false
		}
	}
	evs := span.Events()
	for i := 0; i < evs.Len(); i++ {
		if strings.HasPrefix(evs.At(i).Name(), "gen_ai.") {
			return false
		}
	}
	return true
}

func (a *assembler) schedule(id pcommon.TraceID, h *heldTrace, at time.Time) {
	a.version++
	h.version, h.deadline = a.version, at
	heap.Push(&a.deadlines, deadline{at: at, id: id, version: h.version})
	if len(a.deadlines) > 2*len(a.held)+1024 {
		a.compactDeadlines()
	}
}

// compactDeadlines drops superseded deadlines, so the heap stays in
// proportion to the traces held.
func (a *assembler) compactDeadlines() {
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

func (a *assembler) grow(h *heldTrace, n int64) {
	h.bytes += n
	a.tel.PrecogxAssemblyHeldBytes.Add(context.Background(), n)
}

// take removes a held trace released for cause; the caller holds the lock.
func (a *assembler) take(id pcommon.TraceID, h *heldTrace, cause string) *heldTrace {
	h.cause = cause
	delete(a.held, id)
	a.released.add(id)
	a.tel.PrecogxTracesHeld.Add(context.Background(), -1)
	a.tel.PrecogxAssemblyHeldBytes.Add(context.Background(), -h.bytes)
	return h
}

// relieve releases the oldest traces beyond max_traces; the caller holds the lock.
func (a *assembler) relieve() []*heldTrace {
	var out []*heldTrace
	for len(a.held) > a.maxTraces && len(a.fifo) > 0 {
		id := a.fifo[0]
		a.fifo = a.fifo[1:]
		if h, ok := a.held[id]; ok {
			out = append(out, a.take(id, h, causePressure))
		}
	}
	if len(out) > 0 {
		a.compactFIFO()
	}
	return out
}

func (a *assembler) releaseDue() {
	now := a.now()
	var due []*heldTrace
	a.mu.Lock()
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
		due = append(due, a.take(d.id, h, cause))
	}
	a.compactFIFO()
	a.mu.Unlock()
	a.releaseAll(context.Background(), due)
}

// compactFIFO drops released ids from the front of the arrival queue.
func (a *assembler) compactFIFO() {
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

// releaseAll hands released traces to the sending queue together, as few
// requests as fit (one per tick normally): a queue that counts requests
// then holds many traces per slot, and the batcher gets full batches.
func (a *assembler) releaseAll(ctx context.Context, hs []*heldTrace) {
	var g group
	for _, h := range hs {
		if h.ld.LogRecordCount() > 0 {
			a.countJoin(ctx, joinLogs(h.td, h.ld))
			h.ld = plog.NewLogs() // joined: a retried release must not join them again
		}
		if h.partial {
			markPartial(h.td)
		}
		if h.td.SpanCount() == 0 {
			continue
		}
		size := a.limit.size(h.td)
		if a.limit.capacity > 0 && size > a.limit.capacity/2 {
			// too large to share a request: alone, in parts when needed
			var alone group
			alone.add(h, size)
			a.send(ctx, &alone)
			continue
		}
		if a.limit.capacity > 0 && g.size+size > a.limit.capacity/2 {
			a.send(ctx, &g)
			g = group{}
		}
		g.add(h, size)
	}
	a.send(ctx, &g)
}

// group is traces released together, one request for the sending queue.
type group struct {
	members []*heldTrace
	td      ptrace.Traces
	size    int64
}

// add moves h's spans into the group; each resource entry stays one trace's.
func (g *group) add(h *heldTrace, size int64) {
	if len(g.members) == 0 {
		g.td = ptrace.NewTraces()
	}
	h.td.ResourceSpans().MoveAndAppendTo(g.td.ResourceSpans())
	g.members = append(g.members, h)
	g.size += size
}

// send queues a group; what the queue refuses goes back to its traces,
// which are held again (or dropped at shutdown, logged).
func (a *assembler) send(ctx context.Context, g *group) {
	if len(g.members) == 0 {
		return
	}
	rest, err := a.queue(ctx, g.td)
	a.refusing.Store(err != nil && !errors.Is(err, errSpanTooLarge))
	back := map[pcommon.TraceID]*heldTrace{}
	if err != nil {
		for _, h := range g.members {
			back[h.id] = h
		}
		rss := rest.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			if h := back[firstTraceID(rss.At(i))]; h != nil {
				rss.At(i).MoveTo(h.td.ResourceSpans().AppendEmpty())
			}
		}
	}
	queued := map[string]int64{}
	for _, h := range g.members {
		if err == nil || h.td.SpanCount() == 0 {
			queued[h.cause]++
			continue
		}
		if h.cause == causeShutdown || h.id.IsEmpty() || errors.Is(err, errSpanTooLarge) {
			a.logger.Error("could not queue an assembled trace; dropping it", zap.String("cause", h.cause), zap.Int("spans", h.td.SpanCount()), zap.Error(err))
			continue
		}
		a.rehold(h, err)
	}
	for cause, n := range queued {
		a.tel.PrecogxTracesReleased.Add(ctx, n, metric.WithAttributes(attribute.String("cause", cause)))
	}
}

func firstTraceID(rs ptrace.ResourceSpans) pcommon.TraceID {
	sss := rs.ScopeSpans()
	for i := 0; i < sss.Len(); i++ {
		if spans := sss.At(i).Spans(); spans.Len() > 0 {
			return spans.At(0).TraceID()
		}
	}
	return pcommon.TraceID{}
}

// errSpanTooLarge is a span that alone exceeds the sending queue's capacity
// (bytes sizer): no part of the trace holding it can ever be queued whole.
var errSpanTooLarge = errors.New("precogx: a span alone is larger than sending_queue.queue_size (bytes); raise queue_size")

// queue hands td to the sending queue, in parts when it is larger than the
// queue can ever hold (SPEC 11.6); it returns what the queue refused.
func (a *assembler) queue(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	parts, ok := a.limit.fit(td)
	if !ok {
		return td, errSpanTooLarge
	}
	for i, p := range parts {
		if err := a.next(ctx, p); err != nil {
			rest := ptrace.NewTraces()
			for _, q := range parts[i:] {
				q.ResourceSpans().MoveAndAppendTo(rest.ResourceSpans())
			}
			return rest, err
		}
	}
	return ptrace.Traces{}, nil
}

// nextFitting queues td without holding it (assembly.wait 0).
func (a *assembler) nextFitting(ctx context.Context, td ptrace.Traces) error {
	_, err := a.queue(ctx, td)
	return err
}

// retryRelease is how long a trace the queue refused waits before the next try.
const retryRelease = time.Second

// rehold keeps a trace the sending queue refused (full) and tries again
// later: assembly never drops, it pushes back on the receiver instead.
func (a *assembler) rehold(h *heldTrace, err error) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if other, ok := a.held[h.id]; ok {
		// pieces came in meanwhile: they go with the refused ones
		other.td.ResourceSpans().MoveAndAppendTo(h.td.ResourceSpans())
		other.ld.ResourceLogs().MoveAndAppendTo(h.ld.ResourceLogs())
		h.bytes += other.bytes
		a.tel.PrecogxTracesHeld.Add(context.Background(), -1)
		a.tel.PrecogxAssemblyHeldBytes.Add(context.Background(), -other.bytes)
	} else {
		a.fifo = append(a.fifo, h.id)
	}
	a.held[h.id] = h
	a.tel.PrecogxTracesHeld.Add(context.Background(), 1)
	a.tel.PrecogxAssemblyHeldBytes.Add(context.Background(), h.bytes)
	a.schedule(h.id, h, now.Add(retryRelease))
	if now.Sub(a.refusedLogged) >= time.Minute {
		a.refusedLogged = now
		a.logger.Warn("the sending queue refuses assembled traces; holding them and pushing back on the receivers (logged at most once a minute)",
			zap.Int("traces_held", len(a.held)), zap.Error(err))
	}
}

func (a *assembler) countJoin(ctx context.Context, st joinStats) {
	if n := st.joined + st.orphans; n > 0 {
		a.tel.PrecogxLogRecordsMapped.Add(ctx, n)
	}
	if st.skipped > 0 {
		a.tel.PrecogxLogRecordsSkipped.Add(ctx, st.skipped)
	}
}

func (a *assembler) countLate(ctx context.Context, n int64) {
	if n > 0 {
		a.tel.PrecogxLatePieces.Add(ctx, n)
	}
}

func markPartial(td ptrace.Traces) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				spans.At(k).Attributes().PutBool(attrPartial, true)
			}
		}
	}
}

// spanSize estimates the memory a held span takes.
func spanSize(s ptrace.Span) int64 {
	n := int64(200+len(s.Name())) + mapSize(s.Attributes())
	evs := s.Events()
	for i := 0; i < evs.Len(); i++ {
		n += int64(64+len(evs.At(i).Name())) + mapSize(evs.At(i).Attributes())
	}
	return n
}

func logSize(lr plog.LogRecord) int64 {
	return 160 + mapSize(lr.Attributes()) + valueSize(lr.Body())
}

func mapSize(m pcommon.Map) int64 {
	var n int64
	m.Range(func(k string, v pcommon.Value) bool {
		n += int64(32+len(k)) + valueSize(v)
		return true
	})
	return n
}

func valueSize(v pcommon.Value) int64 {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return int64(len(v.Str()))
	case pcommon.ValueTypeBytes:
		return int64(v.Bytes().Len())
	case pcommon.ValueTypeMap:
		return mapSize(v.Map())
	case pcommon.ValueTypeSlice:
		var n int64
		for i := 0; i < v.Slice().Len(); i++ {
			n += 24 + valueSize(v.Slice().At(i))
		}
		return n
	}
	return 8
}

type deadline struct {
	at      time.Time
	id      pcommon.TraceID
	version uint64
}

type deadlineHeap []deadline

func (h deadlineHeap) Len() int           { return len(h) }
func (h deadlineHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h deadlineHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deadlineHeap) Push(x any)        { *h = append(*h, x.(deadline)) }
func (h *deadlineHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// recentSet remembers the last n trace ids added.
type recentSet struct {
	ring []pcommon.TraceID
	next int
	set  map[pcommon.TraceID]struct{}
}

func newRecentSet(n int) recentSet {
	return recentSet{ring: make([]pcommon.TraceID, 0, n), set: make(map[pcommon.TraceID]struct{}, n)}
}

func (r *recentSet) has(id pcommon.TraceID) bool {
	_, ok := r.set[id]
	return ok
}

func (r *recentSet) add(id pcommon.TraceID) {
	if r.has(id) {
		return
	}
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, id)
	} else {
		delete(r.set, r.ring[r.next])
		r.ring[r.next] = id
		r.next = (r.next + 1) % cap(r.ring)
	}
	r.set[id] = struct{}{}
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
