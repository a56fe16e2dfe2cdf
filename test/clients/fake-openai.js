'use strict';
// A small fake OpenAI-compatible server on loopback.
//
//   POST /v1/chat/completions   plain + streaming (SSE, stream_options.include_usage)
//   POST /v1/responses          plain + streaming (Responses API event sequence)
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
const crypto = require('node:crypto');

const WEATHER_ANSWER = 'The weather in Paris is rainy, 57°F.';
const CAPITAL_ANSWER = 'The capital of France is Paris.';
const GENERIC_ANSWER = 'I am a fake OpenAI model and this is a canned answer.';
const TOOL_ARGUMENTS = '{"location":"Paris"}';

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

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function makeId(seed, len) {
  const bytes = crypto.createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < len; i++) out += ALNUM[bytes[i % bytes.length] % ALNUM.length];
  return out;
}
function hexId(seed, len) {
  return crypto.createHash('sha256').update(seed).digest('hex').slice(0, len);
}

// Rough, deterministic token estimate (~4 chars per token).
function tokens(value) {
  const s = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return Math.max(1, Math.ceil(s.length / 4));
}

// Split text into small, word-sized chunks for streaming.
function chunkText(text) {
  return text.match(/\S+\s*/g) || [text];
}

function contentToText(content) {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (typeof p === 'string' ? p : p.text ?? p.content ?? ''))
      .join('');
  }
  return String(content);
}

// Decide what to answer. Returns {kind:'tool_call'} or {kind:'text', text}.
function decide({ lastIsToolResult, toolsOffered, userText }) {
  if (lastIsToolResult) return { kind: 'text', text: WEATHER_ANSWER };
  const asksWeather = /weather/i.test(userText);
  if (toolsOffered && asksWeather) return { kind: 'tool_call' };
  if (/capital of france/i.test(userText)) return { kind: 'text', text: CAPITAL_ANSWER };
  if (asksWeather) return { kind: 'text', text: WEATHER_ANSWER };
  return { kind: 'text', text: GENERIC_ANSWER };
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
  const completionTokens = d.kind === 'text' ? tokens(d.text) : tokens(`get_weather${TOOL_ARGUMENTS}`) + 6;
  ledger.calls += 1;
  ledger.tokens += promptTokens + completionTokens;
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
    for (const part of ['{"', 'location', '":"', 'Paris', '"}']) {
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
  const outputTokens = d.kind === 'text' ? tokens(d.text) : tokens(`get_weather${TOOL_ARGUMENTS}`) + 6;
  ledger.calls += 1;
  ledger.tokens += inputTokens + outputTokens;
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
    for (const part of ['{"', 'location', '":"', 'Paris', '"}']) {
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
// HTTP plumbing
// ---------------------------------------------------------------------------

function sendJSON(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': `req_${hexId(body, 32)}`,
    'openai-processing-ms': '42',
  });
  res.end(body);
}

// Writes SSE events with a tiny delay between them so streaming timings are non-zero.
function sendSSE(res, events, doneMarker) {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': `req_${hexId(JSON.stringify(events[0] || {}), 32)}`,
  });
  let i = 0;
  const next = () => {
    if (i < events.length) {
      const e = events[i++];
      res.write((e.event ? `event: ${e.event}\n` : '') + `data: ${JSON.stringify(e.data)}\n\n`);
      setTimeout(next, 2);
    } else {
      if (doneMarker) res.write('data: [DONE]\n\n');
      res.end();
    }
  };
  next();
}

// What the server answered, so a test can compare the usage an instrumentation
// recorded with the usage that was served: GET /_ledger, DELETE /_ledger.
const ledger = { calls: 0, tokens: 0 };

function createServer() {
  let seq = 0;
  return http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url || '').split('?')[0].replace(/\/+$/, '');
      if (path === '/_ledger') {
        if (req.method === 'DELETE') Object.assign(ledger, { calls: 0, tokens: 0 });
        return sendJSON(res, 200, ledger);
      }
      if (req.method !== 'POST' || !['/v1/chat/completions', '/chat/completions', '/v1/responses', '/responses'].includes(path)) {
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
        return handleResponses(body, seq, res);
      } catch (e) {
        return sendJSON(res, 500, { error: { message: String(e && e.stack || e), type: 'server_error', param: null, code: null } });
      }
    });
  });
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
