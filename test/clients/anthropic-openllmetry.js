'use strict';
// @anthropic-ai/sdk with OpenLLMetry's Anthropic instrumentation
// (@traceloop/node-server-sdk). The instrumentation patches
// Anthropic.Completions, which SDK 1.x no longer has, so this stack runs the
// last release it loads, 0.137.0 (npm alias anthropic-sdk-0137), instrumented
// by hand (instrumentModules: the alias has another module name). That release
// traces its own calls too (native since 0.134), below Traceloop's spans.

const c = require('./lib/common');
const sc = require('./lib/scenarios');
const anthropic = require('anthropic-sdk-0137');
const tl = require('./lib/traceloop').setup('clients-anthropic-openllmetry', { anthropic });

sc.runStack({
  label: 'anthropic-openllmetry',
  scenarios: sc.BASIC,
  setup: async ({ url }) => ({ client: new anthropic.Anthropic({ baseURL: url, apiKey: c.API_KEY }) }),
  turn: tl.turn,
  ask: (spec, { client }) => sc.anthropicMessages(client, spec, tl.runTool),
  ...tl.lifecycle,
});
