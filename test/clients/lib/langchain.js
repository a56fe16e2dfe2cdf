'use strict';
// LangChain.js turns, shared by the LangChain stacks: ChatOpenAI (invoke /
// stream) for a plain question, and a `createAgent` agent with the
// get_weather tool for the agent turn.

const c = require('./common');

/** Returns ask(spec, env) for runStack. Require LangChain after the instrumentation. */
function asker() {
  const { createAgent, tool } = require('langchain');
  const { ChatOpenAI } = require('@langchain/openai');
  const { z } = require('zod');
  const getWeather = tool(async ({ location }) => JSON.stringify(c.getWeather({ location })), {
    name: 'get_weather',
    description: c.WEATHER_TOOL_DESCRIPTION,
    schema: z.object({ location: z.string().describe('City name, e.g. Paris') }),
  });
  let model;
  return async (spec, { baseURL }) => {
    model = model || new ChatOpenAI({ model: c.MODEL, apiKey: c.API_KEY, configuration: { baseURL } });
    if (spec.tools) {
      const agent = createAgent({ model, tools: [getWeather], systemPrompt: spec.system, name: c.AGENT_NAME });
      const r = await agent.invoke({ messages: [{ role: 'user', content: spec.question }] });
      return r.messages[r.messages.length - 1].content;
    }
    if (!spec.stream) return (await model.invoke(spec.question)).content;
    let text = '';
    for await (const chunk of await model.stream(spec.question)) text += chunk.content;
    return text;
  };
}

module.exports = { asker };
