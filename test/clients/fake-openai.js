'use strict';
// A small fake model server on loopback: OpenAI, and on the same port the
// Anthropic Messages API (fake-anthropic.js) and the Bedrock Converse API
// (fake-bedrock.js), with one ledger (GET/DELETE /_ledger).
//
//   POST /v1/chat/completions   plain + streaming (SSE, stream_options.include_usage)
//   POST /v1/responses          plain + streaming (Responses API event sequence)
//   POST /v1/messages           Anthropic Messages, plain + streaming (SSE)
//   POST /model/{id}/converse, /model/{id}/converse-stream   Bedrock Converse (JSON, event stream)
//
// Behaviour (deterministic):
//   - the last message/input item is a tool result      -> final text about the weather
//   - tools are offered and the user asks about weather  -> a get_weather tool call {"location":"Paris"}
//   - otherwise                                          -> a plain text answer
//
// Ids are derived from a per-server request counter, so a run that makes the
// same requests in the same order gets the same ids.
//
// Standalone:  FAKE_OPENAI_PORT=0 node fake-openai.js
// In-process:  const { start } = require('./fake-openai'); const srv = await start({ port: 0 });
//              srv.url -> 'http://127.0.0.1:PORT', srv.baseURL -> 'http://127.0.0.1:PORT/v1'

const http = require('node:http');
const http2 = require('node:http2');
const net = require('node:net');
const f = require('./lib/fake');
const { handleMessages } = require('./fake-anthropic');
const bedrock = require('./fake-bedrock');

const { WEATHER_ANSWER, CAPITAL_ANSWER, TOOL_ARGUMENTS, makeId, hexId, tokens, chunkText, contentToText, decide, sendJSON, sendSSE } = f;

// Request model -> dated snapshot returned in responses.
const MODEL_SNAPSHOTS = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-3.5-turbo': 'gpt-3.5-turbo-0125',
};
function datedModel(model) {
  if (!model) return 'gpt-4o-mini-2024-07-18';
  if (MODEL_SNAPSHOTS[model]) return MODEL_SNAPSHOTS[model];
  if (/\d{4}-\d{2}-\d{2}$/.test(model)) return model;
  return `${model}-2024-07-18`;
}

// ---------------------------------------------------------------------------
// Chat Completions
// ---------------------------------------------------------------------------

function handleChat(body, seq, res) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1] || {};
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const d = decide({
    lastIsToolResult: last.role === 'tool' || last.role === 'function',
    toolsOffered: tools.length > 0,
    userText: contentToText(lastUser && lastUser.content),
  });

  const id = `chatcmpl-${makeId(`chat-${seq}`, 29)}`;
  const callId = `call_${makeId(`call-${seq}`, 24)}`;
  const created = 1750000000 + seq;
  const model = datedModel(body.model);
  const fingerprint = `fp_${hexId('fingerprint', 10)}`;
  const promptTokens = tokens(messages) + (tools.length ? tokens(tools) : 0);
  const completionTokens = f.answerTokens(d);
  f.record(promptTokens, completionTokens);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
  const toolCall = {
    id: callId,
    type: 'function',
    function: { name: 'get_weather', arguments: TOOL_ARGUMENTS },
  };
  const finishReason = d.kind === 'tool_call' ? 'tool_calls' : 'stop';

  if (!body.stream) {
    const message =
      d.kind === 'tool_call'
        ? { role: 'assistant', content: null, tool_calls: [toolCall], refusal: null, annotations: [] }
        : { role: 'assistant', content: d.text, refusal: null, annotations: [] };
    return sendJSON(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
      usage,
      service_tier: 'default',
      system_fingerprint: fingerprint,
    });
  }

  const includeUsage = !!(body.stream_options && body.stream_options.include_usage);
  const base = { id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: fingerprint };
  const chunk = (delta, finish) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish ?? null }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const events = [];
  if (d.kind === 'tool_call') {
    events.push(chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: callId, type: 'function', function: { name: 'get_weather', arguments: '' } }], refusal: null }));
    for (const part of f.TOOL_ARGUMENT_PIECES) {
      events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }));
    }
  } else {
    events.push(chunk({ role: 'assistant', content: '', refusal: null }));
    for (const part of chunkText(d.text)) events.push(chunk({ content: part }));
  }
  events.push(chunk({}, finishReason));
  if (includeUsage) events.push({ ...base, choices: [], usage });
  return sendSSE(res, events.map((e) => ({ data: e })), true);
}

