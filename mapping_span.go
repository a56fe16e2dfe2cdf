package precogxexporter // import "github.com/precogx/precogxexporter"

import (
	"strconv"
	"strings"

	"github.com/precogx/precogxexporter/internal/assembly"
	"github.com/precogx/precogxexporter/internal/precogxapi"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

type spanRole uint8

const (
	roleNone spanRole = iota
	roleLLM
	roleTool
	roleAgent
)

// Detected conventions, in increasing order of precedence for metadata.platform.
type convention uint8

const (
	convSemconv convention = 1 << iota
	convOpenLIT
	convOpenLLMetry
	convOpenInference
	convVercel
)

var conventionNames = []struct {
	c    convention
	name string
}{
	{convVercel, "vercel-ai-sdk"},
	{convOpenInference, "openinference"},
	{convOpenLLMetry, "openllmetry"},
	{convOpenLIT, "openlit"},
	{convSemconv, "otel-genai-semconv"},
}

// Identity and context attributes, captured in the single attribute pass and
// resolved later in the priority order of SPEC section 4 rule 7.
const (
	idUserID = iota
	idEndUserID
	idLangfuseUser
	idTraceloopUser
	idAIUser
	idAIContextUser
	idMastraUser
	idSessionID
	idLangfuseSession
	idTraceloopSession
	idAISession
	idAIContextSession
	idMastraSession
	idConversationID
	idUserAgent
	idClientAddress
	idEnvName
	idEnv
	idCount
)

var identKeys = map[string]int{
	"user.id":          idUserID,
	"enduser.id":       idEndUserID,
	"langfuse.user.id": idLangfuseUser,
	"traceloop.association.properties.user_id":    idTraceloopUser,
	"ai.telemetry.metadata.userId":                idAIUser,
	"ai.settings.context.userId":                  idAIContextUser,
	"session.id":                                  idSessionID,
	"langfuse.session.id":                         idLangfuseSession,
	"traceloop.association.properties.session_id": idTraceloopSession,
	"ai.telemetry.metadata.sessionId":             idAISession,
	"ai.settings.context.sessionId":               idAIContextSession,
	"mastra.metadata.userId":                      idMastraUser,
	"mastra.metadata.sessionId":                   idMastraSession,
	"gen_ai.conversation.id":                      idConversationID,
	"user_agent.original":                         idUserAgent,
	"client.address":                              idClientAddress,
	"deployment.environment.name":                 idEnvName,
	"deployment.environment":                      idEnv,
}

var (
	userIDChain    = []int{idUserID, idEndUserID, idLangfuseUser, idTraceloopUser, idAIUser, idAIContextUser, idMastraUser}
	sessionIDChain = []int{idSessionID, idLangfuseSession, idTraceloopSession, idAISession, idAIContextSession, idMastraSession, idConversationID}
	envChain       = []int{idEnvName, idEnv}
)

// spanData is what the mapping keeps of one span (or of the log events of a
// span that is not in the batch). Content values are kept as references and
// parsed only for spans that end up in an interaction.
type spanData struct {
	traceID  pcommon.TraceID
	spanID   pcommon.SpanID
	parentID pcommon.SpanID
	name     string
	start    uint64
	end      uint64 // 0: unknown (built from log events only)
	res      int    // index into mapper.resources
	attrs    pcommon.Map
	// synthetic spans stand in for log events whose span was not there
	synthetic bool
	partial   bool

	role  spanRole
	conv  convention
	op    string
	kind  string // openinference.span.kind or traceloop.span.kind
	aiOp  string // ai.operationId
	error bool

	provider, system, llmProvider, llmSystem, aiProvider string
	requestModel, responseModel, responseID              string
	temperature                                          precogxapi.OptFloat
	maxTokens                                            precogxapi.OptInt
	usage                                                [usageSources]tokenUsage
	cost                                                 precogxapi.OptFloat
	finishReasons                                        []string
	finishReasonsVal                                     val
	invocationParams                                     string

	// content references
	scInput, scOutput, scSystem val // gen_ai.input/output.messages, system_instructions
	scToolDefs                  val
	depPrompt, depCompletion    string // deprecated gen_ai.prompt / gen_ai.completion attributes
	ollPrompt, ollCompletion    indexedMessages
	ollFunctions                []toolDef
	oiInput, oiOutput           indexedMessages
	oiTools                     []string
	inputValue, outputValue     string
	entityInput, entityOutput   string
	mastraInput, mastraOutput   string // mastra.agent_run.input/output
	aiPrompt, aiPromptMessages  string
	aiResponseText              string
	aiResponseToolCalls         string
	aiTools                     val
	aiFinishReason              string

	// tool
	toolName, toolCallID, toolDesc string
	toolArgs, toolResult           val
	entityName                     string

	// agent
	agentName, agentID, functionID, oiAgentName string
	oiMetadata                                  string // OpenInference metadata (JSON)

	ident [idCount]string

	events []eventData
}

// Usage sources, in order of preference.
const (
	usageGenAI = iota
	usageOpenInference
	usageVercel
	usageSources
)

type tokenUsage struct {
	in, out, total precogxapi.OptInt
}

type toolDef struct {
	name, description string
}

type eventData struct {
	name  string
	attrs pcommon.Map
	body  val
}

// extractSpan reads every attribute of span once.
func extractSpan(span ptrace.Span, sd *spanData) {
	sd.traceID = span.TraceID()
	sd.spanID = span.SpanID()
	sd.parentID = span.ParentSpanID()
	sd.name = span.Name()
	sd.start = uint64(span.StartTimestamp())
	sd.end = uint64(span.EndTimestamp())
	sd.attrs = span.Attributes()
	sd.error = span.Status().Code() == ptrace.StatusCodeError
	span.Attributes().Range(func(k string, v pcommon.Value) bool {
		sd.readAttr(k, v)
		return true
	})
	evs := span.Events()
	for i := 0; i < evs.Len(); i++ {
		ev := evs.At(i)
		if ev.Name() == "exception" {
			sd.error = true
			continue
		}
		if strings.HasPrefix(ev.Name(), "gen_ai.") {
			ed := eventData{name: ev.Name(), attrs: ev.Attributes()}
			if body, ok := ev.Attributes().Get(assembly.AttrEventBody); ok {
				ed.body = val{body, true}
			}
			sd.events = append(sd.events, ed)
		}
	}
}

// readAttr is the single pass over a span's (or event's) attributes.
func (sd *spanData) readAttr(k string, v pcommon.Value) {
	switch k {
	case "gen_ai.operation.name":
		sd.op = v.Str()
		sd.conv |= convSemconv
	case "gen_ai.provider.name":
		sd.provider = v.Str()
		sd.conv |= convSemconv
	case "gen_ai.system":
		sd.system = v.Str()
		sd.conv |= convSemconv
	case "gen_ai.request.model":
		sd.requestModel = v.AsString()
	case "gen_ai.response.model":
		sd.responseModel = v.AsString()
	case "gen_ai.response.id":
		sd.responseID = v.AsString()
	case "gen_ai.request.temperature":
		sd.temperature = floatOf(v)
	case "gen_ai.request.max_tokens", "llm.request.max_tokens":
		sd.maxTokens = intOf(v)
	case "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens":
		sd.usage[usageGenAI].in = intOf(v)
	case "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens":
		sd.usage[usageGenAI].out = intOf(v)
	case "gen_ai.usage.total_tokens", "llm.usage.total_tokens":
		sd.usage[usageGenAI].total = intOf(v)
	case "gen_ai.usage.cost":
		sd.cost = floatOf(v)
	case "gen_ai.response.finish_reasons":
		sd.finishReasonsVal = val{v, true}
	case "gen_ai.input.messages":
		sd.scInput = val{v, true}
	case "gen_ai.output.messages":
		sd.scOutput = val{v, true}
	case "gen_ai.system_instructions":
		sd.scSystem = val{v, true}
	case "gen_ai.tool.definitions":
		sd.scToolDefs = val{v, true}
	case "gen_ai.prompt":
		sd.depPrompt = v.AsString()
	case "gen_ai.completion":
		sd.depCompletion = v.AsString()
	case "gen_ai.agent.name":
		sd.agentName = v.Str()
	case "gen_ai.agent.id":
		sd.agentID = v.AsString()
	case "gen_ai.tool.name":
		sd.toolName = v.Str()
	case "gen_ai.tool.call.id", "tool_call.id":
		sd.toolCallID = v.AsString()
	case "gen_ai.tool.description", "tool.description":
		sd.toolDesc = v.Str()
	case "gen_ai.tool.call.arguments", "ai.toolCall.args", "ai.toolCall.input":
		sd.toolArgs = val{v, true}
	case "gen_ai.tool.call.result", "ai.toolCall.result", "ai.toolCall.output", "anthropic.tool_result.content":
		sd.toolResult = val{v, true}
	case "error.type":
		sd.error = true
	case assembly.AttrSynthetic:
		sd.synthetic = true
		sd.role = roleLLM
	case assembly.AttrPartial:
		sd.partial = true
	case "telemetry.sdk.name":
		if v.Str() == "openlit" {
			sd.conv |= convOpenLIT
		}

	// Mastra (@mastra/otel-exporter): the agent run's own input and output
	case "mastra.agent_run.input":
		sd.mastraInput = v.AsString()
	case "mastra.agent_run.output":
		sd.mastraOutput = v.AsString()

	// OpenLLMetry / Traceloop
	case "llm.request.type":
		sd.conv |= convOpenLLMetry
		if sd.op == "" {
			sd.op = v.Str()
		}
	case "traceloop.span.kind":
		sd.conv |= convOpenLLMetry
		sd.kind = v.Str()
	case "traceloop.entity.name":
		sd.entityName = v.Str()
	case "traceloop.entity.input":
		sd.entityInput = v.AsString()
	case "traceloop.entity.output":
		sd.entityOutput = v.AsString()

	// OpenInference
	case "openinference.span.kind":
		sd.conv |= convOpenInference
		sd.kind = v.Str()
	case "llm.model_name":
		sd.conv |= convOpenInference
		if sd.responseModel == "" {
			sd.responseModel = v.Str()
		}
	case "llm.provider":
		sd.llmProvider = v.Str()
	case "llm.system":
		sd.llmSystem = v.Str()
	case "llm.invocation_parameters":
		sd.invocationParams = v.AsString()
	case "llm.token_count.prompt":
		sd.usage[usageOpenInference].in = intOf(v)
	case "llm.token_count.completion":
		sd.usage[usageOpenInference].out = intOf(v)
	case "llm.token_count.total":
		sd.usage[usageOpenInference].total = intOf(v)
	case "input.value":
		sd.inputValue = v.AsString()
	case "output.value":
		sd.outputValue = v.AsString()
	case "tool.name":
		sd.toolName = v.Str()
	case "agent.name":
		sd.oiAgentName = v.Str()
	case "metadata":
		sd.oiMetadata = v.AsString()

	// Vercel AI SDK
	case "ai.operationId":
		sd.conv |= convVercel
		sd.aiOp = v.Str()
	case "ai.model.id":
		if sd.requestModel == "" {
			sd.requestModel = v.Str()
		}
	case "ai.model.provider":
		sd.aiProvider = v.Str()
	case "ai.response.model":
		if sd.responseModel == "" {
			sd.responseModel = v.Str()
		}
	case "ai.response.id":
		if sd.responseID == "" {
			sd.responseID = v.Str()
		}
	case "ai.response.finishReason", "ai.finishReason":
		sd.aiFinishReason = v.Str()
	case "ai.settings.temperature":
		if !sd.temperature.OK {
			sd.temperature = floatOf(v)
		}
	case "ai.settings.maxOutputTokens", "ai.settings.maxTokens":
		if !sd.maxTokens.OK {
			sd.maxTokens = intOf(v)
		}
	case "ai.usage.promptTokens", "ai.usage.inputTokens":
		sd.usage[usageVercel].in = intOf(v)
	case "ai.usage.completionTokens", "ai.usage.outputTokens":
		sd.usage[usageVercel].out = intOf(v)
	case "ai.usage.totalTokens":
		sd.usage[usageVercel].total = intOf(v)
	case "ai.prompt":
		sd.aiPrompt = v.AsString()
	case "ai.prompt.messages":
		sd.aiPromptMessages = v.AsString()
	case "ai.prompt.tools":
		sd.aiTools = val{v, true}
	case "ai.response.text", "ai.result.text": // ai.result.* before AI SDK 4
		sd.aiResponseText = v.AsString()
	case "ai.response.toolCalls", "ai.result.toolCalls":
		sd.aiResponseToolCalls = v.AsString()
	case "ai.toolCall.name":
		sd.toolName = v.Str()
	case "ai.toolCall.id":
		sd.toolCallID = v.AsString()
	case "ai.telemetry.functionId":
		sd.functionID = v.Str()

	default:
		if id, ok := identKeys[k]; ok {
			sd.ident[id] = v.AsString()
			return
		}
		sd.readIndexedAttr(k, v)
	}
}

// readIndexedAttr handles the flattened list attributes of OpenLLMetry and OpenInference.
func (sd *spanData) readIndexedAttr(k string, v pcommon.Value) {
	switch {
	case strings.HasPrefix(k, "gen_ai.prompt."):
		sd.conv |= convOpenLLMetry
		sd.ollPrompt.set(k[len("gen_ai.prompt."):], v, ollFields)
	case strings.HasPrefix(k, "gen_ai.completion."):
		sd.conv |= convOpenLLMetry
		sd.ollCompletion.set(k[len("gen_ai.completion."):], v, ollFields)
	case strings.HasPrefix(k, "llm.request.functions."):
		i, rest, ok := splitIndex(k[len("llm.request.functions."):])
		if !ok {
			return
		}
		for len(sd.ollFunctions) <= i {
			sd.ollFunctions = append(sd.ollFunctions, toolDef{})
		}
		switch rest {
		case "name":
			sd.ollFunctions[i].name = v.Str()
		case "description":
			sd.ollFunctions[i].description = v.Str()
		}
	case strings.HasPrefix(k, "llm.input_messages."):
		sd.conv |= convOpenInference
		sd.oiInput.set(k[len("llm.input_messages."):], v, oiFields)
	case strings.HasPrefix(k, "llm.output_messages."):
		sd.conv |= convOpenInference
		sd.oiOutput.set(k[len("llm.output_messages."):], v, oiFields)
	case strings.HasPrefix(k, "llm.tools.") && strings.HasSuffix(k, ".tool.json_schema"):
		sd.oiTools = append(sd.oiTools, v.AsString())
	}
}

// maxIndex bounds flattened list indexes so a hostile key cannot allocate much.
const maxIndex = 1024

// splitIndex splits "3.tool_calls.0.name" into 3 and "tool_calls.0.name".
func splitIndex(s string) (int, string, bool) {
	dot := strings.IndexByte(s, '.')
	if dot <= 0 {
		return 0, "", false
	}
	i, err := strconv.Atoi(s[:dot])
	if err != nil || i < 0 || i >= maxIndex {
		return 0, "", false
	}
	return i, s[dot+1:], true
}

// classify sets the span's role from whichever convention it speaks.
func (sd *spanData) classify() {
	switch {
	case sd.aiOp != "" || strings.HasPrefix(sd.name, "ai."):
		op := sd.aiOp
		if op == "" {
			op = sd.name
		}
		switch {
		case strings.HasSuffix(op, ".doGenerate") || strings.HasSuffix(op, ".doStream"):
			sd.role = roleLLM
		case op == "ai.toolCall":
			sd.role = roleTool
		case op == "ai.generateText" || op == "ai.streamText" || op == "ai.generateObject" || op == "ai.streamObject":
			sd.role = roleAgent
		}
		if sd.role != roleNone {
			sd.conv |= convVercel
		}
	}
	if sd.role != roleNone {
		return
	}
	switch sd.op {
	case "chat", "text_completion", "generate_content", "completion":
		sd.role = roleLLM
		return
	case "execute_tool":
		sd.role = roleTool
		return
	case "invoke_agent", "invoke_workflow":
		sd.role = roleAgent
		return
	}
	switch sd.kind {
	case "LLM":
		sd.role = roleLLM
	case "TOOL", "tool":
		sd.role = roleTool
	case "AGENT", "CHAIN", "agent", "workflow":
		sd.role = roleAgent
	}
	if sd.role == roleNone && sd.op == "" && (sd.system != "" || sd.provider != "") && sd.requestModel != "" {
		// semconv before gen_ai.operation.name was required (<= 1.27)
		sd.role = roleLLM
	}
}

func floatOf(v pcommon.Value) precogxapi.OptFloat {
	switch v.Type() {
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

func intOf(v pcommon.Value) precogxapi.OptInt {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return precogxapi.SomeInt(v.Int())
	case pcommon.ValueTypeDouble:
		f := v.Double()
		if f >= -1e15 && f <= 1e15 {
			return precogxapi.SomeInt(int64(f))
		}
	case pcommon.ValueTypeStr:
		if i, err := strconv.ParseInt(strings.TrimSpace(v.Str()), 10, 64); err == nil {
			return precogxapi.SomeInt(i)
		}
	}
	return precogxapi.OptInt{}
}

// val is an optional attribute value (the zero pcommon.Value is not usable).
type val struct {
	v  pcommon.Value
	ok bool
}

func (x val) typ() pcommon.ValueType {
	if !x.ok {
		return pcommon.ValueTypeEmpty
	}
	return x.v.Type()
}

// json returns the JSON text of a content value, nil when absent.
func (x val) json() []byte {
	if !x.ok {
		return nil
	}
	return valueJSON(x.v)
}
