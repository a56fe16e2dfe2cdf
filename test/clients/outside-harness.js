'use strict';
// An outside harness for SPEC section 9 (make bench-outside): its own load
// generator and sink, written apart from the Go harness of make
// bench-collector (internal/e2e/sidebyside_test.go) and sharing nothing
// with it but the collector configurations (testdata/collector/sbs-*.yaml),
// to confirm the CPU ratios that harness reports.
//
// - Load: agent turns of 4 spans (invoke_agent, chat, execute_tool, chat)
//   with a 1 KiB user message, made by the OpenTelemetry JS SDK and
//   serialized by its OTLP/protobuf serializer, 50 turns per request.
// - Sink: an HTTP server here that answers 200 and counts, per collector
//   (each sends to a path of its own), spans in OTLP/JSON and interactions
//   (4 spans each) in PrecogX payloads.
// - The collectors (precogx, otlp_http with encoding json, debug) run at the
//   same time on CPU 0 (taskset, GOMAXPROCS=1) and get every request at the
//   same moment; this process runs on CPU 1 (the Makefile pins it).
// - CPU per 10k spans from /proc/<pid>/stat, from 0.5 s after start until
//   everything arrived; the ratio precogx / otlp_http per round, then the
//   median and range.
//
// OUTSIDE_ROUNDS (5), OUTSIDE_SECONDS (10), OUTSIDE_RATES (5000,10000),
// OUTSIDE_COMPRESSION (none,gzip).

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const zlib = require('node:zlib');
const { spawn } = require('node:child_process');
const api = require('@opentelemetry/api');
const { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer');

const root = path.resolve(__dirname, '../..');
const env = (name, def) => process.env[name] || def;
const ROUNDS = Number(env('OUTSIDE_ROUNDS', '5'));
const SECONDS = Number(env('OUTSIDE_SECONDS', '10'));
const RATES = env('OUTSIDE_RATES', '5000,10000').split(',').map(Number);
const COMPRESSIONS = env('OUTSIDE_COMPRESSION', 'none,gzip').split(',');
const TURNS = 50; // per request
const EXPORTERS = [
  { name: 'precogx', config: 'sbs-precogx.yaml' },
  { name: 'otlp_http', config: 'sbs-otlphttp.yaml' },
  { name: 'debug', config: 'sbs-debug.yaml' },
];

// requests builds n OTLP/protobuf requests of TURNS agent turns each.
function requests(n) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-agent' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('outside-harness');
  const message = 'How do I reset the password of my account on the billing portal? '.repeat(16).slice(0, 1024);
  const base = Date.now();
  const out = [];
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < TURNS; k++) {
      const q = JSON.stringify(`q${r * TURNS + k} ${message}`);
      const at = (ms) => base + ms;
      const rootSpan = tracer.startSpan('invoke_agent weather-agent', {
        startTime: at(0),
        attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather-agent', 'user.id': 'u-1', 'session.id': 's-1' },
      }, api.ROOT_CONTEXT);
      const ctx = api.trace.setSpan(api.ROOT_CONTEXT, rootSpan);
      const chat = (from, to, output, input, tokensIn, tokensOut) => tracer.startSpan('chat gpt-4o-mini', {
        startTime: at(from),
        attributes: {
          'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
          'gen_ai.input.messages': `[{"role":"user","parts":[{"type":"text","content":${input}}]}]`,
          'gen_ai.output.messages': output, 'gen_ai.usage.input_tokens': tokensIn, 'gen_ai.usage.output_tokens': tokensOut,
        },
      }, ctx).end(at(to));
      chat(1, 30, '[{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"get_weather","arguments":{"location":"Paris"}}]}]', q, 10, 5);
      tracer.startSpan('execute_tool get_weather', {
        startTime: at(31),
        attributes: {
          'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'call_1',
          'gen_ai.tool.call.arguments': '{"location":"Paris"}', 'gen_ai.tool.call.result': '{"temperature":"57F"}',
        },
      }, ctx).end(at(40));
      chat(41, 99, '[{"role":"assistant","parts":[{"type":"text","content":"Open Settings, then Security, then Reset."}]}]', q, 20, 8);
      rootSpan.end(at(100));
    }
    out.push(Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())));
    exporter.reset();
  }
  return out;
}

// The sink: counts per collector, the first segment of the path.
function startSink() {
  const arrived = new Map();
  const count = (body, needle) => {
    let n = 0;
    for (let i = body.indexOf(needle); i >= 0; i = body.indexOf(needle, i + needle.length)) n++;
    return n;
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      const [, name, ...rest] = req.url.split('/');
      const spans = rest[0] === 'v1' ? count(body, '"spanId"') : 4 * count(body, '"agentId"');
      arrived.set(name, (arrived.get(name) || 0) + spans);
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, arrived, url: `http://127.0.0.1:${server.address().port}` })));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cpuOf(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // ms (USER_HZ 100)
}

function get(url) {
  return new Promise((resolve) => {
    http.get(url, (res) => { res.resume(); resolve(res.statusCode); }).on('error', () => resolve(0));
  });
}

