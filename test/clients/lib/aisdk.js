'use strict';
// Vercel AI SDK turns (generateText / streamText with the get_weather tool),
// shared by the AI SDK 6 and 7 stacks, which differ only in the module, the
// system prompt option and the telemetry options.

const c = require('./common');

/**
 * Returns ask(spec, env) for runStack.
 * @param {object} o
 * @param {object} o.ai the `ai` module (6 or 7)
 * @param {(opts: object) => object} o.createOpenAI the matching @ai-sdk/openai factory
 * @param {object} o.z zod
 * @param {string} o.systemKey 'system' (AI SDK 6) or 'instructions' (AI SDK 7)
 * @param {(spec: object) => object} o.telemetry per-call telemetry options
 */
function asker({ ai, createOpenAI, z, systemKey, telemetry }) {
  const getWeatherTool = ai.tool({
    description: c.WEATHER_TOOL_DESCRIPTION,
    inputSchema: z.object({ location: z.string().describe('City name, e.g. Paris') }),
    execute: async ({ location }) => c.getWeather({ location }),
  });
  let provider;
  return async (spec, { baseURL }) => {
    provider = provider || createOpenAI({ baseURL, apiKey: c.API_KEY });
    const opts = {
      // Chat Completions model, or the provider default openai(modelId): the Responses API
      model: spec.api === 'responses' ? provider(c.MODEL) : provider.chat(c.MODEL),
      prompt: spec.question,
      ...telemetry(spec),
    };
    if (spec.tools) Object.assign(opts, { [systemKey]: spec.system, tools: { get_weather: getWeatherTool }, stopWhen: ai.stepCountIs(5) });
    if (!spec.stream) {
      const r = await ai.generateText(opts);
      if (spec.tools && !spec.api && r.steps.length !== 2) throw new Error(`${spec.name}: expected 2 steps, got ${r.steps.length}`);
      return r.text;
    }
    const r = ai.streamText(opts);
    let text = '';
    if (!spec.tools) for await (const delta of r.textStream) text += delta;
    await r.consumeStream();
    return text || r.text;
  };
}

module.exports = { asker };
