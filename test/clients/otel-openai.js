'use strict';
// @opentelemetry/instrumentation-openai (official OTel JS contrib instrumentation)
// with openai@6. The instrumentation emits spans plus GenAI log-record events
// (content only when captureMessageContent is on), so a LoggerProvider is set up too.
//
// Scenario root: `invoke_agent weather-agent` (set by this script, as users of
// this instrumentation do), tool execution: `execute_tool get_weather`.

const { setupOtel } = require('./lib/otel');
const c = require('./lib/common');
const sc = require('./lib/scenarios');

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

sc.runStack({
  label: 'otel-openai',
  scenarios: ['chat', 'chat_stream', 'agent', 'agent_responses'],
  setup: async ({ baseURL }) => ({ client: new OpenAI({ baseURL, apiKey: c.API_KEY }) }),
  turn: (spec, fn) => otel.invokeAgent(spec, 'openai', c.MODEL, fn),
  ask: (spec, { client }) => sc.openai(client, spec, otel.executeTool),
  flush: otel.flush,
  shutdown: () => otel.shutdown(),
});
