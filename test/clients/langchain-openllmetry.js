'use strict';
// LangChain.js (langchain createAgent + @langchain/openai) with OpenLLMetry
// (@traceloop/node-server-sdk, whose LangChain instrumentation is always on).
// Turns as in openllmetry.js: withWorkflow / withAgent roots with the
// user/session association properties.

const sc = require('./lib/scenarios');
const tl = require('./lib/traceloop').setup('clients-langchain-openllmetry');
const { asker } = require('./lib/langchain');

sc.runStack({
  label: 'langchain-openllmetry',
  scenarios: sc.BASIC,
  turn: tl.turn,
  ask: asker(),
  ...tl.lifecycle,
});
