package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"slices"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/genai/content"
	"github.com/precogx/precogxexporter/internal/precogxapi"
	"github.com/precogx/precogxexporter/internal/redact"
)

// Config tunes how spans become interactions.
type Config struct {
	// AgentID, when set, is the agentId of every interaction.
	AgentID string
	// AgentIDAttributes are tried (span, then resource) before the built-in chain.
	AgentIDAttributes []string
	// Conversation makes the prompt the whole input transcript instead of
	// the last user message.
	Conversation bool
	// MetadataAttributes are span or resource attributes copied into metadata.
	MetadataAttributes []string
	// MaxFieldBytes bounds prompt, response and tool input/output (UTF-8 safe).
	MaxFieldBytes int
	// Platform is metadata.platform of every interaction; "" names the
	// detected encoding.
	Platform string
	// Redaction is what is masked before the interactions leave.
	Redaction Redaction
}

// Stats counts what one Map call did.
type Stats struct {
	SpansMapped  int64
	SpansSkipped int64 // not GenAI, or in no turn
	Truncated    int64
	RawFallback  int64 // content that did not decode, used as text
	Interactions int64
	Redacted     redact.Counts
}

// Interaction is one mapped turn: what PrecogX gets, and the positions (in
// the order of the mapped traces: resource, scope, span) of the turn's
// spans, so that a failed delivery retries only those.
type Interaction struct {
	precogxapi.Interaction
	Spans []int
}

// Mapper turns whole traces into interactions. It is pure: pdata in,
// interactions out, no I/O; it is safe for concurrent use.
type Mapper struct {
	cfg      Config
	redactor *redactor // nil: redaction off
	runs     sync.Pool // *run, reused: a run's span table is large
}

// New returns a Mapper; the error is an invalid redaction pattern.
func New(cfg Config) (*Mapper, error) {
	rd, err := newRedactor(cfg.Redaction)
	if err != nil {
		return nil, err
	}
	m := &Mapper{cfg: cfg, redactor: rd}
	m.runs.New = func() any {
		return &run{m: m, traceOf: map[pcommon.TraceID]int{}, groupOf: map[turnKey]int{}, bySpan: map[spanKey]int{}, lastEntry: map[pcommon.TraceID]int{}, hashed: map[string]string{}}
	}
	return m, nil
}

// Map maps whole traces, their log events joined as span events (by the
// assembly stage).
//
// The traces are read a chunk at a time: consecutive resource entries of
// about chunkSpans spans that no trace crosses (the assembly stage gives
// each trace entries of its own). A span view is about 1.8 KiB of pointers,
// and the garbage collector scans a pooled table in every cycle: a table for
// a whole batch of the queue (8,192 spans and more) was 15 MiB; one of 512
// spans still cost the collector about 5% of its CPU against one of 128
// (BENCHMARKS.md), which maps as fast.
func (m *Mapper) Map(td ptrace.Traces) ([]Interaction, Stats) {
	r := m.runs.Get().(*run)
	defer m.release(r)
	rss := td.ResourceSpans()
	cuts := r.chunks(rss)
	// most traces are one turn: sized once, not grown by doubling (the
	// struct is 568 bytes, a queue batch 2,048 turns)
	out := make([]Interaction, 0, len(r.lastEntry))
	from, offset := 0, 0
	for _, to := range cuts {
		n := r.addTraces(rss, from, to)
		out = r.build(out, offset)
		r.reset()
		from, offset = to, offset+n
	}
	r.stats.Interactions = int64(len(out))
	return out, r.stats
}

// chunkSpans is about how many spans a run reads at a time (a variable for tests).
var chunkSpans = 128

