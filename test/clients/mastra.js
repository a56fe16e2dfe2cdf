'use strict';
// Mastra (@mastra/core Agent) with its OpenTelemetry exporter
// (@mastra/observability + @mastra/otel-exporter). Mastra builds its own OTel
// SDK 2.x spans; the exporter is given the OTLP/HTTP JSON exporter of that
// line (npm alias otel-exporter-trace-otlp-http-0.203). The model is the
// OpenAI-compatible model router config {id, url, apiKey}.
//
// User/session: tracingOptions.metadata {userId, sessionId} on each call, as
// Mastra's tracing docs show; the exporter writes them as mastra.metadata.*.

const c = require('./lib/common');
const sc = require('./lib/scenarios');
const { Mastra } = require('@mastra/core/mastra');
const { Agent } = require('@mastra/core/agent');
const { createTool } = require('@mastra/core/tools');
const { Observability } = require('@mastra/observability');
const { OtelExporter } = require('@mastra/otel-exporter');
const { OTLPTraceExporter } = require('otel-exporter-trace-otlp-http-0.203');
const { z } = require('zod');

const spanExporter = new c.CheckedExporter(new OTLPTraceExporter({ url: `${c.otlpEndpoint()}/v1/traces` }), 'clients-mastra traces');
const observability = new Observability({
  configs: {
    otel: {
      serviceName: 'clients-mastra',
      exporters: [new OtelExporter({
        provider: { custom: { endpoint: c.otlpEndpoint(), protocol: 'http/json' } },
        exporter: spanExporter,
        signals: { logs: false },
      })],
    },
  },
});

const getWeather = createTool({
  id: 'get_weather',
  description: c.WEATHER_TOOL_DESCRIPTION,
  inputSchema: z.object({ location: z.string().describe('City name, e.g. Paris') }),
  execute: async ({ location }) => c.getWeather({ location }),
});

let agents;
function setupAgents(baseURL) {
  const model = { id: `openai/${c.MODEL}`, url: baseURL, apiKey: c.API_KEY };
  agents = {
    chat: new Agent({ id: 'chat', name: 'chat', instructions: '', model }),
    weather: new Agent({ id: c.AGENT_NAME, name: c.AGENT_NAME, instructions: c.SYSTEM_PROMPT, model, tools: { get_weather: getWeather } }),
  };
  return new Mastra({ agents, observability, logger: false });
}

sc.runStack({
  label: 'mastra',
  scenarios: sc.BASIC,
  setup: async ({ baseURL }) => ({ mastra: setupAgents(baseURL) }),
  ask: async (spec, { mastra }) => {
    const agent = mastra.getAgent(spec.tools ? 'weather' : 'chat');
    const opts = { tracingOptions: { metadata: { userId: c.USER_ID, sessionId: spec.sessionId } } };
    if (!spec.stream) return (await agent.generate(spec.question, opts)).text;
    const r = await agent.stream(spec.question, opts);
    let text = '';
    for await (const delta of r.textStream) text += delta;
    return text;
  },
  flush: () => observability.flush(),
  shutdown: async () => {
    await observability.shutdown();
    spanExporter.check();
  },
});
