'use strict';
// Vercel AI SDK 6 (npm alias `ai6` -> ai@6, provider alias `ai6-sdk-openai` ->
// @ai-sdk/openai@3) with its built-in OpenTelemetry spans
// (experimental_telemetry; ai.* span names and attributes).
//
// User/session: experimental_telemetry.metadata {userId, sessionId}
// -> ai.telemetry.metadata.userId / ai.telemetry.metadata.sessionId.
// Tools: a get_weather tool with execute; the SDK runs it (ai.toolCall span)
// and sends the result back (stopWhen: stepCountIs(5)).

const { setupOtel } = require('./lib/otel');
const c = require('./lib/common');
const sc = require('./lib/scenarios');
const { asker } = require('./lib/aisdk');

const otel = setupOtel({ serviceName: 'clients-ai6' });

sc.runStack({
  label: 'ai6',
  scenarios: Object.keys(sc.SCENARIOS),
  ask: asker({
    ai: require('ai6'),
    createOpenAI: require('ai6-sdk-openai').createOpenAI,
    z: require('zod').z,
    systemKey: 'system',
    telemetry: (spec) => ({
      experimental_telemetry: {
        isEnabled: true,
        functionId: c.AGENT_NAME,
        metadata: { userId: c.USER_ID, sessionId: spec.sessionId },
      },
    }),
  }),
  flush: otel.flush,
  shutdown: () => otel.shutdown(),
});
