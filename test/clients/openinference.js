'use strict';
// OpenInference (Arize): @arizeai/openinference-instrumentation-openai with
// openai@6 and @arizeai/openinference-core helpers.
//
// Scenario roots: traceChain (chat) / traceAgent (agent turns); tool
// execution: traceTool. User/session: setUser / setSession on the active
// context, which openinference-core wrappers and the OpenAI instrumentation
// copy onto every span as user.id / session.id.

const { setupOtel } = require('./lib/otel');
const c = require('./lib/common');

// 1. SDK first, 2. instrumentation, 3. only then require('openai').
const otel = setupOtel({ serviceName: 'clients-openinference' });
const oiOpenAI = require('@arizeai/openinference-instrumentation-openai');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const instrumentation = new oiOpenAI.OpenAIInstrumentation();
registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: otel.tracerProvider });
const openai = require('openai');
// The require hook patches openai on load; manuallyInstrument is the documented
// fallback (bundlers/ESM). isPatched() tells whether the hook fired; patch()
// itself guards against double patching.
if (!oiOpenAI.isPatched()) {
  console.warn('openinference: require hook did not patch openai, instrumenting manually');
  instrumentation.manuallyInstrument(openai);
}
const { OpenAI } = openai;

const { context } = otel.api;
const { setSession, setUser, traceAgent, traceChain, traceTool, getToolAttributes } = require('@arizeai/openinference-core');

/** Runs fn(question) as one user turn: session/user on the context, AGENT or CHAIN root span. */
function turn(scenario, kind, question, fn) {
  let ctx = context.active();
  ctx = setSession(ctx, { sessionId: c.sessionId(scenario) });
  ctx = setUser(ctx, { userId: c.USER_ID });
  const wrapped =
    kind === 'AGENT'
      ? traceAgent(fn, { name: c.AGENT_NAME, attributes: { 'agent.name': c.AGENT_NAME } })
      : traceChain(fn, { name: scenario });
  return context.with(ctx, () => wrapped(question));
}

/** The get_weather tool as an OpenInference TOOL span. */
function runTool(name, callId, argsJSON) {
  const tool = traceTool(async (args) => JSON.stringify(c.getWeather(args)), {
    name,
    attributes: {
      ...getToolAttributes({ name, description: c.WEATHER_TOOL_DESCRIPTION, parameters: c.WEATHER_PARAMETERS }),
      'tool.id': callId,
    },
  });
  return tool(JSON.parse(argsJSON));
}

async function main() {
  const server = await c.openaiServer();
  const client = new OpenAI({ baseURL: server.baseURL, apiKey: c.API_KEY });

  await c.runScenarios({
    chat: (s) =>
      turn(s, 'CHAIN', c.CHAT_QUESTION, async (question) => {
        const r = await client.chat.completions.create({ model: c.MODEL, messages: [{ role: 'user', content: question }] });
        c.expectContains(r.choices[0].message.content, 'Paris', s);
        return r.choices[0].message.content;
      }),

    chat_stream: (s) =>
      turn(s, 'CHAIN', c.CHAT_QUESTION, async (question) => {
        const stream = await client.chat.completions.create({
          model: c.MODEL,
          messages: [{ role: 'user', content: question }],
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        c.expectContains(text, 'Paris', s);
        return text;
      }),

    agent: (s) =>
      turn(s, 'AGENT', c.WEATHER_QUESTION, async (question) => {
        const messages = [
          { role: 'system', content: c.SYSTEM_PROMPT },
          { role: 'user', content: question },
        ];
        let r = await client.chat.completions.create({ model: c.MODEL, messages, tools: c.CHAT_TOOLS });
        const msg = r.choices[0].message;
        if (!msg.tool_calls || !msg.tool_calls.length) throw new Error(`${s}: expected a tool call`);
        messages.push(msg);
        for (const tc of msg.tool_calls) {
          const content = await runTool(tc.function.name, tc.id, tc.function.arguments);
          messages.push({ role: 'tool', tool_call_id: tc.id, content });
        }
        r = await client.chat.completions.create({ model: c.MODEL, messages, tools: c.CHAT_TOOLS });
        c.expectContains(r.choices[0].message.content, 'rainy, 57°F', s);
        return r.choices[0].message.content;
      }),

    agent_responses: (s) =>
      turn(s, 'AGENT', c.WEATHER_QUESTION, async (question) => {
        const input = [{ role: 'user', content: question }];
        let r = await client.responses.create({ model: c.MODEL, instructions: c.SYSTEM_PROMPT, input, tools: c.RESPONSES_TOOLS });
        const calls = r.output.filter((o) => o.type === 'function_call');
        if (!calls.length) throw new Error(`${s}: expected a function_call`);
        input.push(...r.output);
        for (const fc of calls) {
          const output = await runTool(fc.name, fc.call_id, fc.arguments);
          input.push({ type: 'function_call_output', call_id: fc.call_id, output });
        }
        r = await client.responses.create({ model: c.MODEL, instructions: c.SYSTEM_PROMPT, input, tools: c.RESPONSES_TOOLS });
        c.expectContains(r.output_text, 'rainy, 57°F', s);
        return r.output_text;
      }),
  }, { flush: otel.flush });

  await otel.shutdown();
  await server.close();
}

c.runMain('openinference', main);
