'use strict';
// The one scenario table every client script runs, and the drivers that run
// a scenario through a raw model SDK (OpenAI Chat Completions and Responses,
// Anthropic Messages, Bedrock Converse) with the get_weather tool loop. A
// stack script only sets up its library and says how a turn is wrapped, how
// a question is asked and how a tool runs (runStack).

const c = require('./common');

/**
 * One user turn per scenario. kind: CHAIN (a plain question) or AGENT (the
 * weather agent with the get_weather tool). stream: streamed answer. api:
 * 'responses' for the OpenAI Responses API.
 */
const SCENARIOS = {
  chat: { kind: 'CHAIN', question: c.CHAT_QUESTION, expect: 'Paris' },
  chat_stream: { kind: 'CHAIN', question: c.CHAT_QUESTION, expect: 'Paris', stream: true },
  agent: { kind: 'AGENT', question: c.WEATHER_QUESTION, system: c.SYSTEM_PROMPT, tools: true, expect: 'rainy, 57°F' },
  agent_stream: { kind: 'AGENT', question: c.WEATHER_QUESTION, system: c.SYSTEM_PROMPT, tools: true, expect: 'rainy, 57°F', stream: true },
  agent_responses: { kind: 'AGENT', question: c.WEATHER_QUESTION, system: c.SYSTEM_PROMPT, tools: true, expect: 'rainy, 57°F', api: 'responses' },
};

/** The basic three every stack supports. */
const BASIC = ['chat', 'chat_stream', 'agent'];

/**
 * Runs one stack: each of its scenarios (SCENARIOS env filters) as one turn,
 * flushing after each, then shuts down and exits.
 * @param {object} stack
 * @param {string} stack.label
 * @param {string[]} stack.scenarios names from SCENARIOS
 * @param {() => Promise<object>} [stack.setup] runs first; its result is passed to ask
 * @param {(spec: object, env: object) => Promise<string>} stack.ask asks the question, returns the answer text
 * @param {(spec: object, fn: () => Promise<string>) => Promise<string>} [stack.turn] wraps a turn (root span, user/session)
 * @param {() => Promise<void>} [stack.flush]
 * @param {() => Promise<void>} [stack.shutdown]
 */
function runStack(stack) {
  c.runMain(stack.label, async () => {
    const servers = await c.openaiServer();
    const env = { ...servers, ...(stack.setup ? await stack.setup(servers) : {}) };
    const turn = stack.turn || ((spec, fn) => fn());
    const table = {};
    for (const name of stack.scenarios) {
      table[name] = async (s) => {
        const spec = { ...SCENARIOS[name], name: s, sessionId: c.sessionId(s) };
        const text = await turn(spec, () => stack.ask(spec, env));
        c.expectContains(text, spec.expect, s);
      };
    }
    await c.runScenarios(table, { flush: stack.flush });
    if (stack.shutdown) await stack.shutdown();
    await servers.close();
  });
}

/** The default tool runner: the tool's result as a JSON string. */
async function runWeather(name, callId, args) {
  return JSON.stringify(c.getWeather(args));
}

function expectToolCall(calls, spec) {
  if (!calls.length) throw new Error(`${spec.name}: expected a tool call`);
}

// --- OpenAI --------------------------------------------------------------------

