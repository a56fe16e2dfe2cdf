'use strict';
// Fake Amazon Bedrock Runtime Converse API (served by fake-openai.js on the same port):
//
//   POST /model/{modelId}/converse          JSON
//   POST /model/{modelId}/converse-stream   application/vnd.amazon.eventstream (binary
//                                           event-stream messages: messageStart,
//                                           contentBlockStart/Delta/Stop, messageStop, metadata)
//
// Same behaviour as the fake OpenAI server (see lib/fake.js decide()).

const zlib = require('node:zlib');
const f = require('./lib/fake');

function lastIsToolResult(messages) {
  const last = messages[messages.length - 1];
  return !!(last && Array.isArray(last.content) && last.content.some((b) => b && b.toolResult));
}

function userText(messages) {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role !== 'user' || !Array.isArray(m.content)) continue;
    const text = m.content.map((b) => (b && typeof b.text === 'string' ? b.text : '')).join('');
    if (text) return text;
  }
  return '';
}

function handleConverse(modelId, stream, body, seq, res) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const tools = (body.toolConfig && Array.isArray(body.toolConfig.tools)) ? body.toolConfig.tools : [];
  const d = f.decide({ lastIsToolResult: lastIsToolResult(messages), toolsOffered: tools.length > 0, userText: userText(messages) });
  const toolUseId = `tooluse_${f.makeId(`tooluse-${seq}`, 22)}`;
  const inputTokens = f.tokens(messages) + (tools.length ? f.tokens(tools) : 0) + (body.system ? f.tokens(body.system) : 0);
  const outputTokens = f.answerTokens(d);
  f.record(inputTokens, outputTokens);
  const usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  const stopReason = d.kind === 'tool_call' ? 'tool_use' : 'end_turn';
  const requestId = `${f.hexId(`bedrock-${seq}`, 8)}-${f.hexId(`b2-${seq}`, 4)}-${f.hexId(`b3-${seq}`, 4)}-${f.hexId(`b4-${seq}`, 4)}-${f.hexId(`b5-${seq}`, 12)}`;
  const headers = { 'x-amzn-requestid': requestId };

  if (!stream) {
    const content = d.kind === 'tool_call'
      ? [{ toolUse: { toolUseId, name: f.TOOL_NAME, input: f.TOOL_INPUT } }]
      : [{ text: d.text }];
    return f.sendJSON(res, 200, { output: { message: { role: 'assistant', content } }, stopReason, usage, metrics: { latencyMs: 42 } }, headers);
  }

  const events = [['messageStart', { role: 'assistant' }]];
  if (d.kind === 'tool_call') {
    events.push(['contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId, name: f.TOOL_NAME } } }]);
    for (const part of f.TOOL_ARGUMENT_PIECES) events.push(['contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: part } } }]);
  } else {
    for (const part of f.chunkText(d.text)) events.push(['contentBlockDelta', { contentBlockIndex: 0, delta: { text: part } }]);
  }
  events.push(['contentBlockStop', { contentBlockIndex: 0 }]);
  events.push(['messageStop', { stopReason }]);
  events.push(['metadata', { usage, metrics: { latencyMs: 42 } }]);
  res.setHeader('x-amzn-requestid', requestId);
  return f.sendStream(res, 'application/vnd.amazon.eventstream', events, ([type, payload]) => eventMessage(type, payload));
}

// One message of the AWS event-stream encoding: total length, headers
// length, prelude CRC32, headers, payload, message CRC32 (all big-endian).
function eventMessage(eventType, payload) {
  const headers = Buffer.concat([
    header(':event-type', eventType),
    header(':content-type', 'application/json'),
    header(':message-type', 'event'),
  ]);
  const body = Buffer.from(JSON.stringify(payload));
  const total = 12 + headers.length + body.length + 4;
  const prelude = Buffer.alloc(8);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(headers.length, 4);
  const preludeCrc = Buffer.alloc(4);
  preludeCrc.writeUInt32BE(zlib.crc32(prelude) >>> 0, 0);
  const head = Buffer.concat([prelude, preludeCrc, headers, body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(head) >>> 0, 0);
  return Buffer.concat([head, crc]);
}

// A string header: name length, name, type 7 (string), value length, value.
function header(name, value) {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  const b = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
  b.writeUInt8(n.length, 0);
  n.copy(b, 1);
  b.writeUInt8(7, 1 + n.length);
  b.writeUInt16BE(v.length, 2 + n.length);
  v.copy(b, 4 + n.length);
  return b;
}

/** Routes /model/{id}/converse[-stream]; returns false for other paths. */
function route(path, body, seq, res) {
  const m = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(path);
  if (!m) return false;
  handleConverse(decodeURIComponent(m[1]), m[2] === 'converse-stream', body, seq, res);
  return true;
}

module.exports = { route };
