'use strict';
// LangChain.js (langchain createAgent + @langchain/openai) with OpenInference's
// LangChain instrumentation, which patches @langchain/core's callback manager
// (by hand, as its README says). User/session: setUser / setSession on the
// context (no extra root span: the agent graph's own span is the root).

const { setupOtel } = require('./lib/otel');
const c = require('./lib/common');
const sc = require('./lib/scenarios');

const otel = setupOtel({ serviceName: 'clients-langchain-openinference' });
const { LangChainInstrumentation } = require('@arizeai/openinference-instrumentation-langchain');
const CallbackManagerModule = require('@langchain/core/callbacks/manager');
new LangChainInstrumentation({ tracerProvider: otel.tracerProvider }).manuallyInstrument(CallbackManagerModule);
const { context } = require('@opentelemetry/api');
const { setSession, setUser } = require('@arizeai/openinference-core');
const { asker } = require('./lib/langchain');

sc.runStack({
  label: 'langchain-openinference',
  scenarios: sc.BASIC,
  turn: (spec, fn) => context.with(setUser(setSession(context.active(), { sessionId: spec.sessionId }), { userId: c.USER_ID }), fn),
  ask: asker(),
  flush: otel.flush,
  shutdown: () => otel.shutdown(),
});
