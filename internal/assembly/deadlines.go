package assembly // import "github.com/precogx/precogxexporter/internal/assembly"

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

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
