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

const otel = setupOtel({ serviceName: 'clients-ai7' });
const { generateText, streamText, tool, stepCountIs, registerTelemetry } = require('ai');
const { OpenTelemetry } = require('@ai-sdk/otel');
const { createOpenAI } = require('@ai-sdk/openai');
const { z } = require('zod');

registerTelemetry(new OpenTelemetry({ runtimeContext: true }));

const getWeatherTool = tool({
  description: c.WEATHER_TOOL_DESCRIPTION,
  inputSchema: z.object({ location: z.string().describe('City name, e.g. Paris') }),
  execute: async ({ location }) => c.getWeather({ location }),
});

/** Per-call options carrying user/session and the function id. */
function callOptions(scenario) {
  return {
    runtimeContext: { userId: c.USER_ID, sessionId: c.sessionId(scenario) },
    telemetry: {
      functionId: c.AGENT_NAME,
      includeRuntimeContext: { userId: true, sessionId: true },
    },
  };
}

async function main() {
  const server = await c.openaiServer();
  const openai = createOpenAI({ baseURL: server.baseURL, apiKey: c.API_KEY });

  await c.runScenarios({
    // Chat Completions model (openai.chat)
    chat: async (s) => {
      const r = await generateText({ model: openai.chat(c.MODEL), prompt: c.CHAT_QUESTION, ...callOptions(s) });
      c.expectContains(r.text, 'Paris', s);
    },

    chat_stream: async (s) => {
      const r = streamText({ model: openai.chat(c.MODEL), prompt: c.CHAT_QUESTION, ...callOptions(s) });
      let text = '';
      for await (const delta of r.textStream) text += delta;
      await r.consumeStream();
      c.expectContains(text, 'Paris', s);
    },

    agent: async (s) => {
      const r = await generateText({
        model: openai.chat(c.MODEL),
        instructions: c.SYSTEM_PROMPT,
        prompt: c.WEATHER_QUESTION,
        tools: { get_weather: getWeatherTool },
        stopWhen: stepCountIs(5),
        ...callOptions(s),
      });
      c.expectContains(r.text, 'rainy, 57°F', s);
      if (r.steps.length !== 2) throw new Error(`${s}: expected 2 steps, got ${r.steps.length}`);
    },

    agent_stream: async (s) => {
      const r = streamText({
        model: openai.chat(c.MODEL),
        instructions: c.SYSTEM_PROMPT,
        prompt: c.WEATHER_QUESTION,
        tools: { get_weather: getWeatherTool },
        stopWhen: stepCountIs(5),
        ...callOptions(s),
      });
      await r.consumeStream();
      c.expectContains(await r.text, 'rainy, 57°F', s);
    },

    // Responses API model (the provider default: openai(modelId))
    agent_responses: async (s) => {
      const r = await generateText({
        model: openai(c.MODEL),
        instructions: c.SYSTEM_PROMPT,
        prompt: c.WEATHER_QUESTION,
        tools: { get_weather: getWeatherTool },
        stopWhen: stepCountIs(5),
        ...callOptions(s),
      });
      c.expectContains(r.text, 'rainy, 57°F', s);
    },
  }, { flush: otel.flush });

  await otel.shutdown();
  await server.close();
}

c.runMain('ai7', main);
