package assembly // import "github.com/precogx/precogxexporter/internal/assembly"

import (
	"encoding/binary"
	"math/bits"
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
// deleted slots (BenchmarkAssemblyRelease, BENCHMARKS.md). Each generation
// also sets a bit per id in a table 16 times larger than n, which answers
// most ids never added without the maps: every new trace is looked up, and
// in maps of n ids each lookup missed the cache.
type recentSet struct {
	n        int
	cur, old map[pcommon.TraceID]struct{}
	curBits  []uint64
	oldBits  []uint64
	shift    uint8 // 64 - log2(bits per generation)
}

func newRecentSet(n int) recentSet {
	size := 1 << max(bits.Len(uint(16*n-1)), 6)
	return recentSet{n: n, cur: make(map[pcommon.TraceID]struct{}, n), old: map[pcommon.TraceID]struct{}{},
		curBits: make([]uint64, size/64), oldBits: make([]uint64, size/64), shift: uint8(64 - bits.Len(uint(size-1)))}
}

// slot is the word and bit of id: both halves mixed, so that ids which
// differ in any byte (counters too) spread.
func (r *recentSet) slot(id pcommon.TraceID) (int, uint64) {
	h := (binary.LittleEndian.Uint64(id[:8]) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(id[8:]), 29)) * 0x9e3779b97f4a7c15
	b := h >> r.shift
	return int(b >> 6), 1 << (b & 63)
}

func (r *recentSet) has(id pcommon.TraceID) bool {
	w, m := r.slot(id)
	if (r.curBits[w]|r.oldBits[w])&m == 0 {
		return false
	}
	if _, ok := r.cur[id]; ok {
		return true
	}
	_, ok := r.old[id]
	return ok
}

func (r *recentSet) add(id pcommon.TraceID) {
	if len(r.cur) >= r.n {
		clear(r.old)
		clear(r.oldBits)
		r.old, r.cur = r.cur, r.old
		r.oldBits, r.curBits = r.curBits, r.oldBits
	}
	r.cur[id] = struct{}{}
	w, m := r.slot(id)
	r.curBits[w] |= m
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
