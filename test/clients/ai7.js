'use strict';
// Vercel AI SDK 7 (`ai`@7 + @ai-sdk/openai@4) with @ai-sdk/otel: the
// OpenTelemetry integration registered via registerTelemetry(new OpenTelemetry()),
// which emits GenAI-semconv spans (invoke_agent / step / chat / execute_tool).
//
// User/session: AI SDK 7 has no telemetry `metadata` any more; the documented
// way is `runtimeContext` + `telemetry.includeRuntimeContext`, and the
// OpenTelemetry integration emits it as ai.settings.context.* when constructed
// with { runtimeContext: true }.

const { setupOtel } = require('./lib/otel');
const c = require('./lib/common');
const sc = require('./lib/scenarios');
const { asker } = require('./lib/aisdk');

const otel = setupOtel({ serviceName: 'clients-ai7' });
const ai = require('ai');
const { OpenTelemetry } = require('@ai-sdk/otel');

ai.registerTelemetry(new OpenTelemetry({ runtimeContext: true }));

sc.runStack({
  label: 'ai7',
  scenarios: Object.keys(sc.SCENARIOS),
  ask: asker({
    ai,
    createOpenAI: require('@ai-sdk/openai').createOpenAI,
    z: require('zod').z,
    systemKey: 'instructions',
    // user/session and the function id
    telemetry: (spec) => ({
      runtimeContext: { userId: c.USER_ID, sessionId: spec.sessionId },
      telemetry: { functionId: c.AGENT_NAME, includeRuntimeContext: { userId: true, sessionId: true } },
    }),
  }),
  flush: otel.flush,
  shutdown: () => otel.shutdown(),
});
