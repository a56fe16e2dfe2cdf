package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/precogx/precogxexporter/internal/genai/content"
	"github.com/precogx/precogxexporter/internal/pdatautil"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// OTel GenAI semantic conventions 1.28-1.36: one event per message, as log
// records (joined to their span by the assembly stage) or as span events;
// the message is the log record's body or the event's attributes. Strands
// also keeps a tool span's input and output in such events.

// Event names, and the role each gives its message.
const (
	evSystem    = "gen_ai.system.message"
	evUser      = "gen_ai.user.message"
	evAssistant = "gen_ai.assistant.message"
	evTool      = "gen_ai.tool.message"
	evChoice    = "gen_ai.choice"
)

var eventRoles = map[string]string{evSystem: "system", evUser: "user", evAssistant: "assistant", evTool: "tool", evChoice: "assistant"}

// semconvEventsEncoding has no keys: the semconv keys of its spans are
// semconv's.
var semconvEventsEncoding = &encoding{
	events: []string{evSystem, evUser, evAssistant, evTool, evChoice},
}

var semconvEventsSource = &source{
	label: "v1.28 gen_ai.*.message/gen_ai.choice events",
	input: func(r *run, s *span) []content.Message {
		return r.eventMessages(s, isInputEvent)
	},
	output: func(r *run, s *span) []content.Message {
		return r.eventMessages(s, isChoiceEvent)
	},
	hasInput:  func(s *span) bool { return hasEvent(s, isInputEvent) },
	hasOutput: func(s *span) bool { return hasEvent(s, isChoiceEvent) },
	toolInput: func(s *span) (precogxapi.RawJSON, bool) {
		r := content.FromText(eventText(s, evTool, "content"))
		return r, r != nil
	},
	toolOutput: func(s *span) (precogxapi.RawJSON, bool) {
		r := content.FromText(eventText(s, evChoice, "message"))
		return r, r != nil
	},
}

func isInputEvent(name string) bool {
	return name == evSystem || name == evUser || name == evAssistant || name == evTool
}

func isChoiceEvent(name string) bool { return name == evChoice }

func hasEvent(s *span, which func(string) bool) bool {
	for i := range s.events {
		if which(s.events[i].name) {
			return true
		}
	}
	return false
}

// eventMessages decodes the message events which accepts, in order.
func (r *run) eventMessages(s *span, which func(string) bool) []content.Message {
	var msgs []content.Message
	for i := range s.events {
		if ev := &s.events[i]; which(ev.name) {
			if m, ok := r.eventMessage(ev); ok {
				msgs = append(msgs, m)
			}
		}
	}
	return msgs
}

// eventMessage decodes one message event: the body (log records) or the
// attributes (span events) hold the message.
func (r *run) eventMessage(ev *event) (content.Message, bool) {
	var data []byte
	switch ev.body.typ() {
	case pcommon.ValueTypeMap:
		data = pdatautil.AppendJSONValue(nil, ev.body.v)
	case pcommon.ValueTypeStr:
		data = []byte(ev.body.v.Str())
	default:
		v := pcommon.NewValueMap()
		ev.attrs.CopyTo(v.Map())
		data = pdatautil.AppendJSONValue(nil, v)
	}
	m, ok := content.ParseMessage(data, eventRoles[ev.name])
	if !ok {
		if ev.body.typ() == pcommon.ValueTypeStr && ev.body.v.Str() != "" {
			r.stats.RawFallback++
			return content.Message{Role: eventRoles[ev.name], Parts: []content.Part{{Kind: content.Text, Text: ev.body.v.Str()}}}, true
		}
		return content.Message{}, false
	}
	return m, true
}

// eventString reads an event's value of key, else its string body.
func eventString(ev *event, key string) string {
	if v, ok := ev.attrs.Get(key); ok {
		return v.AsString()
	}
	if ev.body.typ() == pcommon.ValueTypeStr {
		return ev.body.v.Str()
	}
	return ""
}

// eventText is key of the first event called name that has it.
func eventText(s *span, name, key string) string {
	for i := range s.events {
		if s.events[i].name == name {
			if t := eventString(&s.events[i], key); t != "" {
				return t
			}
		}
	}
	return ""
}
