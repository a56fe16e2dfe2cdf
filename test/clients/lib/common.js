'use strict';
// Shared helpers for the client scripts: env handling, the fake OpenAI server,
// the weather tool, an exporter wrapper that fails the run when an export
// fails, and the scenario runner.
//
// Deliberately does NOT require any OpenTelemetry SDK package: each script
// sets up the SDK line its library needs (see lib/otel.js for the 3.x line).

const path = require('node:path');

// The OTel JS 0.30x/3.x line, instrumentation-openai 0.22 and ai@7 need Node >= 22.
// The pinned Node 22 ships as the `node` npm dependency: ./node_modules/.bin/node
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
if (NODE_MAJOR < 22 && !process.env.CLIENTS_ALLOW_OLD_NODE) {
  console.error(`Node ${process.versions.node} is too old (need >= 22). Run the scripts with ./node_modules/.bin/node (Node 22 from the \`node\` npm package) or via npm run.`);
  process.exit(2);
}

const USER_ID = 'user-42';
const AGENT_NAME = 'weather-agent';
const MODEL = process.env.CLIENTS_MODEL || 'gpt-4o-mini';
const ANTHROPIC_MODEL = 'claude-haiku-4-5';
const BEDROCK_MODEL = 'anthropic.claude-haiku-4-5-20251001-v1:0';
const CHAT_QUESTION = 'What is the capital of France?';
const WEATHER_QUESTION = "What's the weather in Paris?";
const SYSTEM_PROMPT = 'You are a helpful weather assistant. Use the get_weather tool to answer weather questions.';

const sessionId = (scenario) => `session-${scenario}`;

/** Base OTLP/HTTP endpoint without trailing slash, e.g. http://127.0.0.1:4318 */
function otlpEndpoint() {
  return (process.env.OTLP_ENDPOINT || 'http://127.0.0.1:4318').replace(/\/+$/, '');
}

/**
 * Returns {baseURL, url, close}: the OpenAI base URL (with /v1) and the server
 * root, where the fake Anthropic and Bedrock APIs are too. Uses
 * OPENAI_BASE_URL (OpenAI SDK convention, i.e. including /v1) when set, else
 * starts the fake server in-process.
 */
async function openaiServer() {
  if (process.env.OPENAI_BASE_URL) {
    const baseURL = process.env.OPENAI_BASE_URL.replace(/\/+$/, '');
    return { baseURL, url: baseURL.replace(/\/v1$/, ''), close: async () => {} };
  }
  const { start } = require(path.join(__dirname, '..', 'fake-openai.js'));
  const srv = await start({ port: 0, quiet: true });
  return { baseURL: srv.baseURL, url: srv.url, close: srv.close };
}

const API_KEY = process.env.OPENAI_API_KEY || 'sk-fake-key-for-tests';

// --- the weather tool -------------------------------------------------------

const WEATHER_TOOL_DESCRIPTION = 'Get the current weather for a location.';
const WEATHER_PARAMETERS = {
  type: 'object',
  properties: { location: { type: 'string', description: 'City name, e.g. Paris' } },
  required: ['location'],
  additionalProperties: false,
};

/** The tool implementation (deterministic). */
function getWeather({ location }) {
  return { location, temperature: '57°F', conditions: 'rainy' };
}

/** Chat Completions tool definition. */
const CHAT_TOOLS = [
  {
    type: 'function',
    function: { name: 'get_weather', description: WEATHER_TOOL_DESCRIPTION, parameters: WEATHER_PARAMETERS },
  },
];

/** Responses API tool definition. */
const RESPONSES_TOOLS = [
  { type: 'function', name: 'get_weather', description: WEATHER_TOOL_DESCRIPTION, parameters: WEATHER_PARAMETERS, strict: true },
];

// --- exporter wrapper ---------------------------------------------------------

/**
 * Wraps a SpanExporter / LogRecordExporter (any OTel SDK line: duck-typed) and
 * records how many items were exported and whether any export failed, so the
 * script can exit non-zero when telemetry did not reach the endpoint.
 */
class CheckedExporter {
  constructor(inner, label) {
    this.inner = inner;
    this.label = label;
    this.exported = 0;
    this.failures = [];
  }
  export(items, resultCallback) {
    this.inner.export(items, (result) => {
      if (result && result.code === 0) this.exported += items.length;
      else this.failures.push(result && result.error ? String(result.error.message || result.error) : `code ${result && result.code}`);
      resultCallback(result);
    });
  }
  shutdown() {
    return this.inner.shutdown();
  }
  forceFlush() {
    return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve();
  }
  /** Throws if an export failed or nothing was exported (when required). */
  check({ required = true } = {}) {
    if (this.failures.length) throw new Error(`${this.label}: ${this.failures.length} export(s) failed: ${this.failures.join('; ')}`);
    if (required && this.exported === 0) throw new Error(`${this.label}: nothing was exported`);
    console.log(`${this.label}: exported ${this.exported} item(s)`);
  }
}

// --- assertions & runner --------------------------------------------------------

function expectContains(actual, expected, what) {
  if (typeof actual !== 'string' || !actual.includes(expected)) {
    throw new Error(`${what}: expected text containing ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/**
 * Runs the selected scenarios in order (env SCENARIOS=a,b to filter), calling
 * flush() after each one so every scenario is exported before the next starts.
 * @param {Record<string, (name: string) => Promise<unknown>>} scenarios
 * @param {{flush?: () => Promise<void>}} [opts]
 */
async function runScenarios(scenarios, { flush } = {}) {
  const wanted = (process.env.SCENARIOS || '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((w) => !(w in scenarios));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
  for (const [name, fn] of Object.entries(scenarios)) {
    if (wanted.length && !wanted.includes(name)) continue;
    await fn(name);
    if (flush) await flush();
    console.log(`  scenario ${name}: ok`);
  }
}

/** Runs main(), prints errors, sets the exit code; never leaves the process hanging. */
function runMain(label, main) {
  main().then(
    () => {
      console.log(`${label}: done`);
      process.exitCode = 0;
      // Some SDKs keep timers/sockets alive; exit explicitly once everything is flushed.
      setTimeout(() => process.exit(0), 100).unref();
    },
    (err) => {
      console.error(`${label}: FAILED`);
      console.error(err && err.stack ? err.stack : err);
      process.exit(1);
    },
  );
}

module.exports = {
  USER_ID,
  AGENT_NAME,
  MODEL,
  ANTHROPIC_MODEL,
  BEDROCK_MODEL,
  CHAT_QUESTION,
  WEATHER_QUESTION,
  SYSTEM_PROMPT,
  API_KEY,
  sessionId,
  otlpEndpoint,
  openaiServer,
  getWeather,
  WEATHER_TOOL_DESCRIPTION,
  WEATHER_PARAMETERS,
  CHAT_TOOLS,
  RESPONSES_TOOLS,
  CheckedExporter,
  expectContains,
  runScenarios,
  runMain,
};
