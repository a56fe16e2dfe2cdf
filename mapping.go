package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/precogx/precogxexporter/internal/pdatautil"
	"github.com/precogx/precogxexporter/internal/precogxapi"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/precogx/precogxexporter/internal/redact"
)

// interaction is one mapped turn: what PrecogX gets, and the positions (in
// the order of the mapped traces) of the turn's spans, so that a failed
// delivery retries only those.
type interaction struct {
	precogxapi.Interaction
	spans []int
}

// mapper turns spans and GenAI log events into interactions. It is pure:
// pdata in, interactions out, no I/O.
type mapper struct {
	cfg      MappingConfig
	platform string    // configured platform, "" when generic
	batches  sync.Pool // *batch, reused: a batch's span table is large
	redactor *redactor // nil: redaction off
}

func newMapper(cfg MappingConfig, platform Platform) *mapper {
	m := &mapper{cfg: cfg}
	if platform != PlatformGeneric {
		m.platform = string(platform)
	}
	m.batches.New = func() any {
		return &batch{m: m, byTrace: map[pcommon.TraceID][]int{}, bySpan: map[spanKey]int{}}
	}
	return m
}

// mapStats counts what one mapping call did.
type mapStats struct {
	spansMapped  int64
	spansSkipped int64
	truncated    int64
	rawFallback  int64
	interactions int64
	redacted     redact.Counts
}

type resourceData struct {
	res         pcommon.Resource
	serviceName string
	ident       [idCount]string
	openlit     bool
}

// batch is the working state of one mapping call.
type batch struct {
	m         *mapper
	stats     mapStats
	resources []resourceData
	spans     []spanData
	traces    []pcommon.TraceID
	byTrace   map[pcommon.TraceID][]int
	bySpan    map[spanKey]int
}

type spanKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// mapData maps whole traces, their log events already joined as span events
// by the assembly stage (the only way log events reach the mapping).
func (m *mapper) mapData(td ptrace.Traces) ([]interaction, mapStats) {
	b := m.batches.Get().(*batch)
	defer m.release(b)
	b.addTraces(td)
	out := b.build()
	b.stats.interactions = int64(len(out))
	return out, b.stats
}

// release clears a batch (so it keeps no pdata alive) and pools it.
func (m *mapper) release(b *batch) {
	clear(b.spans)
	clear(b.resources)
	clear(b.byTrace)
	clear(b.bySpan)
	b.spans, b.resources, b.traces = b.spans[:0], b.resources[:0], b.traces[:0]
	b.stats = mapStats{}
	m.batches.Put(b)
}

func (b *batch) addResource(res pcommon.Resource) int {
	rd := resourceData{res: res}
	res.Attributes().Range(func(k string, v pcommon.Value) bool {
		switch k {
		case "service.name":
			rd.serviceName = v.AsString()
		case "telemetry.sdk.name":
			rd.openlit = v.Str() == "openlit"
		default:
			if id, ok := identKeys[k]; ok {
				rd.ident[id] = v.AsString()
			}
		}
		return true
	})
	b.resources = append(b.resources, rd)
	return len(b.resources) - 1
}

func (b *batch) addTraces(td ptrace.Traces) {
	if td.SpanCount() == 0 {
		return
	}
	b.spans = slices.Grow(b.spans, td.SpanCount())
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		ri := b.addResource(rs.Resource())
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				b.spans = append(b.spans, spanData{})
				sd := &b.spans[len(b.spans)-1]
				extractSpan(spans.At(k), sd)
				sd.res = ri
				b.index(len(b.spans) - 1)
			}
		}
	}
}

func (b *batch) index(i int) {
	sd := &b.spans[i]
	if _, ok := b.byTrace[sd.traceID]; !ok {
		b.traces = append(b.traces, sd.traceID)
	}
	b.byTrace[sd.traceID] = append(b.byTrace[sd.traceID], i)
	b.bySpan[spanKey{sd.traceID, sd.spanID}] = i
}

// GenAI event names the mapping reads.
const (
	evDetails    = "gen_ai.client.inference.operation.details"
	evSystem     = "gen_ai.system.message"
	evUser       = "gen_ai.user.message"
	evAssistant  = "gen_ai.assistant.message"
	evTool       = "gen_ai.tool.message"
	evChoice     = "gen_ai.choice"
	evPrompt     = "gen_ai.content.prompt"
	evCompletion = "gen_ai.content.completion"
)

func isContentEvent(name string) bool {
	switch name {
	case evDetails, evSystem, evUser, evAssistant, evTool, evChoice, evPrompt, evCompletion:
		return true
	}
	return false
}

// applyEvents lets events fill what the span's attributes lack (rule 8).
func (b *batch) applyEvents(sd *spanData) {
	for i := range sd.events {
		ev := &sd.events[i]
		var es spanData
		ev.attrs.Range(func(k string, v pcommon.Value) bool {
			es.readAttr(k, v)
			return true
		})
		if ev.name == evDetails && ev.body.typ() == pcommon.ValueTypeMap {
			ev.body.v.Map().Range(func(k string, v pcommon.Value) bool {
				es.readAttr(k, v)
				return true
			})
		}
		sd.fillFrom(&es, ev.name == evDetails)
	}
}

func (sd *spanData) fillFrom(es *spanData, content bool) {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	sd.conv |= es.conv
	fill(&sd.op, es.op)
	fill(&sd.provider, es.provider)
	fill(&sd.system, es.system)
	fill(&sd.requestModel, es.requestModel)
	fill(&sd.responseModel, es.responseModel)
	fill(&sd.responseID, es.responseID)
	fill(&sd.agentName, es.agentName)
	fill(&sd.agentID, es.agentID)
	if !sd.temperature.OK {
		sd.temperature = es.temperature
	}
	if !sd.maxTokens.OK {
		sd.maxTokens = es.maxTokens
	}
	if _, ok := sd.tokens(); !ok {
		sd.usage = es.usage
	}
	if !sd.finishReasonsVal.ok {
		sd.finishReasonsVal = es.finishReasonsVal
	}
	for i := range sd.ident {
		fill(&sd.ident[i], es.ident[i])
	}
	if content {
		fillValue(&sd.scInput, es.scInput)
		fillValue(&sd.scOutput, es.scOutput)
		fillValue(&sd.scSystem, es.scSystem)
		fillValue(&sd.scToolDefs, es.scToolDefs)
	}
}