// ---------------------------------------------------------------------------
// Responses API
// ---------------------------------------------------------------------------

function normalizeInput(input) {
  if (input == null) return [];
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return input.map((item) => (item.type ? item : { type: 'message', ...item }));
}

function handleResponses(body, seq, res) {
  const items = normalizeInput(body.input);
  const last = items[items.length - 1] || {};
  const lastUser = [...items].reverse().find((i) => i.type === 'message' && i.role === 'user');
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const d = decide({
    lastIsToolResult: last.type === 'function_call_output',
    toolsOffered: tools.length > 0,
    // with previous_response_id the question may only live in the earlier turn
    userText: contentToText(lastUser && lastUser.content) || (body.previous_response_id ? 'weather' : ''),
  });

  const id = `resp_${hexId(`resp-${seq}`, 48)}`;
  const msgId = `msg_${hexId(`msg-${seq}`, 48)}`;
  const fcId = `fc_${hexId(`fc-${seq}`, 48)}`;
  const callId = `call_${makeId(`call-${seq}`, 24)}`;
  const createdAt = 1750000000 + seq;
  const model = datedModel(body.model);
  const inputTokens = tokens(items) + (tools.length ? tokens(tools) : 0) + (body.instructions ? tokens(body.instructions) : 0);
  const outputTokens = f.answerTokens(d);
  f.record(inputTokens, outputTokens);
  const usage = {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + outputTokens,
  };

  const outputItem =
    d.kind === 'tool_call'
      ? { id: fcId, type: 'function_call', status: 'completed', arguments: TOOL_ARGUMENTS, call_id: callId, name: 'get_weather' }
      : {
          id: msgId,
          type: 'message',
          status: 'completed',
          content: [{ type: 'output_text', annotations: [], logprobs: [], text: d.text }],
          role: 'assistant',
        };

  const response = (status, output, withUsage) => ({
    id,
    object: 'response',
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: null,
    model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: null,
    reasoning: { effort: null, summary: null },
    safety_identifier: null,
    service_tier: 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1.0,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: tools.map((t) => ({ strict: true, ...t })),
    top_logprobs: 0,
    top_p: body.top_p ?? 1.0,
    truncation: 'disabled',
    usage: withUsage ? usage : null,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
    ...(status === 'completed' ? { completed_at: createdAt + 1 } : {}),
  });

  if (!body.stream) return sendJSON(res, 200, response('completed', [outputItem], true));

  let seqNo = 0;
  const events = [];
  const ev = (type, payload) => events.push({ event: type, data: { type, sequence_number: seqNo++, ...payload } });
  ev('response.created', { response: response('in_progress', [], false) });
  ev('response.in_progress', { response: response('in_progress', [], false) });
  if (d.kind === 'tool_call') {
    ev('response.output_item.added', { output_index: 0, item: { ...outputItem, status: 'in_progress', arguments: '' } });
    for (const part of f.TOOL_ARGUMENT_PIECES) {
      ev('response.function_call_arguments.delta', { item_id: fcId, output_index: 0, delta: part, obfuscation: 'x' });
    }
    ev('response.function_call_arguments.done', { item_id: fcId, output_index: 0, arguments: TOOL_ARGUMENTS });
    ev('response.output_item.done', { output_index: 0, item: outputItem });
  } else {
    ev('response.output_item.added', { output_index: 0, item: { id: msgId, type: 'message', status: 'in_progress', content: [], role: 'assistant' } });
    ev('response.content_part.added', { item_id: msgId, output_index: 0, content_index: 0, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } });
    for (const part of chunkText(d.text)) {
      ev('response.output_text.delta', { item_id: msgId, output_index: 0, content_index: 0, delta: part, logprobs: [], obfuscation: 'x' });
    }
    ev('response.output_text.done', { item_id: msgId, output_index: 0, content_index: 0, text: d.text, logprobs: [] });
    ev('response.content_part.done', { item_id: msgId, output_index: 0, content_index: 0, part: { type: 'output_text', annotations: [], logprobs: [], text: d.text } });
    ev('response.output_item.done', { output_index: 0, item: outputItem });
  }
  ev('response.completed', { response: response('completed', [outputItem], true) });
  return sendSSE(res, events, false);
}

