package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"cmp"
	"slices"
	"strings"

	"github.com/precogx/precogxexporter/internal/genai/content"
)

// call is the content of one model call (an llm span). The input is parsed
// only where it is used (the first call's prompt, tool results of calls
// that have no span): later calls repeat the whole conversation.
type call struct {
	span          *span
	input, output []content.Message
	inputParsed   bool
	system        []string
	inSrc, outSrc string
	toolDefs      []toolDef
}

// call reads an llm span's output, and its input when withInput; without
// it, inSrc names the source the input would come from.
func (r *run) call(s *span, withInput bool) call {
	c := call{span: s}
	c.output, c.outSrc = r.outputOf(s)
	if withInput {
		r.parseInput(&c)
	} else {
		c.inSrc = inputSource(s)
	}
	c.toolDefs = toolDefs(s)
	return c
}

// parseInput reads the input messages, and in conversation mode the system
// instructions, of c's span.
func (r *run) parseInput(c *call) {
	if c.inputParsed {
		return
	}
	c.inputParsed = true
	c.input, c.inSrc = r.inputOf(c.span)
	if !r.m.cfg.Conversation {
		return // system instructions only show in the transcript
	}
	if msgs, ok := r.parseSemconv(c.span.semconv.system); ok {
		for i := range msgs {
			if t := msgs[i].Text(); t != "" {
				c.system = append(c.system, t)
			}
		}
	}
}

// inputOf, outputOf and inputSource walk the one content ladder (sources).
// A call's content is read from the first source that yields messages (one
// there but empty gives way to the next); a later call's input source is
// named without parsing: the first source there.

func (r *run) inputOf(s *span) ([]content.Message, string) {
	return r.firstMessages(s, func(src *source) messageReader { return src.input })
}

func (r *run) outputOf(s *span) ([]content.Message, string) {
	return r.firstMessages(s, func(src *source) messageReader { return src.output })
}

type messageReader = func(*run, *span) []content.Message

func (r *run) firstMessages(s *span, reader func(*source) messageReader) ([]content.Message, string) {
	for _, src := range sources {
		if read := reader(src); read != nil {
			if msgs := read(r, s); len(msgs) > 0 {
				return msgs, src.label
			}
		}
	}
	return nil, ""
}

// inputSource names the first source that holds an input, without parsing it.
func inputSource(s *span) string {
	for _, src := range sources {
		if src.hasInput != nil && src.hasInput(s) {
			return src.label
		}
	}
	return ""
}

// hasContent tells whether any source holds an input or an output.
func hasContent(s *span) bool {
	for _, src := range sources {
		if src.hasInput != nil && src.hasInput(s) || src.hasOutput != nil && src.hasOutput(s) {
			return true
		}
	}
	return false
}

// fillCall lets nested llm spans fill what an outer call's content lacks.
func (r *run) fillCall(c *call, nested []int, withInput bool) {
	for _, i := range nested {
		needIn := withInput && len(c.input) == 0
		if len(c.output) > 0 && !needIn && len(c.toolDefs) > 0 {
			return
		}
		n := r.call(&r.spans[i], needIn)
		if len(c.output) == 0 {
			c.output, c.outSrc = n.output, n.outSrc
		}
		if needIn {
			c.input, c.inSrc, c.system = n.input, n.inSrc, n.system
		}
		if len(c.toolDefs) == 0 {
			c.toolDefs = n.toolDefs
		}
	}
}

// promptResponse applies rule 4, falling back to the agents' and then the
// root's own input and output when the llm spans carry no content; the
// fallback's source joins metadata.content_source.
func (r *run) promptResponse(calls []call, root *span, agents []int, labels *[]string) (string, string) {
	var prompt, response string
	if len(calls) > 0 {
		first := &calls[0]
		if r.m.cfg.Conversation {
			prompt = transcript(first)
		} else {
			prompt = lastUserText(first.input)
		}
	}
	for k := len(calls) - 1; k >= 0 && response == ""; k-- {
		response = firstText(calls[k].output)
	}
	fallback := make([]*span, 0, len(agents)+1)
	for _, i := range agents {
		fallback = append(fallback, &r.spans[i])
	}
	for _, s := range append(fallback, root) {
		if prompt != "" && response != "" {
			break
		}
		in, out, src := r.agentIO(s)
		used := false
		if prompt == "" && in != "" {
			prompt, used = in, true
		}
		if response == "" && out != "" {
			response, used = out, true
		}
		if used && !slices.Contains(*labels, src) {
			*labels = append(*labels, src)
		}
	}
	return prompt, response
}

// agentIO reads the input and output an agent or root span records itself,
// from the first source that has them.
func (r *run) agentIO(s *span) (in, out, label string) {
	for _, src := range sources {
		if src.agentIO != nil {
			if in, out, ok := src.agentIO(r, s); ok {
				return in, out, src.label
			}
		}
	}
	return "", "", ""
}

// lastUserText is the text of the last user message that has text.
func lastUserText(msgs []content.Message) string {
	if t := userText(msgs); t != "" {
		return unnestMessages(t)
	}
	return ""
}

func userText(msgs []content.Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if isUser(&msgs[i]) {
			if t := msgs[i].Text(); t != "" {
				return t
			}
		}
	}
	return ""
}

func isUser(m *content.Message) bool { return m.Role == "user" || m.Role == "human" }

// unnestMessages reads a user text that is itself a JSON message list (the
// Traceloop Responses API instrumentation stringifies the whole input).
func unnestMessages(t string) string {
	if !content.LooksLikeJSON([]byte(t)) || t[len(t)-1] != ']' {
		return t
	}
	if msgs, ok := content.ParseMessages([]byte(t)); ok {
		if inner := userText(msgs); inner != "" {
			return inner
		}
	}
	return t
}

// transcript renders the whole input, one "role: text" line per message.
func transcript(c *call) string {
	var sb strings.Builder
	line := func(role, text string) {
		if sb.Len() > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(role)
		sb.WriteString(": ")
		sb.WriteString(text)
	}
	for _, s := range c.system {
		line("system", s)
	}
	for i := range c.input {
		m := &c.input[i]
		text := m.Text()
		if text == "" {
			var parts []string
			for _, p := range m.Parts {
				switch p.Kind {
				case content.ToolCall:
					parts = append(parts, p.Name+"("+p.Args.Text()+")")
				case content.ToolResult:
					parts = append(parts, p.Args.Text())
				}
			}
			text = strings.Join(parts, " ")
		}
		line(cmp.Or(m.Role, "user"), text)
	}
	return sb.String()
}

func lastText(msgs []content.Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if t := msgs[i].Text(); t != "" {
			return t
		}
	}
	return ""
}

func firstText(msgs []content.Message) string {
	for i := range msgs {
		if t := msgs[i].Text(); t != "" {
			return t
		}
	}
	return ""
}
