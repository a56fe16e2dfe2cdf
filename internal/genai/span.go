package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"strconv"
	"strings"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/assembly"
	"github.com/precogx/precogxexporter/internal/genai/content"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// role is what a span is in a turn (rule 1).
type role uint8

const (
	roleNone role = iota
	roleLLM
	roleTool
	roleAgent
)

// convention is the set of encodings a span was seen to speak, a bit for
// each encoding that names one (metadata.platform).
type convention uint8

const (
	convSemconv convention = 1 << iota
	convOpenLIT
	convOpenLLMetry
	convOpenInference
	convVercel
)

// attr is one field of the span view: the value of the highest-ranked key
// that gave one (rank 0: none did). Values are read where they are used.
type attr struct {
	v    pcommon.Value
	rank uint8
}

func (a attr) ok() bool { return a.rank != 0 }

// str is a string value; "" for another type.
func (a attr) str() string {
	if a.rank == 0 {
		return ""
	}
	return a.v.Str()
}

// text is any value as text.
func (a attr) text() string {
	if a.rank == 0 {
		return ""
	}
	return a.v.AsString()
}

func (a attr) typ() pcommon.ValueType {
	if a.rank == 0 {
		return pcommon.ValueTypeEmpty
	}
	return a.v.Type()
}

// json is the JSON text of a content value, nil when absent.
func (a attr) json() []byte {
	if a.rank == 0 {
		return nil
	}
	return content.ValueJSON(a.v)
}

func (a attr) float() precogxapi.OptFloat {
	if a.rank == 0 {
		return precogxapi.OptFloat{}
	}
	switch v := a.v; v.Type() {
	case pcommon.ValueTypeDouble:
		return precogxapi.SomeFloat(v.Double())
	case pcommon.ValueTypeInt:
		return precogxapi.SomeFloat(float64(v.Int()))
	case pcommon.ValueTypeStr:
		if f, err := strconv.ParseFloat(strings.TrimSpace(v.Str()), 64); err == nil {
			return precogxapi.SomeFloat(f)
		}
	}
	return precogxapi.OptFloat{}
}

func (a attr) int() precogxapi.OptInt {
	if a.rank == 0 {
		return precogxapi.OptInt{}
	}
	switch v := a.v; v.Type() {
	case pcommon.ValueTypeInt:
		return precogxapi.SomeInt(v.Int())
	case pcommon.ValueTypeDouble:
		if f := v.Double(); f >= -1e15 && f <= 1e15 {
			return precogxapi.SomeInt(int64(f))
		}
	case pcommon.ValueTypeStr:
		if i, err := strconv.ParseInt(strings.TrimSpace(v.Str()), 10, 64); err == nil {
			return precogxapi.SomeInt(i)
		}
	}
	return precogxapi.OptInt{}
}

// set keeps v unless a key of higher rank (a lower number) gave the field a
// value already; an empty string is no value.
func (a *attr) set(v pcommon.Value, rank uint8) {
	if a.rank != 0 && a.rank < rank || v.Str() == "" && v.Type() == pcommon.ValueTypeStr {
		return
	}
	a.v, a.rank = v, rank
}

// fill gives the field b's value when it has none.
func (a *attr) fill(b attr) {
	if a.rank == 0 {
		*a = b
	}
}

// usage is one encoding's token counts.
type usage struct{ in, out, total attr }

// Usage sources, in order of preference.
const (
	usageSemconv = iota
	usageOpenInference
	usageVercel
	usageSources
)

// span is the mapping's view of one span (or of the log events of a span
// that is not among the mapped traces): what every encoding's keys say, read in one
// pass. Content stays a reference into the pdata, parsed only for spans
// that end up in an interaction.
type span struct {
	traceID  pcommon.TraceID
	spanID   pcommon.SpanID
	parentID pcommon.SpanID
	name     string
	start    uint64
	end      uint64 // 0: unknown (built from log events only)
	res      int    // index into run.resources
	attrs    pcommon.Map
	// synthetic spans stand in for log events whose span was not there
	synthetic bool
	partial   bool
	failed    bool // error status, error.type or an exception event

	role role
	conv convention

	// facts several encodings write; the keys' ranks decide
	op, kind                                attr
	provider, system                        attr
	requestModel, responseModel, responseID attr
	temperature, maxTokens, cost            attr
	usage                                   [usageSources]usage
	finishReasons                           attr
	agentName, agentID                      attr
	tool                                    toolFields
	ident                                   [maxIdentKeys]string

	// what only one encoding writes, in that encoding's file
	semconv       semconvFields
	semconv126    semconv126Fields
	traceloop     traceloopFields
	openinference openinferenceFields
	vercel        vercelFields
	mastra        mastraFields

	events []event
}