// chunks returns where each chunk of rss ends: after whole traces, once
// it holds chunkSpans spans or more.
func (r *run) chunks(rss ptrace.ResourceSpansSlice) []int {
	r.cuts = r.cuts[:0]
	if rss.Len() > 1 {
		r.traceRuns = appendTraceRuns(r.traceRuns[:0], rss)
		clear(r.lastEntry)
		for _, t := range r.traceRuns {
			r.lastEntry[t.id] = t.entry
		}
		r.entries = slices.Grow(r.entries[:0], rss.Len())[:rss.Len()]
		clear(r.entries)
		for _, t := range r.traceRuns {
			e := &r.entries[t.entry]
			e.reach = max(e.reach, r.lastEntry[t.id])
			e.spans += t.spans
		}
		reach, n := 0, 0
		for i, e := range r.entries[:rss.Len()-1] {
			reach, n = max(reach, e.reach), n+e.spans
			if reach <= i && n >= chunkSpans {
				r.cuts = append(r.cuts, i+1)
				n = 0
			}
		}
	}
	return append(r.cuts, rss.Len())
}

// entryReach is what chunks knows of a resource entry: the last entry one
// of its traces reaches, and its span count.
type entryReach struct{ reach, spans int }

// traceRun is a run of consecutive spans of one trace in a resource entry.
type traceRun struct {
	entry, spans int
	id           pcommon.TraceID
}

// appendTraceRuns appends the trace runs of rss to dst (spans of one trace
// come together: the maps of chunks are then written once per run, not
// per span).
func appendTraceRuns(dst []traceRun, rss ptrace.ResourceSpansSlice) []traceRun {
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				id := spans.At(k).TraceID()
				if n := len(dst); k > 0 && dst[n-1].id == id {
					dst[n-1].spans++
				} else {
					dst = append(dst, traceRun{entry: i, spans: 1, id: id})
				}
			}
		}
	}
	return dst
}

// reset clears a run's chunk (so it keeps no pdata alive, and its span
// table is zero up to its capacity for the next chunk).
func (r *run) reset() {
	clear(r.spans)
	clear(r.resources)
	clear(r.traceOf)
	clear(r.bySpan)
	r.spans, r.resources, r.traces = r.spans[:0], r.resources[:0], r.traces[:0]
	r.spanTrace, r.traceStart = r.spanTrace[:0], r.traceStart[:0]
	r.arena = nil // the interactions keep their members
	clear(r.calls[:cap(r.calls)])
	clear(r.turnBuf[:cap(r.turnBuf)])
	r.calls, r.turnBuf = r.calls[:0], r.turnBuf[:0]
	r.parsed.Reset()
}

// release clears a run and pools it.
func (m *Mapper) release(r *run) {
	r.reset()
	clear(r.lastEntry)
	clear(r.hashed)
	r.stats = Stats{}
	m.runs.Put(r)
}

// run is the working state of one Map call.
type run struct {
	m         *Mapper
	stats     Stats
	resources []resource
	spans     []span
	traces    []pcommon.TraceID
	traceOf   map[pcommon.TraceID]int // trace -> its position in traces
	bySpan    map[spanKey]int
	// each trace's spans, in chunk order: byTrace[traceStart[t]:traceStart[t+1]]
	spanTrace  []int // per span: its trace's position
	traceStart []int
	byTrace    []int
	fill       []int // scratch of groupByTrace and turns (counts, cursors)
	// turns' scratch
	top       []int // per span: the top of its parent chain, -1 unknown
	groupOf   map[turnKey]int
	turnBuf   []turn
	keyBuf    []turnKey
	groupAt   []int
	arena     []int                   // the members of this chunk's turns
	calls     []call                  // interaction's scratch
	lastEntry map[pcommon.TraceID]int // chunks: each trace's last resource entry
	traceRuns []traceRun
	entries   []entryReach
	cuts      []int
	hashed    map[string]string // redaction: hashed ids of this Map call
	parsed    content.Scratch   // the chunk's semconv messages
}

type spanKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// resource is what the mapping keeps of a resource.
type resource struct {
	res         pcommon.Resource
	serviceName string
	ident       [maxIdentKeys]string
	openlit     bool
}

