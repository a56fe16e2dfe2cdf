'use strict';
// OpenLLMetry: @traceloop/node-server-sdk (which brings its own OTel SDK,
// @opentelemetry/sdk-node 0.203 / SDK 2.x) with its OpenAI instrumentation.
//
// Traceloop's default exporter is OTLP/HTTP *protobuf*; we pass a custom
// OTLP/HTTP JSON exporter from the same 0.203 line (npm alias
// otel-exporter-trace-otlp-http-0.203) and disableBatch so spans go out with
// a SimpleSpanProcessor.
//
// Scenario roots: withWorkflow (chat) / withAgent (agent turns), tool
// execution: withTool. User/session: association properties user_id and
// session_id (+ conversationId, which traceloop maps to gen_ai.conversation.id).

// NodeSDK 0.203 would otherwise start an OTLP *log* exporter to localhost:4318
// by default (OTEL_LOGS_EXPORTER unset = otlp). Traceloop emits no logs.
process.env.OTEL_LOGS_EXPORTER = process.env.OTEL_LOGS_EXPORTER || 'none';
process.env.OTEL_METRICS_EXPORTER = process.env.OTEL_METRICS_EXPORTER || 'none';
// No host/process resource detectors (host.id, pid, paths): keeps the fixtures deterministic.
process.env.OTEL_NODE_RESOURCE_DETECTORS = process.env.OTEL_NODE_RESOURCE_DETECTORS || 'none';

const c = require('./lib/common');
const traceloop = require('@traceloop/node-server-sdk');
const { OTLPTraceExporter } = require('otel-exporter-trace-otlp-http-0.203');

const exporter = new c.CheckedExporter(
  new OTLPTraceExporter({ url: `${c.otlpEndpoint()}/v1/traces` }),
  'clients-openllmetry traces',
);

// Initialize before requiring openai: the SDK registers its require hooks for
// the openai module (instrumentation-openai supports openai >=4 <7).
traceloop.initialize({
  appName: 'clients-openllmetry',
  baseUrl: c.otlpEndpoint(),
  apiKey: 'not-used',
  exporter,
  disableBatch: process.env.CLIENTS_PROCESSOR === 'simple',
  traceContent: true,
  traceloopSyncEnabled: false,
  silenceInitializationMessage: true,
  logLevel: 'error',
});

const { OpenAI } = require('openai');

function entityConfig(name, scenario) {
  return {
    name,
    associationProperties: { user_id: c.USER_ID, session_id: c.sessionId(scenario) },
    conversationId: c.sessionId(scenario),
  };
}

function runTool(name, argsJSON) {
  const args = JSON.parse(argsJSON);
  return traceloop.withTool({ name }, async (a) => JSON.stringify(c.getWeather(a)), args);
}

async function main() {
  const server = await c.openaiServer();
  const client = new OpenAI({ baseURL: server.baseURL, apiKey: c.API_KEY });

  await c.runScenarios({
    chat: (s) =>
      traceloop.withWorkflow(entityConfig('chat', s), async (question) => {
        const r = await client.chat.completions.create({
          model: c.MODEL,
          messages: [{ role: 'user', content: question }],
        });
        c.expectContains(r.choices[0].message.content, 'Paris', s);
        return r.choices[0].message.content;
      }, c.CHAT_QUESTION),

    chat_stream: (s) =>
      traceloop.withWorkflow(entityConfig('chat_stream', s), async (question) => {
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
      }, c.CHAT_QUESTION),

    agent: (s) =>
      traceloop.withAgent(entityConfig(c.AGENT_NAME, s), async (question) => {
        const messages = [
          { role: 'system', content: c.SYSTEM_PROMPT },
          { role: 'user', content: question },
        ];
        let r = await client.chat.completions.create({ model: c.MODEL, messages, tools: c.CHAT_TOOLS });
        const msg = r.choices[0].message;
        if (!msg.tool_calls || !msg.tool_calls.length) throw new Error(`${s}: expected a tool call`);
        messages.push(msg);
        for (const tc of msg.tool_calls) {
          const content = await runTool(tc.function.name, tc.function.arguments);
          messages.push({ role: 'tool', tool_call_id: tc.id, content });
        }
        r = await client.chat.completions.create({ model: c.MODEL, messages, tools: c.CHAT_TOOLS });
        c.expectContains(r.choices[0].message.content, 'rainy, 57°F', s);
        return r.choices[0].message.content;
      }, c.WEATHER_QUESTION),

    agent_responses: (s) =>
      traceloop.withAgent(entityConfig(c.AGENT_NAME, s), async (question) => {
        const input = [{ role: 'user', content: question }];
        let r = await client.responses.create({ model: c.MODEL, instructions: c.SYSTEM_PROMPT, input, tools: c.RESPONSES_TOOLS });
        const calls = r.output.filter((o) => o.type === 'function_call');
        if (!calls.length) throw new Error(`${s}: expected a function_call`);
        input.push(...r.output);
        for (const fc of calls) {
          const output = await runTool(fc.name, fc.arguments);
          input.push({ type: 'function_call_output', call_id: fc.call_id, output });
        }
        r = await client.responses.create({ model: c.MODEL, instructions: c.SYSTEM_PROMPT, input, tools: c.RESPONSES_TOOLS });
        c.expectContains(r.output_text, 'rainy, 57°F', s);
        return r.output_text;
      }, c.WEATHER_QUESTION),
  }, { flush: () => traceloop.forceFlush() });

  await traceloop.forceFlush();
  await exporter.forceFlush();
  exporter.check();
  await server.close();
}

c.runMain('openllmetry', main);
