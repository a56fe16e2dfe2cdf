'use strict';
// OpenLLMetry (@traceloop/node-server-sdk) setup shared by the Traceloop
// stacks. Traceloop brings its own OTel SDK (@opentelemetry/sdk-node 0.203 /
// SDK 2.x). Its default exporter is OTLP/HTTP *protobuf*; we pass a custom
// OTLP/HTTP JSON exporter from the same 0.203 line (npm alias
// otel-exporter-trace-otlp-http-0.203).

const c = require('./common');

/**
 * Initializes Traceloop; returns the turn wrapper (withWorkflow for a plain
 * question, withAgent for the agent turn, with user/session association
 * properties), the tool runner (withTool) and flush/shutdown.
 * @param {string} appName service.name
 * @param {object} [instrumentModules] modules to instrument by hand (require hooks otherwise)
 */
function setup(appName, instrumentModules) {
  // NodeSDK 0.203 would otherwise start an OTLP *log* exporter to localhost:4318
  // by default (OTEL_LOGS_EXPORTER unset = otlp). Traceloop emits no logs.
  process.env.OTEL_LOGS_EXPORTER = process.env.OTEL_LOGS_EXPORTER || 'none';
  process.env.OTEL_METRICS_EXPORTER = process.env.OTEL_METRICS_EXPORTER || 'none';
  // No host/process resource detectors (host.id, pid, paths): keeps the fixtures deterministic.
  process.env.OTEL_NODE_RESOURCE_DETECTORS = process.env.OTEL_NODE_RESOURCE_DETECTORS || 'none';

  const traceloop = require('@traceloop/node-server-sdk');
  const { OTLPTraceExporter } = require('otel-exporter-trace-otlp-http-0.203');
  const exporter = new c.CheckedExporter(new OTLPTraceExporter({ url: `${c.otlpEndpoint()}/v1/traces` }), `${appName} traces`);
  traceloop.initialize({
    appName,
    baseUrl: c.otlpEndpoint(),
    apiKey: 'not-used',
    exporter,
    disableBatch: process.env.CLIENTS_PROCESSOR === 'simple',
    traceContent: true,
    traceloopSyncEnabled: false,
    silenceInitializationMessage: true,
    logLevel: 'error',
    ...(instrumentModules ? { instrumentModules } : {}),
  });

  function turn(spec, fn) {
    const config = {
      name: spec.kind === 'AGENT' ? c.AGENT_NAME : spec.name,
      associationProperties: { user_id: c.USER_ID, session_id: spec.sessionId },
      conversationId: spec.sessionId,
    };
    const wrap = spec.kind === 'AGENT' ? traceloop.withAgent : traceloop.withWorkflow;
    return wrap(config, async () => fn(), spec.question);
  }

  function runTool(name, callId, args) {
    return traceloop.withTool({ name }, async (a) => JSON.stringify(c.getWeather(a)), args);
  }

  const lifecycle = {
    flush: () => traceloop.forceFlush(),
    shutdown: async () => {
      await traceloop.forceFlush();
      await exporter.forceFlush();
      exporter.check();
    },
  };
  return { traceloop, turn, runTool, lifecycle };
}

module.exports = { setup };
