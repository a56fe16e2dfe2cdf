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

// recentSet remembers at least the last n trace ids added, at most 2n: two
// generations, the older forgotten whole when the newer holds n. A ring
// with a map delete per add cost more: a map that churns probes past its
// deleted slots (BenchmarkAssemblyRelease, BENCHMARKS.md).
type recentSet struct {
	n        int
	cur, old map[pcommon.TraceID]struct{}
}

func newRecentSet(n int) recentSet {
	return recentSet{n: n, cur: make(map[pcommon.TraceID]struct{}, n), old: map[pcommon.TraceID]struct{}{}}
}

func (r *recentSet) has(id pcommon.TraceID) bool {
	if _, ok := r.cur[id]; ok {
		return true
	}
	_, ok := r.old[id]
	return ok
}

func (r *recentSet) add(id pcommon.TraceID) {
	if len(r.cur) >= r.n {
		clear(r.old)
		r.old, r.cur = r.cur, r.old
	}
	r.cur[id] = struct{}{}
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