// startCollector runs one collector on CPU 0 on random ports (again on others when one was taken).
async function startCollector(exp, sinkURL, compression) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = () => 20000 + Math.floor(Math.random() * 12000);
    const ports = { OTLP_HTTP_PORT: port(), HEALTH_PORT: port(), METRICS_PORT: port(), PPROF_PORT: port() };
    let log = '';
    const proc = spawn('taskset', ['-c', '0', path.join(root, 'bin/otelcol-precogx'), `--config=${path.join(root, 'testdata/collector', exp.config)}`], {
      env: { ...process.env, ...ports, GOMAXPROCS: '1', SINK_URL: `${sinkURL}/${exp.name}`, COMPRESSION: compression, PRECOGX_API_KEY: 'bench' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr.on('data', (d) => { if (log.length < 1 << 16) log += d; });
    let exited = false;
    proc.on('exit', () => { exited = true; });
    for (let i = 0; i < 300 && !exited; i++) {
      if (await get(`http://127.0.0.1:${ports.HEALTH_PORT}/`) === 200) {
        return { proc, url: `http://127.0.0.1:${ports.OTLP_HTTP_PORT}/v1/traces`, log: () => log };
      }
      await sleep(100);
    }
    proc.kill('SIGKILL');
    if (!log.includes('address already in use')) throw new Error(`${exp.name} did not start:\n${log}`);
  }
  throw new Error(`${exp.name}: no free ports`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function post(url, body) {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/x-protobuf' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

// round starts every collector, sends each the same requests at rate spans/s, and returns CPU per 10k spans per exporter.
async function round(sink, reqs, compression, rate) {
  sink.arrived.clear();
  const cols = await Promise.all(EXPORTERS.map((e) => startCollector(e, sink.url, compression)));
  try {
    await sleep(500);
    const cpu0 = cols.map((c) => cpuOf(c.proc.pid));
    const n = Math.min(reqs.length, Math.floor((rate * SECONDS) / (4 * TURNS)));
    const accepted = cols.map(() => 0);
    const inflight = [];
    const every = (1000 * 4 * TURNS) / rate;
    const start = Date.now();
    for (let i = 0; i < n; i++) {
      const wait = start + i * every - Date.now();
      if (wait > 0) await sleep(wait);
      cols.forEach((c, k) => inflight.push(post(c.url, reqs[i]).then((ok) => { if (ok) accepted[k]++; })));
    }
    await Promise.all(inflight);
    const out = {};
    for (const [k, e] of EXPORTERS.entries()) {
      const want = e.name === 'debug' ? 0 : accepted[k] * 4 * TURNS;
      for (let t = 0; t < 1200 && (sink.arrived.get(e.name) || 0) < want; t++) await sleep(100);
      if ((sink.arrived.get(e.name) || 0) < want) throw new Error(`${e.name}: ${sink.arrived.get(e.name) || 0} of ${want} spans arrived; its log:\n${cols[k].log()}`);
      if (accepted[k] !== n) throw new Error(`${e.name}: the receiver refused ${n - accepted[k]} requests at a fixed rate`);
      out[e.name] = ((cpuOf(cols[k].proc.pid) - cpu0[k]) * 10000) / (accepted[k] * 4 * TURNS);
    }
    return out;
  } finally {
    for (const c of cols) c.proc.kill('SIGTERM');
    await sleep(1000);
    for (const c of cols) c.proc.kill('SIGKILL');
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs, f) => `${f(median(xs))} (${f(Math.min(...xs))}-${f(Math.max(...xs))})`;

async function main() {
  const reqs = requests(Math.ceil((Math.max(...RATES) * SECONDS) / (4 * TURNS)));
  const sink = await startSink();
  const lines = [
    `rounds ${ROUNDS}, ${SECONDS} s each; load from the OpenTelemetry JS SDK (OTLP/protobuf, ${TURNS} turns per request), sink in Node`,
    '',
    '| compression | spans/s | precogx CPU per 10k spans | otlp_http | debug | ratio (total) | ratio (share above debug) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const compression of COMPRESSIONS) {
    for (const rate of RATES) {
      const cpu = { precogx: [], otlp_http: [], debug: [] };
      const total = [];
      const share = [];
      for (let r = 0; r < ROUNDS; r++) {
        const c = await round(sink, reqs, compression, rate);
        for (const e of EXPORTERS) cpu[e.name].push(c[e.name]);
        total.push(c.precogx / c.otlp_http);
        share.push((c.precogx - c.debug) / Math.max(c.otlp_http - c.debug, 1));
      }
      const ms = (x) => `${x.toFixed(0)} ms`;
      const r2 = (x) => x.toFixed(2);
      lines.push(`| ${compression} | ${rate} | ${spread(cpu.precogx, ms)} | ${spread(cpu.otlp_http, ms)} | ${spread(cpu.debug, ms)} | ${spread(total, r2)} | ${spread(share, r2)} |`);
    }
  }
  sink.server.close();
  agent.destroy();
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
