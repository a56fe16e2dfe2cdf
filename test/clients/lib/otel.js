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
const { CheckedExporter, otlpEndpoint } = require('./common');

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

  return { api, tracerProvider, loggerProvider, tracer: tracerProvider.getTracer(serviceName), flush, shutdown };
}

module.exports = { setupOtel };
