'use strict';
// @anthropic-ai/sdk with its own OpenTelemetry tracing alone (native since
// 0.134): `anthropic.messages.create` chat spans on the global tracer
// provider, content with contentMode 'content'. The agent turn uses the SDK's
// tool runner (client.beta.messages.toolRunner with a betaZodTool), which
// adds its own invoke_agent and execute_tool spans.
//
// The SDK has no user or session attribute: the application's `invoke_agent`
// root span carries user.id / session.id (lib/otel.js), as with
// @opentelemetry/instrumentation-openai.

const { setupOtel } = require('./lib/otel');
const c = require('./lib/common');
const sc = require('./lib/scenarios');

const otel = setupOtel({ serviceName: 'clients-anthropic-sdk' });
const { Anthropic } = require('@anthropic-ai/sdk');
const { betaZodTool } = require('@anthropic-ai/sdk/helpers/beta/zod');
const { z } = require('zod');

const getWeather = betaZodTool({
  name: 'get_weather',
  description: c.WEATHER_TOOL_DESCRIPTION,
  inputSchema: z.object({ location: z.string().describe('City name, e.g. Paris') }),
  run: async ({ location }) => JSON.stringify(c.getWeather({ location })),
});

sc.runStack({
  label: 'anthropic-sdk',
  scenarios: sc.BASIC,
  setup: async ({ url }) => ({
    client: new Anthropic({ baseURL: url, apiKey: c.API_KEY, openTelemetry: { traces: { contentMode: 'content' } } }),
  }),
  turn: (spec, fn) => otel.invokeAgent(spec, 'anthropic', c.ANTHROPIC_MODEL, fn),
  ask: async (spec, { client }) => {
    if (!spec.tools) return sc.anthropicMessages(client, spec);
    const final = await client.beta.messages.toolRunner({
      model: c.ANTHROPIC_MODEL, max_tokens: 1024, system: spec.system, tools: [getWeather],
      messages: [{ role: 'user', content: spec.question }],
    });
    return final.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
  },
  flush: otel.flush,
  shutdown: () => otel.shutdown(),
});