func (r *run) addResource(res pcommon.Resource) int {
	rd := resource{res: res}
	res.Attributes().Range(func(k string, v pcommon.Value) bool {
		switch k {
		case "service.name":
			rd.serviceName = v.AsString()
		case "telemetry.sdk.name":
			rd.openlit = isOpenLIT(v)
		default:
			if e := keyTable.get(k); e != nil && e.ident >= 0 {
				rd.ident[e.ident] = v.AsString()
			}
		}
		return true
	})
	r.resources = append(r.resources, rd)
	return len(r.resources) - 1
}

// addTraces reads every span of the resource entries [from, to) and
// returns how many there were; a span's index is its position in the chunk.
func (r *run) addTraces(rss ptrace.ResourceSpansSlice, from, to int) int {
	n := 0
	for i := from; i < to; i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			n += sss.At(j).Spans().Len()
		}
	}
	if n == 0 {
		return 0
	}
	r.spans = slices.Grow(r.spans, n)
	for i := from; i < to; i++ {
		rs := rss.At(i)
		ri := r.addResource(rs.Resource())
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				// zero already: fresh from Grow, or cleared by release
				r.spans = r.spans[:len(r.spans)+1]
				s := &r.spans[len(r.spans)-1]
				readSpan(spans.At(k), s)
				s.res = ri
				r.index(len(r.spans) - 1)
			}
		}
	}
	return n
}

func (r *run) index(i int) {
	s := &r.spans[i]
	t, ok := r.traceOf[s.traceID]
	if !ok {
		t = len(r.traces)
		r.traceOf[s.traceID] = t
		r.traces = append(r.traces, s.traceID)
		r.traceStart = append(r.traceStart, 0)
	}
	r.traceStart[t]++ // a count until build groups the spans
	r.spanTrace = append(r.spanTrace, t)
	r.bySpan[spanKey{s.traceID, s.spanID}] = i
}

// build makes the interactions of every trace: events fill their spans,
// every span gets its role, then each turn becomes an interaction.
// Spans of the interactions are positions in the traces: offset is the
// chunk's first.
func (r *run) build(out []Interaction, offset int) []Interaction {
	for i := range r.spans {
		s := &r.spans[i]
		if len(s.events) > 0 {
			s.applyEvents()
		}
		if s.role == roleNone {
			s.classify()
		}
		if r.resources[s.res].openlit {
			s.conv |= convOpenLIT
		}
	}
	r.groupByTrace()
	r.top = slices.Grow(r.top[:0], len(r.spans))[:len(r.spans)]
	for i := range r.top {
		r.top[i] = -1
	}
	used := make([]bool, len(r.spans))
	for tr := range r.traces {
		for _, t := range r.turns(r.byTrace[r.traceStart[tr]:r.traceStart[tr+1]]) {
			if ix, ok := r.interaction(&t, used); ok {
				for k := range ix.Spans {
					ix.Spans[k] += offset
				}
				out = append(out, ix)
			}
		}
	}
	for i := range r.spans {
		if !used[i] && !r.spans[i].synthetic {
			r.stats.SpansSkipped++
		}
	}
	return out
}

// groupByTrace lists each trace's spans in chunk order (a counting sort:
// one table for the chunk instead of a growing slice per trace).
func (r *run) groupByTrace() {
	n := 0
	for t, c := range r.traceStart {
		r.traceStart[t] = n
		n += c
	}
	r.traceStart = append(r.traceStart, n)
	r.byTrace = slices.Grow(r.byTrace[:0], n)[:n]
	r.fill = append(r.fill[:0], r.traceStart...) // where each trace's next span goes
	for i, t := range r.spanTrace {
		r.byTrace[r.fill[t]] = i
		r.fill[t]++
	}
}

// classify gives the span the role of the first classifier that knows it.
func (s *span) classify() {
	for _, c := range classifiers {
		if s.role = c(s); s.role != roleNone {
			return
		}
	}
}
