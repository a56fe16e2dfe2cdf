package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"fmt"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/precogx/precogxexporter/internal/genai/content"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// The precedence of the encodings is decided here, once; everything else an
// encoding has (keys, fields, labels, readers) is in its own file.

// encodings in the order their keys win when several write one field (a
// span that says both gen_ai.tool.name and tool.name is named by the
// first); the last one a turn speaks names metadata.platform.
var encodings = []*encoding{
	semconvEncoding,
	semconvEventsEncoding,
	semconv126Encoding,
	openlitEncoding,
	traceloopEncoding,
	openinferenceEncoding,
	vercelEncoding,
	anthropicEncoding,
	mastraEncoding,
}

// sources is the content ladder: every reader (a model call's input and
// output and the source it names, an agent's own input and output, a tool
// span's input and output, tool definitions, finish reasons, the provider)
// takes the first source that has what it reads. Attributes come before
// events (rule 8), messages before whole request or response values.
var sources = []*source{
	semconvSource,            // gen_ai.input/output.messages
	traceloopIndexedSource,   // gen_ai.prompt.{i}.* / gen_ai.completion.{i}.*
	openinferenceSource,      // llm.input_messages.{i}.* / llm.output_messages.{i}.*
	vercelSource,             // ai.prompt.messages / ai.response.*
	semconv126Source,         // gen_ai.prompt / gen_ai.completion attributes
	semconvEventsSource,      // gen_ai.*.message / gen_ai.choice events
	semconv126EventsSource,   // gen_ai.content.prompt / completion events
	openinferenceValueSource, // input.value / output.value
	traceloopEntitySource,    // traceloop.entity.input / output
	mastraSource,             // mastra.agent_run.input / output
	langchainSource,          // LangChain's own metadata
}

// classifiers give a span its role (rule 1), first that knows.
var classifiers = []func(*span) role{
	vercelRole,        // ai.operationId, or an ai.* span name
	semconvRole,       // gen_ai.operation.name (or llm.request.type)
	openinferenceRole, // openinference.span.kind
	traceloopRole,     // traceloop.span.kind
	semconv126Role,    // gen_ai.system and a model, before the operation name was required
}

// encoding is one way GenAI telemetry is written.
type encoding struct {
	// label is metadata.platform when a turn speaks the encoding ("" never).
	label    string
	conv     convention
	keys     []key
	prefixes []prefixKey
	// events are the names of the events that carry its content.
	events []string
}

// key is an attribute key an encoding reads, and where the value goes: a
// field of the span view, an identity (rule 7), or what do does.
type key struct {
	name  string
	conv  convention // the span speaks the encoding when the key is there
	field func(*span) *attr
	id    identity
	do    func(*span, pcommon.Value)
}

// prefixKey reads flattened list attributes (gen_ai.prompt.0.role).
type prefixKey struct {
	prefix string
	conv   convention
	set    func(s *span, rest string, v pcommon.Value)
}

// source is one place an encoding keeps content; a reader it does not have
// is nil.
type source struct {
	label string // metadata.content_source
	// a model call's input and output messages, and whether they are
	// there without parsing them
	input, output       func(*run, *span) []content.Message
	hasInput, hasOutput func(*span) bool
	// the text an agent or root span records itself (ok: this source has it)
	agentIO func(*run, *span) (in, out string, ok bool)
	// a tool span's input and output
	toolInput, toolOutput func(*span) (precogxapi.RawJSON, bool)
	// the tools offered to the model
	toolDefs func(*span, []toolDef) []toolDef
	// the call's finish reasons
	finish func(*span) ([]string, bool)
	// the model provider as written (normalized later)
	provider func(*span) string
}

// identity is what an identity or context key stands for (rule 7).
type identity uint8

const (
	idNone identity = iota
	idUser
	idSession
	idConversation
	idUserAgent
	idClientAddress
	idEnvironment
	identities
)

// maxIdentKeys bounds the identity keys of all encodings (span.ident).
const maxIdentKeys = 18

// keyEntry is a key of the table with its place in the precedence.
type keyEntry struct {
	key
	rank  uint8 // among the keys of one field: lower wins
	ident int8  // position in span.ident, -1 for none
	// offset of the field in a span: the one pass writes it without a call
	// per attribute (field is resolved once, here)
	offset uintptr
}

var (
	keyTable      keyIndex
	prefixKeys    []prefixKey
	contentEvents = map[string]bool{}
	// identChains lists span.ident positions per identity, by precedence.
	identChains [identities][]int8
)

func init() {
	rank, ident := 0, 0
	for _, enc := range encodings {
		for _, k := range enc.keys {
			if keyTable.get(k.name) != nil {
				panic(fmt.Sprintf("genai: key %s read by two encodings", k.name))
			}
			rank++
			e := &keyEntry{key: k, rank: uint8(rank), ident: -1}
			if k.field != nil {
				var probe span
				e.offset = uintptr(unsafe.Pointer(k.field(&probe))) - uintptr(unsafe.Pointer(&probe))
				if e.offset >= unsafe.Sizeof(probe) {
					panic("genai: the field of key " + k.name + " is not in the span view")
				}
			}
			if k.id != idNone {
				e.ident = int8(ident)
				identChains[k.id] = append(identChains[k.id], int8(ident))
				ident++
			}
			keyTable.add(e)
		}
		prefixKeys = append(prefixKeys, enc.prefixes...)
		for _, name := range enc.events {
			contentEvents[name] = true
		}
	}
	if rank > 255 || ident > maxIdentKeys {
		panic("genai: too many keys")
	}
}

// keyIndex finds a key's entry. It is read for every attribute of every
// span, most of them not GenAI keys: a bucket chosen from the key's length
// and three of its bytes is empty for most other keys, and holds one or two
// entries to compare for ours (a Go map costs twice as much here).
type keyIndex struct {
	buckets [1 << 10][]*keyEntry
}

func bucketOf(k string) int {
	n := uint32(len(k))
	h := n*0x9e3779b1 ^ uint32(k[n-1])*0x85ebca6b ^ uint32(k[n/2])*0xc2b2ae35 ^ uint32(k[n/3])*0x27d4eb2f
	return int(h >> 22)
}

func (x *keyIndex) get(k string) *keyEntry {
	if k == "" {
		return nil
	}
	for _, e := range x.buckets[bucketOf(k)] {
		if e.name == k {
			return e
		}
	}
	return nil
}

func (x *keyIndex) add(e *keyEntry) {
	b := bucketOf(e.name)
	x.buckets[b] = append(x.buckets[b], e)
}

// encodingLabel names the most specific encoding a turn speaks.
func encodingLabel(conv convention) string {
	for i := len(encodings) - 1; i >= 0; i-- {
		if e := encodings[i]; e.label != "" && conv&e.conv != 0 {
			return e.label
		}
	}
	return semconvEncoding.label
}