func fillValue(dst *val, src val) {
	if !dst.ok {
		*dst = src
	}
}

// Content source labels of metadata.content_source.
const (
	srcSemconv     = "gen_ai.input/output.messages"
	srcEvents128   = "v1.28 gen_ai.*.message/gen_ai.choice events"
	srcEvents126   = "v1.26 gen_ai.content.* events"
	srcDeprecated  = "v1.26 gen_ai.prompt/completion attributes"
	srcOpenLLMetry = "openllmetry indexed"
	srcOpenInf     = "openinference llm.*_messages"
	srcOpenInfVal  = "openinference input/output.value"
	srcVercel      = "vercel ai.*"
	srcTraceloop   = "traceloop entity input/output"
	srcMastra      = "mastra agent_run input/output"
)

// llmContent is the parsed content of one llm span. The input is parsed only
// where it is used (the first call's prompt, tool results of calls that have
// no span): later calls repeat the whole conversation.
type llmContent struct {
	span          *spanData
	input, output []message
	inputParsed   bool
	system        []string
	inSrc, outSrc string
	toolDefs      []toolDef
}

func (b *batch) parseSemconv(v val) ([]message, bool) {
	data := v.json()
	if data == nil {
		return nil, false
	}
	msgs, ok := parseMessages(data)
	if !ok {
		if looksLikeJSON(data) {
			b.stats.rawFallback++
		}
		return []message{{parts: []part{{kind: partText, text: string(data)}}}}, true
	}
	return msgs, true
}

// looksLikeJSON tells broken JSON from plain text, which some
// instrumentations write on purpose (system instructions as a string).
func looksLikeJSON(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) > 0 && (t[0] == '[' || t[0] == '{')
}

func (b *batch) legacy(s, role string) []message {
	msgs, failed := parseLegacyContent(s, role)
	if failed {
		b.stats.rawFallback++
	}
	return msgs
}

// content reads an llm span's output, and its input when withInput.
func (b *batch) content(sd *spanData, withInput bool) llmContent {
	c := llmContent{span: sd}
	c.output, c.outSrc = b.outputOf(sd)
	if withInput {
		b.parseInput(&c)
	} else {
		c.inSrc = inputSource(sd)
	}
	c.toolDefs = b.toolDefs(sd)
	return c
}

// parseInput reads the input messages and system instructions of c's span.
func (b *batch) parseInput(c *llmContent) {
	if c.inputParsed {
		return
	}
	c.inputParsed = true
	c.input, c.inSrc = b.inputOf(c.span)
	if b.m.cfg.Prompt != PromptConversation {
		return // system instructions only show in the transcript
	}
	if msgs, ok := b.parseSemconv(c.span.scSystem); ok {
		for i := range msgs {
			if t := msgs[i].textOf(); t != "" {
				c.system = append(c.system, t)
			}
		}
	}
}

// inputOf parses the input from the first source that has it (rule 8:
// attributes first, events fill the gap).
func (b *batch) inputOf(sd *spanData) ([]message, string) {
	if msgs, ok := b.parseSemconv(sd.scInput); ok && len(msgs) > 0 {
		return withDefaultRole(msgs, "user"), srcSemconv
	}
	if msgs := sd.ollPrompt.messages(); len(msgs) > 0 {
		return msgs, srcOpenLLMetry
	}
	if msgs := sd.oiInput.messages(); len(msgs) > 0 {
		return msgs, srcOpenInf
	}
	if sd.aiPromptMessages != "" {
		msgs, ok := parseMessages([]byte(sd.aiPromptMessages))
		if !ok {
			b.stats.rawFallback++
			msgs = []message{{role: "user", parts: []part{{kind: partText, text: sd.aiPromptMessages}}}}
		}
		if len(msgs) > 0 {
			return msgs, srcVercel
		}
	}
	if sd.depPrompt != "" {
		return b.legacy(sd.depPrompt, "user"), srcDeprecated
	}
	if msgs, src := b.eventContent(sd, false); len(msgs) > 0 {
		return msgs, src
	}
	if sd.inputValue != "" && sd.conv&convOpenInference != 0 {
		return []message{{role: "user", parts: []part{{kind: partText, text: valueText(sd.inputValue, false)}}}}, srcOpenInfVal
	}
	return nil, ""
}

// inputSource names the source inputOf would read, without parsing.
func inputSource(sd *spanData) string {
	switch {
	case sd.scInput.ok:
		return srcSemconv
	case len(sd.ollPrompt) > 0:
		return srcOpenLLMetry
	case len(sd.oiInput) > 0:
		return srcOpenInf
	case sd.aiPromptMessages != "":
		return srcVercel
	case sd.depPrompt != "":
		return srcDeprecated
	case sd.inputValue != "" && sd.conv&convOpenInference != 0:
		return srcOpenInfVal
	}
	for i := range sd.events {
		switch sd.events[i].name {
		case evSystem, evUser, evAssistant, evTool:
			return srcEvents128
		case evPrompt:
			return srcEvents126
		}
	}
	return ""
}

func (b *batch) outputOf(sd *spanData) ([]message, string) {
	if msgs, ok := b.parseSemconv(sd.scOutput); ok && len(msgs) > 0 {
		return withDefaultRole(msgs, "assistant"), srcSemconv
	}
	if msgs := sd.ollCompletion.messages(); len(msgs) > 0 {
		return msgs, srcOpenLLMetry
	}
	if msgs := sd.oiOutput.messages(); len(msgs) > 0 {
		return msgs, srcOpenInf
	}
	if sd.aiResponseText != "" || sd.aiResponseToolCalls != "" {
		return b.vercelOutput(sd), srcVercel
	}
	if sd.depCompletion != "" {
		return b.legacy(sd.depCompletion, "assistant"), srcDeprecated
	}
	if msgs, src := b.eventContent(sd, true); len(msgs) > 0 {
		return msgs, src
	}
	if sd.outputValue != "" && sd.conv&convOpenInference != 0 {
		return []message{{role: "assistant", parts: []part{{kind: partText, text: valueText(sd.outputValue, true)}}}}, srcOpenInfVal
	}
	return nil, ""
}

func withDefaultRole(msgs []message, role string) []message {
	for i := range msgs {
		if msgs[i].role == "" {
			msgs[i].role = role
		}
	}
	return msgs
}

