'use strict';
// What the fake model servers (fake-openai.js, fake-anthropic.js,
// fake-bedrock.js) share: the answers, deterministic ids and token counts, the
// ledger of what was answered, and the HTTP plumbing.

const crypto = require('node:crypto');

const WEATHER_ANSWER = 'The weather in Paris is rainy, 57°F.';
const CAPITAL_ANSWER = 'The capital of France is Paris.';
const GENERIC_ANSWER = 'I am a fake model and this is a canned answer.';
const TOOL_NAME = 'get_weather';
const TOOL_INPUT = { location: 'Paris' };
const TOOL_ARGUMENTS = JSON.stringify(TOOL_INPUT);

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

/** Output tokens of an answer (text, or the tool call). */
function answerTokens(d) {
  return d.kind === 'text' ? tokens(d.text) : tokens(`${TOOL_NAME}${TOOL_ARGUMENTS}`) + 6;
}

// Split text into small, word-sized chunks for streaming.
function chunkText(text) {
  return text.match(/\S+\s*/g) || [text];
}

// The tool-call arguments in the pieces a streamed answer sends them in.
const TOOL_ARGUMENT_PIECES = ['{"', 'location', '":"', 'Paris', '"}'];

/** Text of a message content: a string, or a list of parts/blocks with text. */
function contentToText(content) {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((p) => (typeof p === 'string' ? p : p.text ?? (typeof p.content === 'string' ? p.content : ''))).join('');
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

// What the servers answered, so a test can compare the usage an
// instrumentation recorded with the usage that was served: GET /_ledger,
// DELETE /_ledger. One ledger for every API the process serves.
const ledger = { calls: 0, tokens: 0 };
function record(inputTokens, outputTokens) {
  ledger.calls += 1;
  ledger.tokens += inputTokens + outputTokens;
}

function sendJSON(res, status, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': `req_${hexId(body, 32)}`,
    ...headers,
  });
  res.end(body);
}

// Writes events one by one with a tiny delay between them so streaming
// timings are non-zero. encode(e) gives the bytes of one event.
function sendStream(res, contentType, events, encode, trailer) {
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
  let i = 0;
  const next = () => {
    if (i < events.length) {
      res.write(encode(events[i++]));
      setTimeout(next, 2);
    } else {
      if (trailer) res.write(trailer);
      res.end();
    }
  };
  next();
}

/** Server-sent events: {event?, data}. doneMarker adds OpenAI's `data: [DONE]`. */
function sendSSE(res, events, doneMarker) {
  sendStream(res, 'text/event-stream; charset=utf-8', events,
    (e) => (e.event ? `event: ${e.event}\n` : '') + `data: ${JSON.stringify(e.data)}\n\n`,
    doneMarker ? 'data: [DONE]\n\n' : undefined);
}

module.exports = {
  WEATHER_ANSWER,
  CAPITAL_ANSWER,
  TOOL_NAME,
  TOOL_INPUT,
  TOOL_ARGUMENTS,
  TOOL_ARGUMENT_PIECES,
  makeId,
  hexId,
  tokens,
  answerTokens,
  chunkText,
  contentToText,
  decide,
  ledger,
  record,
  sendJSON,
  sendStream,
  sendSSE,
};
