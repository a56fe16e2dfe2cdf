// Package genai translates GenAI telemetry into PrecogX interactions: whole
// traces in (log events already joined to their spans as span events by the
// assembly stage), one interaction per user turn out. It is pure: pdata in,
// interactions out, no I/O, no global state changed after start.
//
// # Encodings
//
// Each span is read in the encodings it speaks, one file each: OTel GenAI
// semconv >= 1.37 (semconv.go), semconv 1.28-1.36 per-message events
// (semconv_events.go), semconv 1.26-1.27 and OpenLIT (semconv126.go),
// OpenLLMetry / Traceloop (traceloop.go), OpenInference (openinference.go),
// the Vercel AI SDK (vercel.go), and what frameworks add on top: Anthropic,
// Bedrock Converse and Strands content blocks (anthropic.go, read by the
// content package), Mastra (mastra.go), LangChain (langchain.go). An encoding
// holds its attribute keys (and the fields of the span view they fill), the
// label metadata.platform takes, its content events and its content readers.
//
// # Precedence
//
// Where several encodings say the same thing, precedence.go decides, once:
//   - A field several keys write takes the key of the earlier encoding in
//     the encodings list, then the earlier key of that encoding; never the
//     attribute that happens to come last. An empty string is no value.
//   - Content is read from one ladder of sources (sources): semconv
//     messages, OpenLLMetry indexed, OpenInference indexed, Vercel, semconv
//     1.26 attributes, semconv 1.28 events, semconv 1.26 events,
//     OpenInference input.value/output.value, Traceloop entity input/output,
//     Mastra, LangChain metadata. Every reader walks it and takes the first
//     source that has what it reads: a model call's input and output (a
//     source there but empty gives way to the next), the source named for a
//     later call's input (the first there; later calls are not parsed), an
//     agent's own input and output, a tool span's input and output (after
//     the tool span's own argument and result attributes), tool
//     definitions, finish reasons, the provider. Its source labels are what
//     metadata.content_source lists.
//   - A span's role comes from the first classifier that knows it
//     (classifiers); metadata.platform names the last encoding in the list
//     that a turn speaks (the most specific), semconv when none has a label.
//
// # Rules
//
// Rule 1, span roles. llm: gen_ai.operation.name chat, text_completion,
// generate_content (or OpenLLMetry's llm.request.type chat, completion),
// OpenInference LLM, AI SDK *.doGenerate / *.doStream, and before semconv
// 1.28 a span naming a system and a request model; tool: execute_tool,
// OpenInference TOOL, traceloop.span.kind tool, ai.toolCall; agent:
// invoke_agent, invoke_workflow, OpenInference AGENT and CHAIN, Traceloop
// agent and workflow, ai.generateText, ai.streamText, ai.generateObject,
// ai.streamObject. Other spans are not GenAI: skipped and counted
// (Stats.SpansSkipped), never an error.
//
// Rule 2, turns. One interaction per user turn: each trace root or
// top-level agent span with at least one llm span below it. Top-level
// spans whose parent is missing (not sent yet, or in another process) are
// one turn under that parent; the log-only spans of a trace share one
// turn; an llm span alone is its own interaction. Turns are ordered by
// start; an interaction keeps the positions of its turn's spans
// (Interaction.Spans), so that a failed delivery retries only those.
//
// Rule 3, agentId. Config.AgentID, else Config.AgentIDAttributes (span
// attributes, then the resource), else gen_ai.agent.name or OpenInference
// agent.name (agent spans first, then the turn's spans in order),
// ai.telemetry.functionId, the entity name of a Traceloop agent span, the
// resource's service.name, "unknown_service". gen_ai.agent.id goes to
// metadata.agent_internal_id.
//
// Rule 4, prompt and response. The prompt is the text of the last user
// message that has a text part in the first llm call's input (a user
// message holding only a tool result is not the prompt; system
// instructions never are); with Config.Conversation it is the whole input,
// one "role: text" line per message, system instructions first. The
// response is the first text of the output of the last llm call that
// produced text ("" when none). When the llm calls carry none, the agent
// spans' and then the root's own input and output stand in, and their
// source joins metadata.content_source. Content arrives as JSON strings or
// as structured values; both are read.
//
// Rule 5, toolCalls. Every tool span by start time: name, description
// (the span's, else the tool definition offered to the model), input and
// output (JSON when they are JSON, else text), execution_time_ms (the span's
// duration), success (no error status, error.type or exception event);
// then the tool calls requested in llm output, and in the first call's
// input after the prompt, that no span matches (by call id, else by name):
// execution_time_ms null, output from the matching tool-result message.
//
// Rule 6, metadata. timestamp: the turn's start (RFC 3339 UTC, ms);
// response_time_ms: its duration; platform: the configured platform when
// it is not generic, else the detected encoding; environment:
// deployment.environment.name or deployment.environment; model: the
// response model of the last llm call, else its request model;
// model_provider: the provider of the last llm call that names one, else
// of an agent span (lower-case, known aliases folded: "openai.responses" is
// openai); temperature and max_tokens
// (negative: unset); tokens_used, input_tokens, output_tokens: sums over
// the llm calls only, never agent aggregates; cost_usd; response_ids,
// finish_reasons and content_source of every call; user_agent, ip_address,
// trace_id, root_span_id, service_name, request_model, llm_call_count,
// agent_internal_id, partial (a piece of a turn), and the attributes of
// Config.MetadataAttributes (spans first, then the resource).
//
// Rule 7, identities. userId: user.id, enduser.id, langfuse.user.id,
// traceloop.association.properties.user_id, ai.telemetry.metadata.userId,
// ai.settings.context.userId, mastra.metadata.userId; sessionId:
// session.id, langfuse.session.id,
// traceloop.association.properties.session_id,
// ai.telemetry.metadata.sessionId, ai.settings.context.sessionId,
// mastra.metadata.sessionId, then gen_ai.conversation.id; conversationId:
// gen_ai.conversation.id, else the sessionId. Each is looked up on the
// turn's spans (root first), then on the resource, in that order of keys.
// Never langsmith.trace.session_id (a project id).
//
// Rule 8, content sent twice is used once. Span attributes win, events
// fill what they lack. Text sent twice in one message (a content string and
// the same text again among its parts) is used once. An llm span below
// another llm span, or beside it with overlapping times and another
// encoding (an SDK tracing its own call under or next to an
// instrumentation's span), is the same model call: its usage counts once
// and its content only fills what the outer span lacks.
//
// Rule 9, malformed input never panics and never drops the interaction:
// content that does not decode is used as raw text and counted
// (Stats.RawFallback); values of the wrong type are skipped.
//
// Rule 10, content blocks. Content may arrive as provider content-block
// lists ([{"text": ...}], {"type": "text", "text": ...}, the tool-use and
// tool-result blocks of Anthropic, Bedrock Converse and Strands), as JSON
// strings or structured values, in any content attribute or event: text
// blocks are the message text, tool-use blocks are tool calls, tool-result
// blocks are tool results (a {"json": ...} block is the value). Frameworks
// that keep the turn's input and output, or the user and session, under
// their own attributes (Mastra) are read there too.
//
// Rule 11, a tool span whose input is not JSON (its argument names lost)
// takes the arguments of the matching requested call (by call id, else by
// name and order); the span still gives timing, success and output.
//
// Rule 12, bounds. Prompt, response, tool descriptions, tool input and
// output, user_agent and custom metadata are cut to Config.MaxFieldBytes;
// identifiers (ids, models, provider, names, response ids, finish reasons)
// to 256 bytes; at most 256 tool calls (the rest counted in
// metadata.tool_calls_dropped) and 256 response ids and finish reasons.
// Cuts are UTF-8 safe, set metadata.truncated and count in
// Stats.Truncated.
//
// Rule 13, redaction (Config.Redaction, off by default), before the bounds
// so that a cut never leaves part of a value unmasked: the kinds of
// internal/redact and the user patterns mask prompt, response, user_agent,
// every string value at any depth of tool inputs and outputs (keys,
// numbers and layout stay) and of the custom metadata attributes, counted
// per kind in Stats.Redacted; with the IP kind, metadata.ip_address is left
// out; with a hash key, userId, sessionId and conversationId become the
// lowercase hex HMAC-SHA256 of the id. agentId, model and tool names, ids
// and timestamps are never touched; the spans neither (a retry maps them
// again).
//
// The tests are named after these rules (TestRule4..., TestPrecedence...),
// and TestParity builds one turn in every encoding and expects one
// interaction.
package genai // import "github.com/precogx/precogxexporter/internal/genai"