func (b *batch) vercelOutput(sd *spanData) []message {
	m := message{role: "assistant", finish: sd.aiFinishReason}
	if sd.aiResponseText != "" {
		m.parts = append(m.parts, part{kind: partText, text: sd.aiResponseText})
	}
	if sd.aiResponseToolCalls != "" {
		calls, ok := parseToolCalls([]byte(sd.aiResponseToolCalls))
		if !ok {
			b.stats.rawFallback++
		}
		m.parts = append(m.parts, calls...)
	}
	return []message{m}
}

// eventContent reads the input or output from v1.28 message events, else
// from v1.26 content events.
func (b *batch) eventContent(sd *spanData, output bool) ([]message, string) {
	var msgs, legacy []message
	for i := range sd.events {
		ev := &sd.events[i]
		switch ev.name {
		case evSystem, evUser, evAssistant, evTool:
			if !output {
				if m, ok := b.eventMessage(ev); ok {
					msgs = append(msgs, m)
				}
			}
		case evChoice:
			if output {
				if m, ok := b.eventMessage(ev); ok {
					msgs = append(msgs, m)
				}
			}
		case evPrompt:
			if s := eventString(ev, "gen_ai.prompt"); s != "" && !output {
				legacy = append(legacy, b.legacy(s, "user")...)
			}
		case evCompletion:
			if s := eventString(ev, "gen_ai.completion"); s != "" && output {
				legacy = append(legacy, b.legacy(s, "assistant")...)
			}
		}
	}
	if len(msgs) > 0 {
		return msgs, srcEvents128
	}
	if len(legacy) > 0 {
		return legacy, srcEvents126
	}
	return nil, ""
}

func eventString(ev *eventData, key string) string {
	if v, ok := ev.attrs.Get(key); ok {
		return v.AsString()
	}
	if ev.body.typ() == pcommon.ValueTypeStr {
		return ev.body.v.Str()
	}
	return ""
}

var eventRoles = map[string]string{evSystem: "system", evUser: "user", evAssistant: "assistant", evTool: "tool", evChoice: "assistant"}

// eventMessage decodes a v1.28 event: the body (log records) or the
// attributes (span events) hold the message.
func (b *batch) eventMessage(ev *eventData) (message, bool) {
	var data []byte
	switch ev.body.typ() {
	case pcommon.ValueTypeMap:
		data = pdatautil.AppendJSONValue(nil, ev.body.v)
	case pcommon.ValueTypeStr:
		data = []byte(ev.body.v.Str())
	default:
		data = appendMapJSON(nil, ev.attrs)
	}
	m, ok := parseMessage(data, eventRoles[ev.name])
	if !ok {
		if ev.body.typ() == pcommon.ValueTypeStr && ev.body.v.Str() != "" {
			b.stats.rawFallback++
			return message{role: eventRoles[ev.name], parts: []part{{kind: partText, text: ev.body.v.Str()}}}, true
		}
		return message{}, false
	}
	return m, true
}

func appendMapJSON(b []byte, m pcommon.Map) []byte {
	v := pcommon.NewValueMap()
	m.CopyTo(v.Map())
	return pdatautil.AppendJSONValue(b, v)
}

