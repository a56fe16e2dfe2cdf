package assembly // import "github.com/precogx/precogxexporter/internal/assembly"

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
)

// releaseAll hands released traces to the sending queue together, as few
// requests as fit (one per tick normally): a queue that counts requests
// then holds many traces per slot, and the batcher gets full batches. A
// queue that counts items or bytes gets groups of at most a sixteenth of its
// capacity, so that a group is refused only when the queue is nearly full.
func (a *Assembler) releaseAll(ctx context.Context, hs []*heldTrace) {
	var g group
	groupCap := a.limit.capacity / 16
	for _, h := range hs {
		if h.ld.LogRecordCount() > 0 {
			a.countJoin(ctx, JoinLogs(h.td, h.ld, a.hints.IsContentEvent))
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
		if a.limit.capacity > 0 && len(g.members) > 0 && g.size+size > groupCap {
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
func (a *Assembler) send(ctx context.Context, g *group) {
	if len(g.members) == 0 {
		return
	}
	rest, err := a.queue(ctx, g.td)
	a.refusing.Store(err != nil && !errors.Is(err, errSpanTooLarge))
	back := map[pcommon.TraceID]*heldTrace{}
	if err != nil {
		for _, h := range g.members {
			for _, id := range h.members() {
				back[id] = h
			}
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
			queued[h.cause] += int64(len(h.members()))
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
// queue can ever hold (SECURITY.md: no poison trace); it returns what the queue refused.
func (a *Assembler) queue(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
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
func (a *Assembler) nextFitting(ctx context.Context, td ptrace.Traces) error {
	_, err := a.queue(ctx, td)
	return err
}

// retryRelease is how long a trace the queue refused waits before the next try.
const retryRelease = time.Second

// rehold keeps a trace the sending queue refused (full) and tries again
// later: assembly never drops, it pushes back on the receiver instead.
func (a *Assembler) rehold(h *heldTrace, err error) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.held[h.id]; !ok {
		a.fifo = append(a.fifo, h.id)
	}
	members := h.members()
	for i := 0; i < len(members); i++ {
		id := members[i]
		if other, ok := a.held[id]; ok && other != h {
			// pieces came in meanwhile: they go with the refused ones, and
			// so do the traces that share their entry
			other.td.ResourceSpans().MoveAndAppendTo(h.td.ResourceSpans())
			other.ld.ResourceLogs().MoveAndAppendTo(h.ld.ResourceLogs())
			h.bytes += other.bytes
			theirs := other.members()
			for _, o := range theirs {
				if !slices.Contains(members, o) {
					members = append(members, o)
				}
				a.held[o] = h
			}
			a.tel.PrecogxTracesHeld.Add(context.Background(), -int64(len(theirs)))
			a.tel.PrecogxAssemblyHeldBytes.Add(context.Background(), -other.bytes)
		}
		a.held[id] = h
	}
	if len(members) > 1 {
		h.ids = members
	}
	a.tel.PrecogxTracesHeld.Add(context.Background(), int64(len(members)))
	a.tel.PrecogxAssemblyHeldBytes.Add(context.Background(), h.bytes)
	a.schedule(h.id, h, now.Add(retryRelease))
	if now.Sub(a.refusedLogged) >= time.Minute {
		a.refusedLogged = now
		a.logger.Warn("the sending queue refuses assembled traces; holding them and pushing back on the receivers (logged at most once a minute)",
			zap.Int("traces_held", len(a.held)), zap.Error(err))
	}
}
