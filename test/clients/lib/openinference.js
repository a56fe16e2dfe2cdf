'use strict';
// OpenInference turn and tool spans shared by the OpenInference stacks:
// traceChain (a plain question) / traceAgent (the agent turn) roots and
// traceTool for the tool run. User/session: setUser / setSession on the
// active context, which openinference-core wrappers and the OpenInference
// instrumentations copy onto every span as user.id / session.id.

const { context } = require('@opentelemetry/api');
const { setSession, setUser, traceAgent, traceChain, traceTool, getToolAttributes } = require('@arizeai/openinference-core');
const c = require('./common');

/** Runs fn as one user turn: session/user on the context, AGENT or CHAIN root span. */
function turn(spec, fn) {
  let ctx = context.active();
  ctx = setSession(ctx, { sessionId: spec.sessionId });
  ctx = setUser(ctx, { userId: c.USER_ID });
  const wrapped =
    spec.kind === 'AGENT'
      ? traceAgent(() => fn(), { name: c.AGENT_NAME, attributes: { 'agent.name': c.AGENT_NAME } })
      : traceChain(() => fn(), { name: spec.name });
  return context.with(ctx, () => wrapped(spec.question));
}

/** The get_weather tool as an OpenInference TOOL span. */
function runTool(name, callId, args) {
  const tool = traceTool(async (a) => JSON.stringify(c.getWeather(a)), {
    name,
    attributes: {
      ...getToolAttributes({ name, description: c.WEATHER_TOOL_DESCRIPTION, parameters: c.WEATHER_PARAMETERS }),
      'tool.id': callId,
    },
  });
  return tool(args);
}

module.exports = { turn, runTool };