type jToolDef struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Function    *struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"function"`
}

func (d *jToolDef) def() toolDef {
	if d.Function != nil && d.Function.Name != "" {
		return toolDef{d.Function.Name, d.Function.Description}
	}
	return toolDef{d.Name, d.Description}
}

// toolDefs reads the tool definitions offered to the model.
func (b *batch) toolDefs(sd *spanData) []toolDef {
	defs := slices.Clone(sd.ollFunctions)
	if data := sd.scToolDefs.json(); data != nil {
		var jd []jToolDef
		if json.Unmarshal(data, &jd) == nil {
			for i := range jd {
				defs = append(defs, jd[i].def())
			}
		}
	}
	one := func(s string) {
		var jd jToolDef
		if json.Unmarshal([]byte(s), &jd) == nil {
			defs = append(defs, jd.def())
		}
	}
	for _, s := range sd.oiTools {
		one(s)
	}
	switch sd.aiTools.typ() {
	case pcommon.ValueTypeSlice:
		for i := 0; i < sd.aiTools.v.Slice().Len(); i++ {
			one(sd.aiTools.v.Slice().At(i).AsString())
		}
	case pcommon.ValueTypeStr:
		one(sd.aiTools.v.Str())
	}
	return defs
}

// build assembles the interactions of every trace in the batch.
func (b *batch) build() []interaction {
	for i := range b.spans {
		sd := &b.spans[i]
		if len(sd.events) > 0 {
			b.applyEvents(sd)
		}
		if sd.role == roleNone {
			sd.classify()
		}
		if b.resources[sd.res].openlit {
			sd.conv |= convOpenLIT
		}
	}
	var out []interaction
	used := make([]bool, len(b.spans))
	for _, tid := range b.traces {
		idx := b.byTrace[tid]
		roots := b.roots(idx)
		for _, r := range roots {
			ix, ok := b.buildInteraction(&r, used)
			if ok {
				out = append(out, ix)
			}
		}
	}
	for i := range b.spans {
		if !used[i] && !b.spans[i].synthetic {
			b.stats.spansSkipped++
		}
	}
	return out
}

type rootGroup struct {
	root       int   // the span whose ids and resource describe the turn
	members    []int // every span of the turn, root first, then by start time
	start, end uint64
}

// groupKey identifies a turn: a trace root or a top-level agent span stands
// for itself; top-level spans whose parent is missing (not sent yet, or in
// another process) are siblings of one turn under that parent, and log-only
// (synthetic) spans of a trace share one turn.
type groupKey struct {
	span    int
	virtual bool
	parent  pcommon.SpanID
}

// roots finds the turns of one trace (rule 2): every group of spans that
// has at least one llm span.
func (b *batch) roots(idx []int) []rootGroup {
	parentOf := func(i int) int {
		sd := &b.spans[i]
		if sd.parentID.IsEmpty() {
			return -1
		}
		if p, ok := b.bySpan[spanKey{sd.traceID, sd.parentID}]; ok && p != i {
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
		if p >= 0 && depth < 512 { // depth bound guards against parent cycles
			t = topOf(p, depth+1)
		}
		top[i] = t
		return t
	}
	keyOf := func(i int) groupKey {
		t := topOf(i, 0)
		sd := &b.spans[t]
		switch {
		case sd.synthetic:
			return groupKey{virtual: true}
		case sd.parentID.IsEmpty() || sd.role == roleAgent:
			return groupKey{span: t}
		}
		return groupKey{virtual: true, parent: sd.parentID}
	}
	groups := map[groupKey]*rootGroup{}
	var order []groupKey
	for _, i := range idx {
		if b.spans[i].role != roleLLM {
			continue
		}
		k := keyOf(i)
		if _, ok := groups[k]; !ok {
			groups[k] = &rootGroup{root: -1}
			order = append(order, k)
		}
	}
	for _, i := range idx {
		if g, ok := groups[keyOf(i)]; ok {
			g.members = append(g.members, i)
		}
	}
	out := make([]rootGroup, 0, len(order))
	for _, k := range order {
		g := groups[k]
		slices.SortStableFunc(g.members, func(x, y int) int {
			return cmpUint(b.spans[x].start, b.spans[y].start)
		})
		if !k.virtual {
			g.root = k.span
			g.start, g.end = b.spans[k.span].start, b.spans[k.span].end
		} else {
			// the earliest top-level span stands for the missing root; the
			// turn lasts from the first start to the last end among them
			for _, i := range g.members {
				sd := &b.spans[i]
				if topOf(i, 0) != i {
					continue
				}
				if g.root < 0 {
					g.root = i
					g.start = sd.start
				}
				if sd.start != 0 && sd.start < g.start {
					g.start = sd.start
				}
				if sd.end > g.end {
					g.end = sd.end
				}
			}
		}
		g.members = slices.DeleteFunc(g.members, func(i int) bool { return i == g.root })
		g.members = append([]int{g.root}, g.members...)
		out = append(out, *g)
	}
	slices.SortStableFunc(out, func(x, y rootGroup) int { return cmpUint(x.start, y.start) })
	return out
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (b *batch) buildInteraction(g *rootGroup, used []bool) (interaction, bool) {
	root, members := g.root, g.members
	var llms, tools, agents []int
	var conv convention
	for _, i := range members {
		sd := &b.spans[i]
		switch sd.role {
		case roleLLM:
			llms = append(llms, i)
		case roleTool:
			tools = append(tools, i)
		case roleAgent:
			agents = append(agents, i)
		}
		if sd.role != roleNone {
			conv |= sd.conv
		}
	}
	if len(llms) == 0 {
		return interaction{}, false
	}
	llms, inner := b.nestedLLMs(llms)
	for k, i := range inner {
		for _, j := range i {
			b.spans[llms[k]].fillFrom(&b.spans[j], false)
		}
	}
	ix := interaction{spans: members}
	for _, i := range members {
		used[i] = true
		if !b.spans[i].synthetic {
			b.stats.spansMapped++
		}
		if b.spans[i].partial {
			ix.Meta.Partial = true
		}
	}
	rs := &b.spans[root]
	res := &b.resources[rs.res]
	md := &ix.Meta

	contents := make([]llmContent, len(llms))
	for k, i := range llms {
		contents[k] = b.content(&b.spans[i], k == 0)
	}
	for k := range inner {
		b.fillContent(&contents[k], inner[k], k == 0)
	}

	// identities and context: spans in order (root first), then the resource
	lookup := func(chain []int) string {
		for _, id := range chain {
			for _, i := range members {
				if v := b.spans[i].ident[id]; v != "" {
					return v
				}
			}
			if v := res.ident[id]; v != "" {
				return v
			}
		}
		return ""
	}
	ix.UserID = lookup(userIDChain)
	ix.SessionID = lookup(sessionIDChain)
	ix.ConversationID = lookup([]int{idConversationID})
	if ix.ConversationID == "" {
		ix.ConversationID = ix.SessionID
	}
	md.Environment = lookup(envChain)
	md.UserAgent = lookup([]int{idUserAgent})
	md.IPAddress = lookup([]int{idClientAddress})

	ix.AgentID = b.agentID(members, agents, res)
	for _, i := range append(slices.Clone(agents), members...) {
		if v := b.spans[i].agentID; v != "" {
			md.AgentInternalID = v
			break
		}
	}

	// timing
	md.Timestamp = g.start
	if g.end != 0 && g.end >= g.start && g.start != 0 {
		md.ResponseTimeMS = precogxapi.SomeInt(int64((g.end - g.start) / 1e6))
	}
	md.TraceID = hex.EncodeToString(rs.traceID[:])
	md.RootSpanID = hex.EncodeToString(rs.spanID[:])
	md.ServiceName = res.serviceName

	// platform
	md.Platform = b.m.platform
	if md.Platform == "" {
		for _, cn := range conventionNames {
			if conv&cn.c != 0 {
				md.Platform = cn.name
				break
			}
		}
		if md.Platform == "" {
			md.Platform = conventionNames[len(conventionNames)-1].name
		}
	}

	// llm calls
	md.LLMCallCount = len(llms)
	md.ResponseIDs = []string{}
	md.FinishReasons = []string{}
	md.ContentSource = []string{}
	var in, out, total int64
	var hasUsage bool
	for k, i := range llms {
		sd := &b.spans[i]
		if u, ok := sd.tokens(); ok {
			hasUsage = true
			in += u.in.V
			out += u.out.V
			total += u.total.V
		}
		if sd.cost.OK {
			md.CostUSD = precogxapi.SomeFloat(md.CostUSD.V + sd.cost.V)
		}
		if sd.responseID != "" {
			md.ResponseIDs = append(md.ResponseIDs, sd.responseID)
		}
		md.FinishReasons = append(md.FinishReasons, sd.finishReasonList(&contents[k])...)
		for _, s := range []string{contents[k].inSrc, contents[k].outSrc} {
			if s != "" && !slices.Contains(md.ContentSource, s) {
				md.ContentSource = append(md.ContentSource, s)
			}
		}
		if sd.temperature.OK {
			md.Temperature = sd.temperature
		}
		if sd.maxTokens.OK && sd.maxTokens.V >= 0 {
			md.MaxTokens = sd.maxTokens
		}
		if p := sd.invocation(); p != nil {
			if !sd.temperature.OK && p.Temperature != nil {
				md.Temperature = precogxapi.SomeFloat(*p.Temperature)
			}
			if !sd.maxTokens.OK {
				if mt := p.maxTokens(); mt.OK && mt.V >= 0 {
					md.MaxTokens = mt
				}
			}
		}
	}
	if hasUsage {
		md.InputTokens, md.OutputTokens = precogxapi.SomeInt(in), precogxapi.SomeInt(out)
		md.TokensUsed = precogxapi.SomeInt(total)
	}
	last := &b.spans[llms[len(llms)-1]]
	md.RequestModel = last.requestModelOf()
	md.Model = firstNonEmpty(last.responseModel, md.RequestModel)
	for k := len(llms) - 1; k >= 0 && md.ModelProvider == ""; k-- {
		md.ModelProvider = normalizeProvider(b.spans[llms[k]].providerOf())
	}
	for _, i := range agents {
		if md.ModelProvider != "" {
			break
		}
		md.ModelProvider = normalizeProvider(b.spans[i].providerOf())
	}

	// prompt and response
	ix.Prompt, ix.Response = b.promptResponse(contents, rs, agents, &md.ContentSource)
	ix.ToolCalls = b.toolCalls(tools, contents)
	md.Custom = b.customFields(members, res)
	if b.m.redactor != nil {
		b.m.redactor.redact(&ix, &b.stats.redacted)
	}
	b.limit(&ix)
	return ix, true
}

// nestedLLMs sets apart the llm spans below another llm span (rule 8): an
// SDK tracing its own call under an instrumentation's span is the same model
// call. It returns the outermost llm spans and, when any is nested, the
// spans nested in each of them (nil otherwise).
func (b *batch) nestedLLMs(llms []int) ([]int, [][]int) {
	if len(llms) < 2 {
		return llms, nil
	}
	var outerOf []int // per llm: the outermost llm span above it, or -1
	for k, i := range llms {
		o := b.outerLLM(i)
		if o < 0 {
			continue
		}
		if outerOf == nil {
			outerOf = make([]int, len(llms))
			for x := range outerOf {
				outerOf[x] = -1
			}
		}
		outerOf[k] = o
	}
	// A streamed call's SDK span may share the instrumentation span's parent
	// instead of sitting below it: siblings whose times overlap and that
	// speak different conventions are one call too (llms are by start time).
	for k, i := range llms {
		if outerOf != nil && outerOf[k] >= 0 || k > maxSiblingScan {
			continue
		}
		for k2, j := range llms[:k] {
			if (outerOf == nil || outerOf[k2] < 0) && b.sameCall(j, i) {
				if outerOf == nil {
					outerOf = make([]int, len(llms))
					for x := range outerOf {
						outerOf[x] = -1
					}
				}
				outerOf[k] = j
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

// sameCall tells whether llm span b, starting no earlier than a, is a's model
// call traced again by another library: same parent, overlapping times,
// different conventions.
func (b *batch) sameCall(a, c int) bool {
	x, y := &b.spans[a], &b.spans[c]
	return x.parentID == y.parentID && x.conv != y.conv && y.start >= x.start && y.start < x.end
}

// outerLLM is the outermost llm span above span i, or -1.
func (b *batch) outerLLM(i int) int {
	top := -1
	sd := &b.spans[i]
	for depth := 0; depth < 512 && !sd.parentID.IsEmpty(); depth++ {
		p, ok := b.bySpan[spanKey{sd.traceID, sd.parentID}]
		if !ok || p == i {
			break
		}
		sd = &b.spans[p]
		if sd.role == roleLLM {
			top = p
		}
	}
	return top
}

// fillContent lets nested llm spans fill what an outer call's content lacks.
func (b *batch) fillContent(c *llmContent, nested []int, withInput bool) {
	for _, i := range nested {
		needIn := withInput && len(c.input) == 0
		if len(c.output) > 0 && !needIn && len(c.toolDefs) > 0 {
			return
		}
		n := b.content(&b.spans[i], needIn)
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

// agentID resolves agentId by SPEC section 4 rule 3.
func (b *batch) agentID(members, agents []int, res *resourceData) string {
	if b.m.cfg.AgentID != "" {
		return b.m.cfg.AgentID
	}
	for _, k := range b.m.cfg.AgentIDAttributes {
		for _, i := range members {
			if v, ok := b.spans[i].attrs.Get(k); ok && v.AsString() != "" {
				return v.AsString()
			}
		}
		if v, ok := res.res.Attributes().Get(k); ok && v.AsString() != "" {
			return v.AsString()
		}
	}
	ordered := append(slices.Clone(agents), members...)
	for _, i := range ordered {
		sd := &b.spans[i]
		if v := firstNonEmpty(sd.agentName, sd.oiAgentName); v != "" {
			return v
		}
	}
	for _, i := range ordered {
		if v := b.spans[i].functionID; v != "" {
			return v
		}
	}
	for _, i := range ordered {
		sd := &b.spans[i]
		if sd.kind == "agent" && sd.entityName != "" {
			return sd.entityName
		}
	}
	if res.serviceName != "" {
		return res.serviceName
	}
	return "unknown_service"
}

func (sd *spanData) tokens() (tokenUsage, bool) {
	for _, u := range sd.usage {
		if u.in.OK || u.out.OK || u.total.OK {
			if !u.total.OK || u.in.OK || u.out.OK {
				u.total = precogxapi.SomeInt(u.in.V + u.out.V)
			}
			return u, true
		}
	}
	return tokenUsage{}, false
}

func (sd *spanData) finishReasonList(c *llmContent) []string {
	var out []string
	switch v := sd.finishReasonsVal.v; sd.finishReasonsVal.typ() {
	case pcommon.ValueTypeSlice:
		for i := 0; i < v.Slice().Len(); i++ {
			out = append(out, v.Slice().At(i).AsString())
		}
		return out
	case pcommon.ValueTypeStr:
		if s := v.Str(); s != "" {
			if strings.HasPrefix(s, "[") {
				if json.Unmarshal([]byte(s), &out) == nil {
					return out
				}
			}
			return []string{s}
		}
	}
	if sd.aiFinishReason != "" {
		return []string{sd.aiFinishReason}
	}
	for i := range c.output {
		if f := c.output[i].finish; f != "" {
			out = append(out, f)
		}
	}
	return out
}

type invocationParams struct {
	Model               string   `json:"model"`
	Temperature         *float64 `json:"temperature"`
	MaxTokens           *int64   `json:"max_tokens"`
	MaxOutputTokens     *int64   `json:"max_output_tokens"`
	MaxCompletionTokens *int64   `json:"max_completion_tokens"`
}

func (p *invocationParams) maxTokens() precogxapi.OptInt {
	for _, v := range []*int64{p.MaxTokens, p.MaxOutputTokens, p.MaxCompletionTokens} {
		if v != nil {
			return precogxapi.SomeInt(*v)
		}
	}
	return precogxapi.OptInt{}
}

func (sd *spanData) invocation() *invocationParams {
	if sd.invocationParams == "" {
		return nil
	}
	var p invocationParams
	if json.Unmarshal([]byte(sd.invocationParams), &p) != nil {
		return nil
	}
	return &p
}

func (sd *spanData) requestModelOf() string {
	if sd.requestModel != "" {
		return sd.requestModel
	}
	if p := sd.invocation(); p != nil {
		return p.Model
	}
	return ""
}

func (sd *spanData) providerOf() string {
	if p := firstNonEmpty(sd.provider, sd.system, sd.llmProvider, sd.llmSystem, sd.aiProvider); p != "" || sd.oiMetadata == "" {
		return p
	}
	// LangChain's own metadata, as OpenInference's LangChain instrumentation records it
	var md struct {
		Provider string `json:"ls_provider"`
	}
	if json.Unmarshal([]byte(sd.oiMetadata), &md) == nil {
		return md.Provider
	}
	return ""
}

var providerAliases = map[string]string{
	"azure_openai": "azure.ai.openai", "az.ai.openai": "azure.ai.openai", "azure-openai": "azure.ai.openai", "azure": "azure.ai.openai",
	"az.ai.inference": "azure.ai.inference",
	"bedrock":         "aws.bedrock", "aws_bedrock": "aws.bedrock", "amazon-bedrock": "aws.bedrock", "amazon_bedrock": "aws.bedrock",
	"vertex_ai": "gcp.vertex_ai", "vertexai": "gcp.vertex_ai", "google.vertex": "gcp.vertex_ai", "vertex": "gcp.vertex_ai",
	"gemini": "gcp.gemini", "google.generative-ai": "gcp.gemini", "google": "gcp.gemini", "google_genai": "gcp.gemini",
	"mistral": "mistral_ai", "mistralai": "mistral_ai",
	"xai": "x_ai", "grok": "x_ai",
	"watsonx": "ibm.watsonx.ai",
}

// normalizeProvider lower-cases a provider and folds known aliases, such as
// the AI SDK's "openai.responses" or "anthropic.messages".
func normalizeProvider(p string) string {
	p = strings.ToLower(strings.TrimSpace(p))
	if p == "" {
		return ""
	}
	if a, ok := providerAliases[p]; ok {
		return a
	}
	switch p {
	case "azure.ai.openai", "azure.ai.inference", "aws.bedrock", "gcp.vertex_ai", "gcp.gemini", "gcp.gen_ai", "ibm.watsonx.ai":
		return p
	}
	if strings.HasPrefix(p, "google.vertex") {
		return "gcp.vertex_ai"
	}
	if head, _, ok := strings.Cut(p, "."); ok {
		if a, ok := providerAliases[head]; ok {
			return a
		}
		return head
	}
	return p
}

// promptResponse applies rule 4, falling back to the agents' and then the
// root's own input and output when the llm spans carry no content; the
// fallback's source joins metadata.content_source.
func (b *batch) promptResponse(contents []llmContent, root *spanData, agents []int, sources *[]string) (string, string) {
	var prompt, response string
	if len(contents) > 0 {
		first := &contents[0]
		if b.m.cfg.Prompt == PromptConversation {
			prompt = transcript(first)
		} else {
			prompt = lastUserText(first.input)
		}
	}
	for k := len(contents) - 1; k >= 0 && response == ""; k-- {
		response = firstText(contents[k].output)
	}
	for _, sd := range append(b.spanPtrs(agents), root) {
		if prompt != "" && response != "" {
			break
		}
		in, out, src := b.agentIO(sd)
		used := false
		if prompt == "" && in != "" {
			prompt, used = in, true
		}
		if response == "" && out != "" {
			response, used = out, true
		}
		if used && !slices.Contains(*sources, src) {
			*sources = append(*sources, src)
		}
	}
	return prompt, response
}

func (b *batch) spanPtrs(idx []int) []*spanData {
	out := make([]*spanData, len(idx))
	for k, i := range idx {
		out[k] = &b.spans[i]
	}
	return out
}

// lastUserText is the text of the last user message that has text.
func lastUserText(msgs []message) string {
	if t := userText(msgs); t != "" {
		return unnestMessages(t)
	}
	return ""
}

func userText(msgs []message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].role == "user" || msgs[i].role == "human" {
			if t := msgs[i].textOf(); t != "" {
				return t
			}
		}
	}
	return ""
}

// unnestMessages reads a user text that is itself a JSON message list (the
// Traceloop Responses API instrumentation stringifies the whole input).
func unnestMessages(t string) string {
	if !looksLikeJSON([]byte(t)) || t[len(t)-1] != ']' {
		return t
	}
	if msgs, ok := parseMessages([]byte(t)); ok {
		if inner := userText(msgs); inner != "" {
			return inner
		}
	}
	return t
}

// transcript renders the whole input, one "role: text" line per message.
func transcript(c *llmContent) string {
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
		text := m.textOf()
		if text == "" {
			var parts []string
			for _, p := range m.parts {
				switch p.kind {
				case partToolCall:
					parts = append(parts, p.name+"("+p.args.Text()+")")
				case partToolResult:
					parts = append(parts, p.args.Text())
				}
			}
			text = strings.Join(parts, " ")
		}
		line(firstNonEmpty(m.role, "user"), text)
	}
	return sb.String()
}

// agentIO reads the input and output an agent or workflow span records
// itself, from the first convention that has them, with its source label.
func (b *batch) agentIO(sd *spanData) (in, out, src string) {
	if sd.scInput.ok || sd.scOutput.ok {
		if msgs, ok := b.parseSemconv(sd.scInput); ok {
			in = lastUserText(withDefaultRole(msgs, "user"))
		}
		if msgs, ok := b.parseSemconv(sd.scOutput); ok {
			out = firstText(msgs)
		}
		if in != "" || out != "" {
			return in, out, srcSemconv
		}
	}
	if sd.aiPrompt != "" || sd.aiResponseText != "" {
		var p struct {
			Prompt   json.RawMessage `json:"prompt"`
			Messages json.RawMessage `json:"messages"`
		}
		if json.Unmarshal([]byte(sd.aiPrompt), &p) == nil {
			if len(p.Prompt) > 0 && p.Prompt[0] == '"' {
				_ = json.Unmarshal(p.Prompt, &in)
			} else if msgs, ok := parseMessages(firstRaw(p.Prompt, p.Messages)); ok {
				in = lastUserText(msgs)
			}
		}
		return in, sd.aiResponseText, srcVercel
	}
	if sd.inputValue != "" || sd.outputValue != "" {
		return valueText(sd.inputValue, false), valueText(sd.outputValue, true), srcOpenInfVal
	}
	if sd.entityInput != "" || sd.entityOutput != "" {
		return unwrapEntityText(sd.entityInput), unwrapEntityText(sd.entityOutput), srcTraceloop
	}
	if sd.mastraInput != "" || sd.mastraOutput != "" {
		return valueText(sd.mastraInput, false), valueText(sd.mastraOutput, true), srcMastra
	}
	return "", "", ""
}

func lastText(msgs []message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if t := msgs[i].textOf(); t != "" {
			return t
		}
	}
	return ""
}

func firstText(msgs []message) string {
	for i := range msgs {
		if t := msgs[i].textOf(); t != "" {
			return t
		}
	}
	return ""
}

// valueShape holds the request and response shapes seen in OpenInference
// input.value / output.value: chat messages, Responses API input and
// output_text, chat completion choices.
type valueShape struct {
	Messages   json.RawMessage `json:"messages"`
	Input      json.RawMessage `json:"input"`
	OutputText string          `json:"output_text"`
	Text       string          `json:"text"` // Mastra's agent run output
	Choices    []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
		Text string `json:"text"`
	} `json:"choices"`
	Output []struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	} `json:"output"`
}

// valueText reads an OpenInference input.value or output.value as the user's
// question or the answer: plain text, a JSON string, JSON messages, or the
// JSON of an OpenAI request or response.
func valueText(s string, output bool) string {
	t := strings.TrimSpace(s)
	if t == "" {
		return ""
	}
	pick := func(msgs []message) string {
		if output {
			return lastText(msgs)
		}
		return lastUserText(msgs)
	}
	switch t[0] {
	case '"':
		var out string
		if json.Unmarshal([]byte(t), &out) == nil {
			return out
		}
	case '[':
		if msgs, ok := parseMessages([]byte(t)); ok {
			if x := pick(msgs); x != "" {
				return x
			}
		}
	case '{':
		var v valueShape
		if json.Unmarshal([]byte(t), &v) != nil {
			break
		}
		if output {
			if x := firstNonEmpty(v.OutputText, v.Text); x != "" {
				return x
			}
			for _, c := range v.Choices {
				if x := firstNonEmpty(c.Message.Content, c.Text); x != "" {
					return x
				}
			}
			for _, o := range v.Output {
				for _, c := range o.Content {
					if c.Text != "" {
						return c.Text
					}
				}
			}
			break
		}
		if in := firstRaw(v.Messages, v.Input); len(in) > 0 {
			if in[0] == '"' {
				var q string
				if json.Unmarshal(in, &q) == nil {
					return q
				}
			}
			if msgs, ok := parseMessages(in); ok {
				if x := pick(msgs); x != "" {
					return x
				}
			}
		}
		if msgs, ok := parseMessages([]byte(t)); ok {
			if x := pick(msgs); x != "" {
				return x
			}
		}
	}
	return s
}

// unwrapEntityText reads traceloop.entity.input/output as text.
func unwrapEntityText(s string) string {
	if s == "" {
		return ""
	}
	return unwrapEntity(s).Text()
}

// unwrapEntity reads traceloop's {"args":[...],"kwargs":{...}} wrapping.
func unwrapEntity(s string) precogxapi.RawJSON {
	var v precogxapi.RawJSON
	if t := strings.TrimSpace(s); json.Valid([]byte(t)) {
		// also unwraps JSON encoded twice, as the JS SDK does
		v = jsonFromRaw(json.RawMessage(t))
	} else {
		v = jsonFromText(s)
	}
	if len(v) == 0 || v[0] != '{' {
		return v
	}
	var w struct {
		Args   []json.RawMessage `json:"args"`
		Kwargs map[string]json.RawMessage
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(v, &probe) != nil || len(probe) > 2 {
		return v
	}
	_, hasArgs := probe["args"]
	kw, hasKwargs := probe["kwargs"]
	if !hasArgs && !hasKwargs {
		return v
	}
	_ = json.Unmarshal(v, &w)
	switch {
	case len(w.Args) == 0 && hasKwargs:
		return precogxapi.RawJSON(kw)
	case len(w.Kwargs) == 0 && len(w.Args) == 1:
		return jsonFromRaw(w.Args[0])
	case len(w.Kwargs) == 0:
		out, _ := json.Marshal(w.Args)
		return out
	}
	return v
}

// toolCalls applies rule 5.
func (b *batch) toolCalls(tools []int, contents []llmContent) []precogxapi.ToolCall {
	defs := map[string]string{}
	for k := range contents {
		for _, d := range contents[k].toolDefs {
			if d.name != "" && d.description != "" {
				if _, ok := defs[d.name]; !ok {
					defs[d.name] = d.description
				}
			}
		}
	}
	out := make([]precogxapi.ToolCall, 0, len(tools))
	matched := make([]bool, len(tools))
	callIDs := make([]string, len(tools))
	for t, i := range tools {
		sd := &b.spans[i]
		tc := precogxapi.ToolCall{Success: !sd.error}
		switch {
		case sd.toolArgs.ok:
			tc.Input = jsonFromValue(sd.toolArgs.v)
		case sd.entityInput != "":
			tc.Input = unwrapEntity(sd.entityInput)
		case sd.inputValue != "":
			tc.Input = jsonFromText(sd.inputValue)
		default:
			tc.Input = jsonFromText(toolEventText(sd, evTool, "content"))
		}
		switch {
		case sd.toolResult.ok:
			tc.Output = jsonFromValue(sd.toolResult.v)
		case sd.entityOutput != "":
			tc.Output = unwrapEntity(sd.entityOutput)
		case sd.outputValue != "":
			tc.Output = jsonFromText(sd.outputValue)
		default:
			tc.Output = jsonFromText(toolEventText(sd, evChoice, "message"))
		}
		tc.Output = blockValue(tc.Output)
		// a LangChain tool returns its serialized ToolMessage, which names
		// the tool and the call
		lc, isLC := langChainToolMessage(tc.Output)
		if isLC {
			tc.Output = lc.content
		}
		tc.Name = firstNonEmpty(sd.toolName, lc.name, sd.entityName, strings.TrimPrefix(sd.name, "execute_tool "))
		tc.Description = firstNonEmpty(sd.toolDesc, defs[tc.Name])
		callIDs[t] = firstNonEmpty(sd.toolCallID, lc.callID)
		if sd.end >= sd.start && sd.end != 0 {
			tc.ExecutionMS = precogxapi.SomeInt(int64((sd.end - sd.start) / 1e6))
		}
		out = append(out, tc)
	}

	// requested calls: llm outputs, and the current turn's history
	var requested []part
	seen := map[string]bool{}
	add := func(p part) {
		key := p.id
		if key == "" {
			key = p.name + "\x00" + string(p.args)
		}
		if seen[key] {
			return
		}
		seen[key] = true
		requested = append(requested, p)
	}
	if len(contents) > 0 {
		// the first call's history after the prompt: tool calls of this turn
		// made before the first call that was recorded
		in := contents[0].input
		start := 0
		for i := len(in) - 1; i >= 0; i-- {
			if (in[i].role == "user" || in[i].role == "human") && in[i].hasTextPart() {
				start = i + 1
				break
			}
		}
		for i := start; i < len(in); i++ {
			for _, p := range in[i].parts {
				if p.kind == partToolCall {
					add(p)
				}
			}
		}
	}
	for k := range contents {
		for i := range contents[k].output {
			for _, p := range contents[k].output[i].parts {
				if p.kind == partToolCall {
					add(p)
				}
			}
		}
	}
	pending := requested[:0:0]
	for _, p := range requested {
		found := false
		if p.id != "" {
			for t := range tools {
				if !matched[t] && callIDs[t] == p.id {
					matched[t], found = true, true
					fillInput(&out[t], p)
					break
				}
			}
		}
		if !found {
			pending = append(pending, p)
		}
	}
	var results map[string]precogxapi.RawJSON
	for _, p := range pending {
		found := false
		for t := range tools {
			if !matched[t] && out[t].Name == p.name {
				matched[t], found = true, true
				fillInput(&out[t], p)
				break
			}
		}
		if found {
			continue
		}
		tc := precogxapi.ToolCall{Name: p.name, Description: defs[p.name], Input: p.args, Success: true}
		if p.id != "" {
			if results == nil {
				results = b.toolResults(contents)
			}
			tc.Output = results[p.id]
		}
		out = append(out, tc)
	}
	return out
}

// toolResults reads the tool results in every call's input, by call id.
func (b *batch) toolResults(contents []llmContent) map[string]precogxapi.RawJSON {
	results := map[string]precogxapi.RawJSON{}
	for k := range contents {
		b.parseInput(&contents[k])
		for i := range contents[k].input {
			for _, p := range contents[k].input[i].parts {
				if p.kind == partToolResult && p.id != "" {
					results[p.id] = p.args
				}
			}
		}
	}
	return results
}

// fillInput gives a tool span the arguments of its requested call when the
// span has none, or only text whose argument names are lost (rule 11).
func fillInput(tc *precogxapi.ToolCall, p part) {
	if len(p.args) > 0 && (len(tc.Input) == 0 || (tc.Input[0] != '{' && tc.Input[0] != '[')) {
		tc.Input = p.args
	}
}

// toolEventText reads a tool span's input or output from its events, where
// Strands keeps them (gen_ai.tool.message content, gen_ai.choice message).
func toolEventText(sd *spanData, name, key string) string {
	for i := range sd.events {
		if sd.events[i].name == name {
			if s := eventString(&sd.events[i], key); s != "" {
				return s
			}
		}
	}
	return ""
}

type lcToolMessage struct {
	content      precogxapi.RawJSON
	name, callID string
}

// langChainToolMessage reads a LangChain serialized ToolMessage
// ({"lc":1,"type":"constructor","id":[...,"ToolMessage"],"kwargs":{...}},
// also wrapped as {"output":...}), as LangChain instrumentations record a
// tool's output.
func langChainToolMessage(r precogxapi.RawJSON) (lcToolMessage, bool) {
	if len(r) == 0 || r[0] != '{' || !bytes.Contains(r, []byte(`"ToolMessage"`)) {
		return lcToolMessage{}, false
	}
	type msg struct {
		LC     int      `json:"lc"`
		ID     []string `json:"id"`
		Kwargs struct {
			Content    json.RawMessage `json:"content"`
			ToolCallID string          `json:"tool_call_id"`
			Name       string          `json:"name"`
		} `json:"kwargs"`
	}
	var w struct {
		msg
		Output *msg `json:"output"`
	}
	if json.Unmarshal(r, &w) != nil {
		return lcToolMessage{}, false
	}
	m := &w.msg
	if w.Output != nil {
		m = w.Output
	}
	if m.LC == 0 || len(m.ID) == 0 || m.ID[len(m.ID)-1] != "ToolMessage" {
		return lcToolMessage{}, false
	}
	return lcToolMessage{content: blockValue(jsonFromRaw(m.Kwargs.Content)), name: m.Kwargs.Name, callID: m.Kwargs.ToolCallID}, true
}

// customFields copies mapping.metadata_attributes (spans first, then resource).
func (b *batch) customFields(members []int, res *resourceData) []precogxapi.CustomField {
	var out []precogxapi.CustomField
	for _, k := range b.m.cfg.MetadataAttributes {
		found := false
		for _, i := range members {
			sd := &b.spans[i]
			if v, ok := sd.attrs.Get(k); ok {
				out = append(out, precogxapi.CustomField{Key: k, Value: v})
				found = true
				break
			}
		}
		if !found {
			if v, ok := res.res.Attributes().Get(k); ok {
				out = append(out, precogxapi.CustomField{Key: k, Value: v})
			}
		}
	}
	return out
}
