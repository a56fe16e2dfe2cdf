package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"slices"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

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
		return &run{m: m, byTrace: map[pcommon.TraceID][]int{}, bySpan: map[spanKey]int{}}
	}
	return m, nil
}

// Map maps whole traces, their log events joined as span events (by the
// assembly stage).
func (m *Mapper) Map(td ptrace.Traces) ([]Interaction, Stats) {
	r := m.runs.Get().(*run)
	defer m.release(r)
	r.addTraces(td)
	out := r.build()
	r.stats.Interactions = int64(len(out))
	return out, r.stats
}

// release clears a run (so it keeps no pdata alive, and its span table is
// zero up to its capacity for the next run) and pools it.
func (m *Mapper) release(r *run) {
	clear(r.spans)
	clear(r.resources)
	clear(r.byTrace)
	clear(r.bySpan)
	r.spans, r.resources, r.traces = r.spans[:0], r.resources[:0], r.traces[:0]
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
	byTrace   map[pcommon.TraceID][]int
	bySpan    map[spanKey]int
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

// addTraces reads every span; a span's index is its position in td.
func (r *run) addTraces(td ptrace.Traces) {
	if td.SpanCount() == 0 {
		return
	}
	r.spans = slices.Grow(r.spans, td.SpanCount())
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
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
}

func (r *run) index(i int) {
	s := &r.spans[i]
	if _, ok := r.byTrace[s.traceID]; !ok {
		r.traces = append(r.traces, s.traceID)
	}
	r.byTrace[s.traceID] = append(r.byTrace[s.traceID], i)
	r.bySpan[spanKey{s.traceID, s.spanID}] = i
}

// build makes the interactions of every trace: events fill their spans,
// every span gets its role, then each turn becomes an interaction.
func (r *run) build() []Interaction {
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
	var out []Interaction
	used := make([]bool, len(r.spans))
	for _, tid := range r.traces {
		for _, t := range r.turns(r.byTrace[tid]) {
			if ix, ok := r.interaction(&t, used); ok {
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

// classify gives the span the role of the first classifier that knows it.
func (s *span) classify() {
	for _, c := range classifiers {
		if s.role = c(s); s.role != roleNone {
			return
		}
	}
}
