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

const otel = setupOtel({ serviceName: 'clients-ai6' });
const { generateText, streamText, tool, stepCountIs } = require('ai6');
const { createOpenAI } = require('ai6-sdk-openai');
const { z } = require('zod');

const getWeatherTool = tool({
  description: c.WEATHER_TOOL_DESCRIPTION,
  inputSchema: z.object({ location: z.string().describe('City name, e.g. Paris') }),
  execute: async ({ location }) => c.getWeather({ location }),
});

function telemetry(scenario) {
  return {
    isEnabled: true,
    functionId: c.AGENT_NAME,
    metadata: { userId: c.USER_ID, sessionId: c.sessionId(scenario) },
  };
}

async function main() {
  const server = await c.openaiServer();
  const openai = createOpenAI({ baseURL: server.baseURL, apiKey: c.API_KEY });

  await c.runScenarios({
    // Chat Completions model (openai.chat)
    chat: async (s) => {
      const r = await generateText({
        model: openai.chat(c.MODEL),
        prompt: c.CHAT_QUESTION,
        experimental_telemetry: telemetry(s),
      });
      c.expectContains(r.text, 'Paris', s);
    },

    chat_stream: async (s) => {
      const r = streamText({
        model: openai.chat(c.MODEL),
        prompt: c.CHAT_QUESTION,
        experimental_telemetry: telemetry(s),
      });
      let text = '';
      for await (const delta of r.textStream) text += delta;
      await r.consumeStream();
      c.expectContains(text, 'Paris', s);
    },

    agent: async (s) => {
      const r = await generateText({
        model: openai.chat(c.MODEL),
        system: c.SYSTEM_PROMPT,
        prompt: c.WEATHER_QUESTION,
        tools: { get_weather: getWeatherTool },
        stopWhen: stepCountIs(5),
        experimental_telemetry: telemetry(s),
      });
      c.expectContains(r.text, 'rainy, 57°F', s);
      if (r.steps.length !== 2) throw new Error(`${s}: expected 2 steps, got ${r.steps.length}`);
    },

    agent_stream: async (s) => {
      const r = streamText({
        model: openai.chat(c.MODEL),
        system: c.SYSTEM_PROMPT,
        prompt: c.WEATHER_QUESTION,
        tools: { get_weather: getWeatherTool },
        stopWhen: stepCountIs(5),
        experimental_telemetry: telemetry(s),
      });
      await r.consumeStream();
      c.expectContains(await r.text, 'rainy, 57°F', s);
    },

    // Responses API model (the provider default: openai(modelId))
    agent_responses: async (s) => {
      const r = await generateText({
        model: openai(c.MODEL),
        system: c.SYSTEM_PROMPT,
        prompt: c.WEATHER_QUESTION,
        tools: { get_weather: getWeatherTool },
        stopWhen: stepCountIs(5),
        experimental_telemetry: telemetry(s),
      });
      c.expectContains(r.text, 'rainy, 57°F', s);
    },
  }, { flush: otel.flush });

  await otel.shutdown();
  await server.close();
}

c.runMain('ai6', main);
