'use strict';
// Fake Anthropic Messages API (served by fake-openai.js on the same port):
//
//   POST /v1/messages   plain, or stream: true (SSE: message_start,
//                       content_block_start/delta/stop, message_delta, message_stop)
//
// Same behaviour as the fake OpenAI server: a tool_result as the last block
// gives the weather answer; tools offered and a weather question give a
// get_weather tool_use block; otherwise a plain text answer.

const f = require('./lib/fake');

// Request model -> dated snapshot returned in responses.
function datedModel(model) {
  if (!model) return 'claude-haiku-4-5-20251001';
  if (/\d{8}$/.test(model)) return model;
  return `${model}-20251001`;
}

function handleMessages(body, seq, res) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1] || {};
  const lastUser = [...messages].reverse().find((m) => m.role === 'user' && f.contentToText(m.content));
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const d = f.decide({
    lastIsToolResult: Array.isArray(last.content) && last.content.some((b) => b && b.type === 'tool_result'),
    toolsOffered: tools.length > 0,
    userText: f.contentToText(lastUser && lastUser.content),
  });

  const id = `msg_01${f.makeId(`anthropic-${seq}`, 22)}`;
  const toolUseId = `toolu_01${f.makeId(`toolu-${seq}`, 22)}`;
  const model = datedModel(body.model);
  const inputTokens = f.tokens(messages) + (tools.length ? f.tokens(tools) : 0) + (body.system ? f.tokens(body.system) : 0);
  const outputTokens = f.answerTokens(d);
  f.record(inputTokens, outputTokens);
  const usage = (output) => ({
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: output,
    service_tier: 'standard',
  });
  const block = d.kind === 'tool_call'
    ? { type: 'tool_use', id: toolUseId, name: f.TOOL_NAME, input: f.TOOL_INPUT }
    : { type: 'text', text: d.text };
  const stopReason = d.kind === 'tool_call' ? 'tool_use' : 'end_turn';
  const message = (content, stop, output) => ({
    id, type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage: usage(output),
  });

  if (!body.stream) return f.sendJSON(res, 200, message([block], stopReason, outputTokens), { 'request-id': `req_${f.hexId(id, 24)}` });

  const events = [];
  const ev = (type, payload) => events.push({ event: type, data: { type, ...payload } });
  ev('message_start', { message: message([], null, 1) });
  if (d.kind === 'tool_call') {
    ev('content_block_start', { index: 0, content_block: { ...block, input: {} } });
    for (const part of f.TOOL_ARGUMENT_PIECES) ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: part } });
  } else {
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    ev('ping', {});
    for (const part of f.chunkText(d.text)) ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: part } });
  }
  ev('content_block_stop', { index: 0 });
  ev('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
  ev('message_stop', {});
  return f.sendSSE(res, events, false);
}

module.exports = { handleMessages, datedModel };
