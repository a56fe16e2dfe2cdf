'use strict';
// Strands Agents TypeScript SDK (@strands-agents/sdk) with its Bedrock model
// (Converse, or ConverseStream when streaming) and its built-in OpenTelemetry
// spans, on the globally registered tracer provider (lib/otel.js; Strands'
// setupTracer() would build its own from the optional SDK 2.x peers).
//
// User/session: the agent's traceAttributes {'user.id', 'session.id'}, as the
// Strands docs show (trace_attributes in Python), on every span.

const { setupOtel } = require('./lib/otel');
const c = require('./lib/common');
const sc = require('./lib/scenarios');

const otel = setupOtel({ serviceName: 'clients-strands' });
const { Agent, BedrockModel, tool } = require('@strands-agents/sdk');
const { z } = require('zod');

const getWeather = tool({
  name: 'get_weather',
  description: c.WEATHER_TOOL_DESCRIPTION,
  inputSchema: z.object({ location: z.string().describe('City name, e.g. Paris') }),
  callback: ({ location }) => c.getWeather({ location }),
});

sc.runStack({
  label: 'strands',
  scenarios: sc.BASIC,
  ask: async (spec, { url }) => {
    const model = new BedrockModel({
      modelId: c.BEDROCK_MODEL,
      region: 'us-east-1',
      stream: !!spec.stream,
      clientConfig: { endpoint: url, credentials: { accessKeyId: 'AKIAFAKEFORTESTS0000', secretAccessKey: 'fake-secret-for-tests' } },
    });
    const agent = new Agent({
      name: c.AGENT_NAME,
      model,
      printer: false,
      ...(spec.tools ? { systemPrompt: spec.system, tools: [getWeather] } : {}),
      traceAttributes: { 'user.id': c.USER_ID, 'session.id': spec.sessionId },
    });
    const result = await agent.invoke(spec.question);
    return String(result);
  },
  flush: otel.flush,
  shutdown: () => otel.shutdown(),
});
