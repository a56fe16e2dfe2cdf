'use strict';
// @anthropic-ai/sdk with OpenInference's Anthropic instrumentation, turns and
// tool spans from openinference-core (lib/openinference.js). The SDK's own
// tracing stays on as installed (a global tracer provider is registered), so
// each model call is an OpenInference LLM span with the SDK's chat span below it.

const { setupOtel } = require('./lib/otel');
const c = require('./lib/common');
const sc = require('./lib/scenarios');

// 1. SDK first, 2. instrumentation, 3. only then require the Anthropic SDK.
const otel = setupOtel({ serviceName: 'clients-anthropic-openinference' });
const oiAnthropic = require('@arizeai/openinference-instrumentation-anthropic');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const instrumentation = new oiAnthropic.AnthropicInstrumentation();
registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: otel.tracerProvider });
const anthropic = require('@anthropic-ai/sdk');
if (!oiAnthropic.isPatched()) instrumentation.manuallyInstrument(anthropic);
const oi = require('./lib/openinference');

sc.runStack({
  label: 'anthropic-openinference',
  scenarios: sc.BASIC,
  setup: async ({ url }) => ({ client: new anthropic.Anthropic({ baseURL: url, apiKey: c.API_KEY }) }),
  turn: oi.turn,
  ask: (spec, { client }) => sc.anthropicMessages(client, spec, oi.runTool),
  flush: otel.flush,
  shutdown: () => otel.shutdown(),
});