/** Chat Completions, plain or streamed, with the tool loop for agent turns. */
async function openaiChat(client, spec, runTool = runWeather) {
  const messages = spec.system ? [{ role: 'system', content: spec.system }] : [];
  messages.push({ role: 'user', content: spec.question });
  const tools = spec.tools ? { tools: c.CHAT_TOOLS } : {};
  if (spec.stream) {
    const stream = await client.chat.completions.create({
      model: c.MODEL, messages, ...tools, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    return text;
  }
  let r = await client.chat.completions.create({ model: c.MODEL, messages, ...tools });
  if (!spec.tools) return r.choices[0].message.content;
  const msg = r.choices[0].message;
  expectToolCall(msg.tool_calls || [], spec);
  messages.push(msg);
  for (const tc of msg.tool_calls) {
    const content = await runTool(tc.function.name, tc.id, JSON.parse(tc.function.arguments));
    messages.push({ role: 'tool', tool_call_id: tc.id, content });
  }
  r = await client.chat.completions.create({ model: c.MODEL, messages, ...tools });
  return r.choices[0].message.content;
}

/** Responses API agent turn with the tool loop. */
async function openaiResponses(client, spec, runTool = runWeather) {
  const input = [{ role: 'user', content: spec.question }];
  const req = { model: c.MODEL, instructions: spec.system, tools: c.RESPONSES_TOOLS };
  let r = await client.responses.create({ ...req, input });
  const calls = r.output.filter((o) => o.type === 'function_call');
  expectToolCall(calls, spec);
  input.push(...r.output);
  for (const fc of calls) {
    const output = await runTool(fc.name, fc.call_id, JSON.parse(fc.arguments));
    input.push({ type: 'function_call_output', call_id: fc.call_id, output });
  }
  r = await client.responses.create({ ...req, input });
  return r.output_text;
}

/** Either OpenAI API, as the spec says. */
function openai(client, spec, runTool) {
  return spec.api === 'responses' ? openaiResponses(client, spec, runTool) : openaiChat(client, spec, runTool);
}

// --- Anthropic -----------------------------------------------------------------

const ANTHROPIC_TOOLS = [{ name: 'get_weather', description: c.WEATHER_TOOL_DESCRIPTION, input_schema: c.WEATHER_PARAMETERS }];

/**
 * Anthropic Messages, plain or streamed (the SDK's messages.stream helper,
 * which calls messages.create with stream: true), with the tool loop.
 */
async function anthropicMessages(client, spec, runTool = runWeather) {
  const messages = [{ role: 'user', content: spec.question }];
  const req = { model: c.ANTHROPIC_MODEL, max_tokens: 1024, ...(spec.system ? { system: spec.system } : {}), ...(spec.tools ? { tools: ANTHROPIC_TOOLS } : {}) };
  if (spec.stream) {
    const stream = client.messages.stream({ ...req, messages });
    let text = '';
    stream.on('text', (delta) => { text += delta; });
    await stream.finalMessage();
    return text;
  }
  const text = (m) => m.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
  let r = await client.messages.create({ ...req, messages });
  if (!spec.tools) return text(r);
  const uses = r.content.filter((b) => b.type === 'tool_use');
  expectToolCall(uses, spec);
  messages.push({ role: 'assistant', content: r.content });
  const results = [];
  for (const u of uses) results.push({ type: 'tool_result', tool_use_id: u.id, content: await runTool(u.name, u.id, u.input) });
  messages.push({ role: 'user', content: results });
  r = await client.messages.create({ ...req, messages });
  return text(r);
}

// --- Bedrock Converse -----------------------------------------------------------

const BEDROCK_TOOLS = {
  tools: [{ toolSpec: { name: 'get_weather', description: c.WEATHER_TOOL_DESCRIPTION, inputSchema: { json: c.WEATHER_PARAMETERS } } }],
};

/** Bedrock Converse / ConverseStream with the tool loop. */
async function bedrockConverse(bedrock, client, spec, runTool = runWeather) {
  const { ConverseCommand, ConverseStreamCommand } = bedrock;
  const messages = [{ role: 'user', content: [{ text: spec.question }] }];
  const req = {
    modelId: c.BEDROCK_MODEL,
    inferenceConfig: { maxTokens: 1024 },
    ...(spec.system ? { system: [{ text: spec.system }] } : {}),
    ...(spec.tools ? { toolConfig: BEDROCK_TOOLS } : {}),
  };
  if (spec.stream) {
    const r = await client.send(new ConverseStreamCommand({ ...req, messages }));
    let text = '';
    for await (const ev of r.stream) if (ev.contentBlockDelta?.delta?.text) text += ev.contentBlockDelta.delta.text;
    return text;
  }
  const text = (r) => r.output.message.content.map((b) => b.text || '').join('');
  let r = await client.send(new ConverseCommand({ ...req, messages }));
  if (!spec.tools) return text(r);
  const uses = r.output.message.content.filter((b) => b.toolUse).map((b) => b.toolUse);
  expectToolCall(uses, spec);
  messages.push(r.output.message);
  const results = [];
  for (const u of uses) {
    const out = await runTool(u.name, u.toolUseId, u.input);
    results.push({ toolResult: { toolUseId: u.toolUseId, content: [{ json: JSON.parse(out) }], status: 'success' } });
  }
  messages.push({ role: 'user', content: results });
  r = await client.send(new ConverseCommand({ ...req, messages }));
  return text(r);
}

module.exports = { SCENARIOS, BASIC, runStack, runWeather, openai, anthropicMessages, bedrockConverse };