// ---------------------------------------------------------------------------
// HTTP: every fake API on one port, one ledger
// ---------------------------------------------------------------------------

// HTTP/1.1 and cleartext HTTP/2 (prior knowledge, as the AWS SDK's Bedrock
// client speaks it) on one port: the first bytes of a connection tell which.
const H2_PREFACE = 'PRI * HTTP/2.0';

// HTTP/2 sessions read the socket natively, so an HTTP/2 connection is piped
// to an internal HTTP/2 listener (port 0) instead of being handed over.
function createServer() {
  const handler = createHandler();
  const h1 = http.createServer(handler);
  const h2 = http2.createServer({}, handler);
  const sockets = new Set();
  const track = (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((socket) => {
    track(socket);
    socket.once('data', (first) => {
      if (first.toString('latin1', 0, H2_PREFACE.length) !== H2_PREFACE) {
        socket.pause();
        socket.unshift(first);
        h1.emit('connection', socket);
        socket.resume();
        return;
      }
      const up = net.connect(h2.address().port, '127.0.0.1');
      track(up);
      up.write(first);
      socket.pipe(up).pipe(socket);
    });
  });
  h2.listen(0, '127.0.0.1');
  server.on('close', () => h2.close());
  server.closeAllConnections = () => sockets.forEach((s) => s.destroy());
  return server;
}

function createHandler() {
  let seq = 0;
  return (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url || '').split('?')[0].replace(/\/+$/, '');
      if (path === '/_ledger') {
        if (req.method === 'DELETE') Object.assign(f.ledger, { calls: 0, tokens: 0 });
        return sendJSON(res, 200, f.ledger);
      }
      const known = ['/v1/chat/completions', '/chat/completions', '/v1/responses', '/responses', '/v1/messages'].includes(path) || path.startsWith('/model/');
      if (req.method !== 'POST' || !known) {
        return sendJSON(res, 404, { error: { message: `Unknown request URL: ${req.method} ${req.url}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
      }
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch (e) {
        return sendJSON(res, 400, { error: { message: `Invalid JSON body: ${e.message}`, type: 'invalid_request_error', param: null, code: null } });
      }
      seq += 1;
      if (process.env.FAKE_OPENAI_DEBUG) {
        process.stderr.write(`fake-openai: ${path} #${seq} ${JSON.stringify(body)}\n`);
      }
      try {
        if (path.endsWith('/chat/completions')) return handleChat(body, seq, res);
        if (path === '/v1/messages') return handleMessages(body, seq, res);
        if (bedrock.route(path, body, seq, res)) return undefined;
        return handleResponses(body, seq, res);
      } catch (e) {
        return sendJSON(res, 500, { error: { message: String(e && e.stack || e), type: 'server_error', param: null, code: null } });
      }
    });
  };
}

/**
 * Starts the fake server on 127.0.0.1.
 * @param {{port?: number, quiet?: boolean}} [opts] port 0 = random (default: FAKE_OPENAI_PORT or 0)
 * @returns {Promise<{url: string, baseURL: string, port: number, close: () => Promise<void>}>}
 */
function start(opts = {}) {
  const port = opts.port ?? Number(process.env.FAKE_OPENAI_PORT || 0);
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const actual = server.address().port;
      const url = `http://127.0.0.1:${actual}`;
      if (!opts.quiet) console.log(`fake-openai listening on ${url}`);
      resolve({
        url,
        baseURL: `${url}/v1`,
        port: actual,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

module.exports = { start, WEATHER_ANSWER, CAPITAL_ANSWER, datedModel };

if (require.main === module) {
  start().then(
    (srv) => {
      const stop = () => srv.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
