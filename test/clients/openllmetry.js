'use strict';
// OpenLLMetry: @traceloop/node-server-sdk (which brings its own OTel SDK,
// @opentelemetry/sdk-node 0.203 / SDK 2.x) with its OpenAI instrumentation.
// Setup shared with the other Traceloop stacks: lib/traceloop.js.
//
// Scenario roots: withWorkflow (chat) / withAgent (agent turns), tool
// execution: withTool. User/session: association properties user_id and
// session_id (+ conversationId, which traceloop maps to gen_ai.conversation.id).

const c = require('./lib/common');
const sc = require('./lib/scenarios');
const tl = require('./lib/traceloop').setup('clients-openllmetry');

// Initialized before requiring openai: the SDK registers its require hooks for
// the openai module (instrumentation-openai supports openai >=4 <7).
const { OpenAI } = require('openai');

sc.runStack({
  label: 'openllmetry',
  scenarios: ['chat', 'chat_stream', 'agent', 'agent_responses'],
  setup: async ({ baseURL }) => ({ client: new OpenAI({ baseURL, apiKey: c.API_KEY }) }),
  turn: tl.turn,
  ask: (spec, { client }) => sc.openai(client, spec, tl.runTool),
  ...tl.lifecycle,
});
