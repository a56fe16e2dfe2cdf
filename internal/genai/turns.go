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
// least one llm span.
func (r *run) turns(idx []int) []turn {
	parentOf := func(i int) int {
		s := &r.spans[i]
		if s.parentID.IsEmpty() {
			return -1
		}
		if p, ok := r.bySpan[spanKey{s.traceID, s.parentID}]; ok && p != i {
			return p
		}
		return -1
	}
	top := make(map[int]int, len(idx))
	var topOf func(i, depth int) int
	topOf = func(i, depth int) int {
		if t, ok := top[i]; ok {
			return t
		}
		p := parentOf(i)
		t := i
		if p >= 0 && depth < maxDepth {
			t = topOf(p, depth+1)
		}
		top[i] = t
		return t
	}
	keyOf := func(i int) turnKey {
		t := topOf(i, 0)
		s := &r.spans[t]
		switch {
		case s.synthetic:
			return turnKey{virtual: true}
		case s.parentID.IsEmpty() || s.role == roleAgent:
			return turnKey{span: t}
		}
		return turnKey{virtual: true, parent: s.parentID}
	}
	groups := map[turnKey]*turn{}
	var order []turnKey
	for _, i := range idx {
		if r.spans[i].role != roleLLM {
			continue
		}
		k := keyOf(i)
		if _, ok := groups[k]; !ok {
			groups[k] = &turn{root: -1}
			order = append(order, k)
		}
	}
	for _, i := range idx {
		if g, ok := groups[keyOf(i)]; ok {
			g.members = append(g.members, i)
		}
	}
	out := make([]turn, 0, len(order))
	for _, k := range order {
		g := groups[k]
		slices.SortStableFunc(g.members, func(x, y int) int {
			return cmp.Compare(r.spans[x].start, r.spans[y].start)
		})
		if !k.virtual {
			g.root = k.span
			g.start, g.end = r.spans[k.span].start, r.spans[k.span].end
		} else {
			// the earliest top-level span stands for the missing root; the
			// turn lasts from the first start to the last end among them
			for _, i := range g.members {
				s := &r.spans[i]
				if topOf(i, 0) != i {
					continue
				}
				if g.root < 0 {
					g.root = i
					g.start = s.start
				}
				if s.start != 0 && s.start < g.start {
					g.start = s.start
				}
				if s.end > g.end {
					g.end = s.end
				}
			}
		}
		g.members = slices.DeleteFunc(g.members, func(i int) bool { return i == g.root })
		g.members = append([]int{g.root}, g.members...)
		out = append(out, *g)
	}
	slices.SortStableFunc(out, func(x, y turn) int { return cmp.Compare(x.start, y.start) })
	return out
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
