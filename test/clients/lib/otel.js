'use strict';
// OpenTelemetry JS SDK 3.x / 0.30x line setup shared by the scripts that own
// their SDK (otel-openai, openinference, ai6, ai7). OpenLLMetry brings its own
// SDK (2.x / 0.203 line) and does not use this file.
//
// Traces: TracerProvider + span processor + OTLP/HTTP JSON exporter -> {OTLP_ENDPOINT}/v1/traces
// Logs (optional): LoggerProvider + log processor + OTLP/HTTP JSON -> {OTLP_ENDPOINT}/v1/logs
//
// Processors: batching by default, and the scripts force-flush after every
// scenario (flush()), so each scenario arrives as one request per signal, in
// order (deterministic fixtures). CLIENTS_PROCESSOR=simple switches to the
// Simple* processors (one request per span / log record; arrival order of
// concurrent requests is then not deterministic).

const api = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { TracerProvider, SimpleSpanProcessor, BatchSpanProcessor } = require('@opentelemetry/sdk-trace');
const { LoggerProvider, SimpleLogRecordProcessor, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { defaultResource, resourceFromAttributes } = require('@opentelemetry/resources');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http');
const c = require('./common');

const { CheckedExporter, otlpEndpoint } = c;

/**
 * Creates and globally registers the tracer (and optionally logger) provider.
 * @param {{serviceName: string, logs?: boolean, resourceAttributes?: object}} opts
 */
function setupOtel({ serviceName, logs = false, resourceAttributes = {} }) {
  if (process.env.OTEL_DEBUG) api.diag.setLogger(new api.DiagConsoleLogger(), api.DiagLogLevel.DEBUG);
  const endpoint = otlpEndpoint();
  // defaultResource() = telemetry.sdk.* (no host/process detectors: keeps fixtures deterministic)
  const resource = defaultResource().merge(resourceFromAttributes({ 'service.name': serviceName, ...resourceAttributes }));

  const simple = process.env.CLIENTS_PROCESSOR === 'simple';
  const spanExporter = new CheckedExporter(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }), `${serviceName} traces`);
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [simple ? new SimpleSpanProcessor({ exporter: spanExporter }) : new BatchSpanProcessor({ exporter: spanExporter })],
  });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(tracerProvider);

  let loggerProvider;
  let logExporter;
  if (logs) {
    logExporter = new CheckedExporter(new OTLPLogExporter({ url: `${endpoint}/v1/logs` }), `${serviceName} logs`);
    loggerProvider = new LoggerProvider({
      resource,
      processors: [simple ? new SimpleLogRecordProcessor({ exporter: logExporter }) : new BatchLogRecordProcessor({ exporter: logExporter })],
    });
    api.logs.setGlobalLoggerProvider(loggerProvider);
  }

  /** Exports everything ended/emitted so far (traces first, then logs). */
  async function flush() {
    await tracerProvider.forceFlush();
    if (loggerProvider) await loggerProvider.forceFlush();
  }

  async function shutdown({ logsRequired = true } = {}) {
    await flush();
    await tracerProvider.shutdown();
    if (loggerProvider) await loggerProvider.shutdown();
    spanExporter.check();
    if (logExporter) logExporter.check({ required: logsRequired });
  }

  const tracer = tracerProvider.getTracer(serviceName);
  return { api, tracerProvider, loggerProvider, tracer, flush, shutdown, ...appSpans(tracer) };
}

/**
 * The spans an application adds itself around a model SDK that traces only
 * its calls: an `invoke_agent` root per turn (with user.id / session.id) and
 * an `execute_tool` span per tool run, per the GenAI semconv.
 */
function appSpans(tracer) {
  const { SpanKind, SpanStatusCode, ROOT_CONTEXT } = api;
  async function inSpan(span, fn) {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(err.message) });
      throw err;
    } finally {
      span.end();
    }
  }
  /** Root span of one user turn. */
  function invokeAgent(spec, provider, model, fn) {
    const attributes = {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': c.AGENT_NAME,
      'gen_ai.provider.name': provider,
      'gen_ai.request.model': model,
      'user.id': c.USER_ID,
      'session.id': spec.sessionId,
    };
    return tracer.startActiveSpan(`invoke_agent ${c.AGENT_NAME}`, { kind: SpanKind.INTERNAL, attributes }, ROOT_CONTEXT, (span) => inSpan(span, fn));
  }
  /** Tool execution span; returns the result as a JSON string. */
  function executeTool(name, callId, args) {
    const attributes = {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': name,
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.description': c.WEATHER_TOOL_DESCRIPTION,
      'gen_ai.tool.call.id': callId,
      'gen_ai.tool.call.arguments': JSON.stringify(args),
    };
    return tracer.startActiveSpan(`execute_tool ${name}`, { kind: SpanKind.INTERNAL, attributes }, (span) => inSpan(span, async () => {
      const result = JSON.stringify(c.getWeather(args));
      span.setAttribute('gen_ai.tool.call.result', result);
      return result;
    }));
  }
  return { invokeAgent, executeTool };
}

module.exports = { setupOtel };
