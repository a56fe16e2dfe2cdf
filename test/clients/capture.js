'use strict';
// Tiny OTLP/HTTP receiver used to capture what each library really emits.
//
//   POST /v1/traces  -> <dir>/<service.name>.traces.json
//   POST /v1/logs    -> <dir>/<service.name>.logs.json
//   POST /v1/metrics -> accepted and ignored (counted only)
//
// JSON bodies (application/json, optionally gzip/deflate encoded) are parsed and
// their resourceSpans / resourceLogs entries are appended, grouped by the
// resource's service.name, into one pretty-printed JSON document per file
// ({"resourceSpans": [...]} or {"resourceLogs": [...]}). Each file is rewritten
// after every request so it is always complete. Existing files are loaded on
// first write (append semantics); delete a file to start it over.
//
// Protobuf bodies are NOT decoded: they are saved raw as
// <dir>/_protobuf.<signal>.<n>.bin and reported on stderr (and in /status).
//
// Env: CAPTURE_PORT (default 0 = random), CAPTURE_DIR (default
// ../../testdata/golden: the captures are the inputs of the golden cases
// clients-*, stored there once).
// Prints "capture listening on http://127.0.0.1:PORT" when ready.
// GET /status returns counters as JSON.

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const dir = path.resolve(process.env.CAPTURE_DIR || path.join(__dirname, '..', '..', 'testdata', 'golden'));
const port = Number(process.env.CAPTURE_PORT || 0);
fs.mkdirSync(dir, { recursive: true });

const SIGNALS = {
  '/v1/traces': { name: 'traces', key: 'resourceSpans' },
  '/v1/logs': { name: 'logs', key: 'resourceLogs' },
  '/v1/metrics': { name: 'metrics', key: 'resourceMetrics' },
};

const docs = new Map(); // file -> document
const status = { requests: 0, json: 0, protobuf: 0, metricsIgnored: 0, errors: 0, files: {} };
let protobufCount = 0;

function serviceName(resource) {
  const attrs = (resource && resource.attributes) || [];
  const a = attrs.find((x) => x.key === 'service.name');
  const v = a && a.value && (a.value.stringValue ?? a.value.string_value);
  return (v || 'unknown_service').replace(/[^A-Za-z0-9._-]/g, '_');
}

function decode(buf, encoding) {
  switch ((encoding || '').toLowerCase()) {
    case 'gzip':
      return zlib.gunzipSync(buf);
    case 'deflate':
      return zlib.inflateSync(buf);
    case 'br':
      return zlib.brotliDecompressSync(buf);
    case '':
    case 'identity':
      return buf;
    default:
      throw new Error(`unsupported content-encoding ${encoding}`);
  }
}

function append(signal, payload) {
  const entries = payload[signal.key] || [];
  const touched = new Set();
  for (const entry of entries) {
    const file = path.join(dir, `${serviceName(entry.resource)}.${signal.name}.json`);
    let doc = docs.get(file);
    if (doc && !fs.existsSync(file)) doc = undefined; // file deleted meanwhile: start over
    if (!doc) {
      doc = { [signal.key]: [] };
      if (fs.existsSync(file)) {
        try {
          const old = JSON.parse(fs.readFileSync(file, 'utf8'));
          if (Array.isArray(old[signal.key])) doc[signal.key] = old[signal.key];
        } catch {
          /* start fresh on unreadable file */
        }
      }
      docs.set(file, doc);
    }
    doc[signal.key].push(entry);
    touched.add(file);
  }
  for (const file of touched) {
    fs.writeFileSync(file, JSON.stringify(docs.get(file), null, 2) + '\n');
    status.files[path.basename(file)] = docs.get(file)[signal.key].length;
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = (req.url || '').split('?')[0];
    if (req.method === 'GET' && url === '/status') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(status));
    }
    const signal = SIGNALS[url];
    if (req.method !== 'POST' || !signal) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    status.requests += 1;
    const ctype = (req.headers['content-type'] || '').toLowerCase();
    try {
      const body = decode(Buffer.concat(chunks), req.headers['content-encoding']);
      if (ctype.includes('protobuf')) {
        status.protobuf += 1;
        const file = path.join(dir, `_protobuf.${signal.name}.${++protobufCount}.bin`);
        fs.writeFileSync(file, body);
        process.stderr.write(`capture: WARNING protobuf ${signal.name} request (${body.length} bytes, user-agent ${req.headers['user-agent']}) saved raw to ${file}\n`);
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        return res.end();
      }
      const payload = JSON.parse(body.toString('utf8'));
      status.json += 1;
      if (signal.name === 'metrics') {
        status.metricsIgnored += 1;
      } else {
        append(signal, payload);
      }
      if (process.env.CAPTURE_VERBOSE) {
        process.stderr.write(`capture: ${signal.name} ${(payload[signal.key] || []).length} resource(s) from ${req.headers['user-agent']}\n`);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"partialSuccess":{}}');
    } catch (err) {
      status.errors += 1;
      process.stderr.write(`capture: ERROR on ${url}: ${err && err.message}\n`);
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: String(err && err.message) }));
    }
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`capture listening on http://127.0.0.1:${server.address().port}`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
