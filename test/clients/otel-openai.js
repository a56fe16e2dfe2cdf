'use strict';
// @opentelemetry/instrumentation-openai (official OTel JS contrib instrumentation)
// with openai@6. The instrumentation emits spans plus GenAI log-record events
// (content only when captureMessageContent is on), so a LoggerProvider is set up too.
//
// Scenario root: `invoke_agent weather-agent` (set by this script, as users of
// this instrumentation do), tool execution: `execute_tool get_weather`.

const { setupOtel } = require('./lib/otel');
const c = require('./lib/common');

// 1. SDK first, 2. instrumentation, 3. only then require('openai').
const otel = setupOtel({ serviceName: 'clients-otel-openai', logs: true });
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
registerInstrumentations({
  instrumentations: [new OpenAIInstrumentation({ captureMessageContent: true })],
  tracerProvider: otel.tracerProvider,
  loggerProvider: otel.loggerProvider,
});
const { OpenAI } = require('openai');

const { api, tracer } = otel;

/** Root span of one user turn. */
function invokeAgent(scenario, fn) {
  return tracer.startActiveSpan(
    `invoke_agent ${c.AGENT_NAME}`,
    {
      kind: api.SpanKind.INTERNAL,
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': c.AGENT_NAME,
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': c.MODEL,
        'user.id': c.USER_ID,
        'session.id': c.sessionId(scenario),
      },
    },
    api.ROOT_CONTEXT,
    async (span) => {
      try {
        return await fn();
      } catch (err) {
        span.recordException(err);
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: String(err.message) });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** Tool execution span, per the GenAI semconv execute_tool span. */
function executeTool(name, callId, argsJSON, impl) {
  return tracer.startActiveSpan(
    `execute_tool ${name}`,
    {
      kind: api.SpanKind.INTERNAL,
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': name,
        'gen_ai.tool.type': 'function',
        'gen_ai.tool.description': c.WEATHER_TOOL_DESCRIPTION,
        'gen_ai.tool.call.id': callId,
        'gen_ai.tool.call.arguments': argsJSON,
      },
    },
    async (span) => {
      try {
        const result = await impl(JSON.parse(argsJSON));
        const resultJSON = JSON.stringify(result);
        span.setAttribute('gen_ai.tool.call.result', resultJSON);
        return resultJSON;
      } finally {
        span.end();
      }
    },
  );
}

async function main() {
  const server = await c.openaiServer();
  const client = new OpenAI({ baseURL: server.baseURL, apiKey: c.API_KEY });

  await c.runScenarios({
    chat: (s) =>
      invokeAgent(s, async () => {
        const r = await client.chat.completions.create({
          model: c.MODEL,
          messages: [{ role: 'user', content: c.CHAT_QUESTION }],
        });
        c.expectContains(r.choices[0].message.content, 'Paris', s);
      }),

    chat_stream: (s) =>
      invokeAgent(s, async () => {
        const stream = await client.chat.completions.create({
          model: c.MODEL,
          messages: [{ role: 'user', content: c.CHAT_QUESTION }],
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        c.expectContains(text, 'Paris', s);
      }),

    agent: (s) =>
      invokeAgent(s, async () => {
        const messages = [
          { role: 'system', content: c.SYSTEM_PROMPT },
          { role: 'user', content: c.WEATHER_QUESTION },
        ];
        let r = await client.chat.completions.create({ model: c.MODEL, messages, tools: c.CHAT_TOOLS });
        const msg = r.choices[0].message;
        if (!msg.tool_calls || !msg.tool_calls.length) throw new Error(`${s}: expected a tool call`);
        messages.push(msg);
        for (const tc of msg.tool_calls) {
          const content = await executeTool(tc.function.name, tc.id, tc.function.arguments, c.getWeather);
          messages.push({ role: 'tool', tool_call_id: tc.id, content });
        }
        r = await client.chat.completions.create({ model: c.MODEL, messages, tools: c.CHAT_TOOLS });
        c.expectContains(r.choices[0].message.content, 'rainy, 57°F', s);
      }),

    agent_responses: (s) =>
      invokeAgent(s, async () => {
        const input = [{ role: 'user', content: c.WEATHER_QUESTION }];
        let r = await client.responses.create({
          model: c.MODEL,
          instructions: c.SYSTEM_PROMPT,
          input,
          tools: c.RESPONSES_TOOLS,
        });
        const calls = r.output.filter((o) => o.type === 'function_call');
        if (!calls.length) throw new Error(`${s}: expected a function_call`);
        input.push(...r.output);
        for (const fc of calls) {
          const output = await executeTool(fc.name, fc.call_id, fc.arguments, c.getWeather);
          input.push({ type: 'function_call_output', call_id: fc.call_id, output });
        }
        r = await client.responses.create({ model: c.MODEL, instructions: c.SYSTEM_PROMPT, input, tools: c.RESPONSES_TOOLS });
        c.expectContains(r.output_text, 'rainy, 57°F', s);
      }),
  }, { flush: otel.flush });

  await otel.shutdown();
  await server.close();
}

c.runMain('otel-openai', main);