// toolFields are what a tool span says about its call.
type toolFields struct {
	name, callID, description attr
	args, result              attr
}

type toolDef struct {
	name, description string
}

// event is a GenAI span event (log events are joined as span events).
type event struct {
	name  string
	attrs pcommon.Map
	body  attr // the log record's body
}

// readSpan reads span into s: every attribute once, through the key table.
func readSpan(sp ptrace.Span, s *span) {
	s.traceID = sp.TraceID()
	s.spanID = sp.SpanID()
	s.parentID = sp.ParentSpanID()
	s.name = sp.Name()
	s.start = uint64(sp.StartTimestamp())
	s.end = uint64(sp.EndTimestamp())
	s.attrs = sp.Attributes()
	s.failed = sp.Status().Code() == ptrace.StatusCodeError
	s.attrs.Range(func(k string, v pcommon.Value) bool {
		s.read(k, v)
		return true
	})
	evs := sp.Events()
	for i := 0; i < evs.Len(); i++ {
		ev := evs.At(i)
		if ev.Name() == "exception" {
			s.failed = true
			continue
		}
		if strings.HasPrefix(ev.Name(), "gen_ai.") {
			e := event{name: ev.Name(), attrs: ev.Attributes()}
			if body, ok := ev.Attributes().Get(assembly.AttrEventBody); ok {
				e.body = attr{body, 1}
			}
			s.events = append(s.events, e)
		}
	}
}

// read is the single step of the pass over a span's (or event's) attributes.
func (s *span) read(k string, v pcommon.Value) {
	e := keyTable.get(k)
	if e == nil {
		for i := range prefixKeys {
			p := &prefixKeys[i]
			if rest, ok := strings.CutPrefix(k, p.prefix); ok {
				s.conv |= p.conv
				p.set(s, rest, v)
				return
			}
		}
		return
	}
	s.conv |= e.conv
	switch {
	case e.field != nil:
		(*attr)(unsafe.Add(unsafe.Pointer(s), e.offset)).set(v, e.rank)
	case e.ident >= 0:
		s.ident[e.ident] = v.AsString()
	}
	if e.do != nil {
		e.do(s, v)
	}
}

// applyEvents lets events fill what the span's attributes lack (rule 8);
// only the inference details event carries the semconv content values.
func (s *span) applyEvents() {
	for i := range s.events {
		ev := &s.events[i]
		var es span
		ev.attrs.Range(func(k string, v pcommon.Value) bool {
			es.read(k, v)
			return true
		})
		details := ev.name == evDetails
		if details && ev.body.typ() == pcommon.ValueTypeMap {
			ev.body.v.Map().Range(func(k string, v pcommon.Value) bool {
				es.read(k, v)
				return true
			})
		}
		s.fillFrom(&es, details)
	}
}

// fillFrom gives s the facts it lacks from o (an event of s, or the same
// model call traced by another library below it), and with content the
// semconv content values.
func (s *span) fillFrom(o *span, withContent bool) {
	s.conv |= o.conv
	for _, f := range [...]struct{ dst, src *attr }{
		{&s.op, &o.op}, {&s.provider, &o.provider}, {&s.system, &o.system},
		{&s.requestModel, &o.requestModel}, {&s.responseModel, &o.responseModel}, {&s.responseID, &o.responseID},
		{&s.agentName, &o.agentName}, {&s.agentID, &o.agentID},
		{&s.temperature, &o.temperature}, {&s.maxTokens, &o.maxTokens}, {&s.finishReasons, &o.finishReasons},
	} {
		f.dst.fill(*f.src)
	}
	if _, ok := s.tokens(); !ok {
		s.usage = o.usage
	}
	for i := range s.ident {
		if s.ident[i] == "" {
			s.ident[i] = o.ident[i]
		}
	}
	if withContent {
		s.semconv.fillFrom(&o.semconv)
	}
}

// counts are token counts of one model call.
type counts struct{ in, out, total precogxapi.OptInt }

// tokens is the usage of the first source that has any; the total is input
// + output when either is known (libraries count totals differently).
func (s *span) tokens() (counts, bool) {
	for i := range s.usage {
		u := &s.usage[i]
		c := counts{u.in.int(), u.out.int(), u.total.int()}
		if c.in.OK || c.out.OK || c.total.OK {
			if !c.total.OK || c.in.OK || c.out.OK {
				c.total = precogxapi.SomeInt(c.in.V + c.out.V)
			}
			return c, true
		}
	}
	return counts{}, false
}
