package assembly // import "github.com/precogx/precogxexporter/internal/assembly"

import (
	"context"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/pdatautil"
)

// An SDK exports a turn's spans when they end, the root last, so most calls
// bring whole traces: every trace with its root, none already held or sent,
// no model call waiting for log events. Such a call is held as it came, one
// entry for all its traces with one deadline (root + grace), instead of
// being taken apart into an entry per trace: with a request of 50 turns that
// cut the collector's CPU by about a sixth (BENCHMARKS.md, "Assembly release").
// Pieces that come later for one of its traces join the same entry.

// wholeTraces returns the trace ids of td when td holds only whole traces
// that may share one entry; the caller holds the lock.
func (a *Assembler) wholeTraces(td ptrace.Traces) ([]pcommon.TraceID, bool) {
	if a.limit.capacity > 0 && a.limit.size(td) > a.limit.capacity/16 {
		return nil, false // larger than a release group: traces are grouped one by one
	}
	// scratch kept from call to call (a map grown by a very large call is not)
	if a.wholeIndex == nil || len(a.wholeIndex) > 1024 {
		a.wholeIndex = map[pcommon.TraceID]int{}
	}
	clear(a.wholeIndex)
	index, ids, roots := a.wholeIndex, a.wholeIDs[:0], a.wholeRoots[:0]
	defer func() {
		if cap(ids) <= 1024 {
			a.wholeIDs, a.wholeRoots = ids[:0], roots[:0]
		}
	}()
	last := -1
	for span := range pdatautil.Spans(td) {
		id := span.TraceID()
		if last < 0 || ids[last] != id {
			n, seen := index[id]
			if !seen {
				if _, held := a.held[id]; held || a.released.has(id) {
					return nil, false
				}
				n = len(ids)
				index[id] = n
				ids, roots = append(ids, id), append(roots, false)
			}
			last = n
		}
		if span.ParentSpanID().IsEmpty() {
			roots[last] = true
		}
		if a.hints.AwaitsLogContent(span) {
			return nil, false
		}
	}
	if len(ids) == 0 || len(ids) > a.maxTraces {
		return nil, false // more than max_traces: held one by one, the oldest released first
	}
	for _, root := range roots {
		if !root {
			return nil, false
		}
	}
	return slices.Clone(ids), true // the entry keeps them
}

// holdWhole holds td, whole traces, as one entry; the caller holds the lock.
func (a *Assembler) holdWhole(td ptrace.Traces, ids []pcommon.TraceID, now time.Time) {
	h := &heldTrace{id: ids[0], ids: ids, td: td, ld: plog.NewLogs(), rootSeen: true, rootAt: now}
	var size int64
	for span := range pdatautil.Spans(td) {
		stripSpan(span)
		size += spanSize(span)
	}
	for _, id := range ids {
		a.held[id] = h
	}
	a.fifo = append(a.fifo, h.id)
	a.tel.PrecogxTracesHeld.Add(context.Background(), int64(len(ids)))
	a.grow(h, size)
	a.reschedule(h.id, h, now)
}

// members is the traces an entry holds.
func (h *heldTrace) members() []pcommon.TraceID {
	if h.ids != nil {
		return h.ids
	}
	return []pcommon.TraceID{h.id}
}
