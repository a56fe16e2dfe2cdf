package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"cmp"
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// turn is one user turn of a trace (rule 2).
type turn struct {
	root       int   // the span whose ids and resource describe the turn
	members    []int // every span of the turn, root first, then by start time
	start, end uint64
	key        turnKey
}

// turnKey identifies a turn: a trace root or a top-level agent span stands
// for itself; top-level spans whose parent is missing (not sent yet, or in
// another process) are siblings of one turn under that parent, and log-only
// (synthetic) spans of a trace share one turn.
type turnKey struct {
	span    int
	virtual bool
	parent  pcommon.SpanID
}

// maxDepth bounds walks up the parent chain (a hostile trace may loop).
const maxDepth = 512

// turns finds the turns of one trace: every group of spans that has at
// least one llm span. The result is the run's scratch, valid until the next
// call; each turn's members are carved from the chunk's member arena (the
// interactions keep them as their spans), so a trace costs no allocation.
func (r *run) turns(idx []int) []turn {
	clear(r.groupOf)
	r.turnBuf = r.turnBuf[:0]
	r.keyBuf = slices.Grow(r.keyBuf[:0], len(idx))[:len(idx)]
	for p, i := range idx {
		r.keyBuf[p] = r.keyOf(i)
		if r.spans[i].role != roleLLM {
			continue
		}
		if _, ok := r.groupOf[r.keyBuf[p]]; !ok {
			r.groupOf[r.keyBuf[p]] = len(r.turnBuf)
			r.turnBuf = append(r.turnBuf, turn{root: -1, key: r.keyBuf[p]})
		}
	}
	if len(r.turnBuf) == 0 {
		return nil
	}
	// every span belongs to one turn at most: each turn's members get room
	// of their own in the arena, then are appended in trace order
	r.groupAt = slices.Grow(r.groupAt[:0], len(idx))[:len(idx)]
	r.fill = slices.Grow(r.fill[:0], len(r.turnBuf))[:len(r.turnBuf)] // members per turn
	clear(r.fill)
	for p := range idx {
		g, ok := r.groupOf[r.keyBuf[p]]
		if !ok {
			g = -1
		} else {
			r.fill[g]++
		}
		r.groupAt[p] = g
	}
	if cap(r.arena)-len(r.arena) < len(idx) {
		r.arena = make([]int, 0, max(len(r.spans), len(idx)))
	}
	for g, n := range r.fill {
		at := len(r.arena)
		r.arena = r.arena[:at+n]
		r.turnBuf[g].members = r.arena[at : at : at+n]
	}
	for p, i := range idx {
		if g := r.groupAt[p]; g >= 0 {
			r.turnBuf[g].members = append(r.turnBuf[g].members, i)
		}
	}
	for g := range r.turnBuf {
		t := &r.turnBuf[g]
		k := t.key
		slices.SortStableFunc(t.members, func(x, y int) int {
			return cmp.Compare(r.spans[x].start, r.spans[y].start)
		})
		if !k.virtual {
			t.root = k.span
			t.start, t.end = r.spans[k.span].start, r.spans[k.span].end
		} else {
			// the earliest top-level span stands for the missing root; the
			// turn lasts from the first start to the last end among them
			for _, i := range t.members {
				s := &r.spans[i]
				if r.topOf(i, 0) != i {
					continue
				}
				if t.root < 0 {
					t.root = i
					t.start = s.start
				}
				if s.start != 0 && s.start < t.start {
					t.start = s.start
				}
				if s.end > t.end {
					t.end = s.end
				}
			}
		}
		// the root first, the others in their order
		at := slices.Index(t.members, t.root)
		copy(t.members[1:at+1], t.members[:at])
		t.members[0] = t.root
	}
	slices.SortStableFunc(r.turnBuf, func(x, y turn) int { return cmp.Compare(x.start, y.start) })
	return r.turnBuf
}

// keyOf is the turn span i belongs to.
func (r *run) keyOf(i int) turnKey {
	t := r.topOf(i, 0)
	s := &r.spans[t]
	switch {
	case s.synthetic:
		return turnKey{virtual: true}
	case s.parentID.IsEmpty() || s.role == roleAgent:
		return turnKey{span: t}
	}
	return turnKey{virtual: true, parent: s.parentID}
}

// topOf is the top of span i's parent chain in the chunk (memoized in r.top,
// -1 while unknown).
func (r *run) topOf(i, depth int) int {
	if t := r.top[i]; t >= 0 {
		return t
	}
	t := i
	if p := r.parentOf(i); p >= 0 && depth < maxDepth {
		t = r.topOf(p, depth+1)
	}
	r.top[i] = t
	return t
}

// parentOf is the position of span i's parent in the chunk, or -1.
func (r *run) parentOf(i int) int {
	s := &r.spans[i]
	if s.parentID.IsEmpty() {
		return -1
	}
	if p, ok := r.bySpan[spanKey{s.traceID, s.parentID}]; ok && p != i {
		return p
	}
	return -1
}

// nestedLLMs sets apart the llm spans below another llm span (rule 8): an
// SDK tracing its own call under an instrumentation's span is the same model
// call. It returns the outermost llm spans and, when any is nested, the
// spans nested in each of them (nil otherwise).
func (r *run) nestedLLMs(llms []int) ([]int, [][]int) {
	if len(llms) < 2 {
		return llms, nil
	}
	var outerOf []int // per llm: the outermost llm span above it, or -1
	mark := func(k, o int) {
		if outerOf == nil {
			outerOf = make([]int, len(llms))
			for x := range outerOf {
				outerOf[x] = -1
			}
		}
		outerOf[k] = o
	}
	for k, i := range llms {
		if o := r.outerLLM(i); o >= 0 {
			mark(k, o)
		}
	}
	// A streamed call's SDK span may share the instrumentation span's parent
	// instead of sitting below it: siblings whose times overlap and that
	// speak different encodings are one call too (llms are by start time).
	for k, i := range llms {
		if outerOf != nil && outerOf[k] >= 0 || k > maxSiblingScan {
			continue
		}
		for k2, j := range llms[:k] {
			if (outerOf == nil || outerOf[k2] < 0) && r.sameCall(j, i) {
				mark(k, j)
				break
			}
		}
	}
	if outerOf == nil {
		return llms, nil
	}
	outer := make([]int, 0, len(llms))
	for k, i := range llms {
		if outerOf[k] < 0 {
			outer = append(outer, i)
		}
	}
	inner := make([][]int, len(outer))
	for k, i := range llms {
		if pos := slices.Index(outer, outerOf[k]); outerOf[k] >= 0 && pos >= 0 {
			inner[pos] = append(inner[pos], i)
		}
	}
	return outer, inner
}

// maxSiblingScan bounds the pairwise sibling comparison of nestedLLMs.
const maxSiblingScan = 64

// sameCall tells whether llm span c, starting no earlier than a, is a's
// model call traced again by another library: same parent, overlapping
// times, different encodings.
func (r *run) sameCall(a, c int) bool {
	x, y := &r.spans[a], &r.spans[c]
	return x.parentID == y.parentID && x.conv != y.conv && y.start >= x.start && y.start < x.end
}

// outerLLM is the outermost llm span above span i, or -1.
func (r *run) outerLLM(i int) int {
	top := -1
	s := &r.spans[i]
	for depth := 0; depth < maxDepth && !s.parentID.IsEmpty(); depth++ {
		p, ok := r.bySpan[spanKey{s.traceID, s.parentID}]
		if !ok || p == i {
			break
		}
		s = &r.spans[p]
		if s.role == roleLLM {
			top = p
		}
	}
	return top
}
