'use strict';
// OpenInference (Arize): @arizeai/openinference-instrumentation-openai with
// openai@6 and @arizeai/openinference-core helpers (lib/openinference.js:
// CHAIN/AGENT roots, TOOL spans, user/session on the context).

const { setupOtel } = require('./lib/otel');
const c = require('./lib/common');
const sc = require('./lib/scenarios');

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
const oi = require('./lib/openinference');

sc.runStack({
  label: 'openinference',
  scenarios: ['chat', 'chat_stream', 'agent', 'agent_responses'],
  setup: async ({ baseURL }) => ({ client: new openai.OpenAI({ baseURL, apiKey: c.API_KEY }) }),
  turn: oi.turn,
  ask: (spec, { client }) => sc.openai(client, spec, oi.runTool),
  flush: otel.flush,
  shutdown: () => otel.shutdown(),
});
