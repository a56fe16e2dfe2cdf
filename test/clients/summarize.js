'use strict';
// Prints a compact, human-readable view of captured OTLP/JSON files:
// spans as a tree per trace (name, kind, attributes, events), log records
// (event name, body, attributes, span link).
//
//   node summarize.js ../../testdata/golden/clients-ai7.traces.json [--full]
//   node summarize.js ../../testdata/golden/clients-*.json
//
// Values are truncated to 160 chars unless --full is given.

const fs = require('node:fs');

const full = process.argv.includes('--full');
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

function val(v) {
  if (v == null) return 'null';
  if ('stringValue' in v) return JSON.stringify(v.stringValue);
  if ('intValue' in v) return String(v.intValue);
  if ('doubleValue' in v) return String(v.doubleValue);
  if ('boolValue' in v) return String(v.boolValue);
  if ('arrayValue' in v) return `[${(v.arrayValue.values || []).map(val).join(', ')}]`;
  if ('kvlistValue' in v) return `{${(v.kvlistValue.values || []).map((kv) => `${kv.key}: ${val(kv.value)}`).join(', ')}}`;
  if ('bytesValue' in v) return `bytes(${v.bytesValue})`;
  return JSON.stringify(v);
}
const cut = (s) => (full || s.length <= 160 ? s : `${s.slice(0, 157)}...`);
const attrs = (list, indent) => (list || []).map((a) => `${indent}${a.key} = ${cut(val(a.value))}`).join('\n');

for (const file of files) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  console.log(`==== ${file}`);
  if (doc.resourceSpans) {
    const spans = [];
    for (const rs of doc.resourceSpans) {
      for (const ss of rs.scopeSpans || []) {
        for (const sp of ss.spans || []) spans.push({ ...sp, scope: ss.scope });
      }
    }
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const children = new Map();
    for (const s of spans) {
      const p = s.parentSpanId && byId.has(s.parentSpanId) ? s.parentSpanId : '';
      if (!children.has(p)) children.set(p, []);
      children.get(p).push(s);
    }
    for (const list of children.values()) list.sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1));
    const print = (s, depth) => {
      const ind = '  '.repeat(depth);
      console.log(`${ind}- ${s.name}  [${KINDS[s.kind] || s.kind}] scope=${s.scope && s.scope.name}${s.status && s.status.code ? ` status=${s.status.code}` : ''}`);
      if (s.attributes && s.attributes.length) console.log(attrs(s.attributes, `${ind}    `));
      for (const e of s.events || []) {
        console.log(`${ind}    * event ${e.name}`);
        if (e.attributes && e.attributes.length) console.log(attrs(e.attributes, `${ind}        `));
      }
      for (const ch of children.get(s.spanId) || []) print(ch, depth + 1);
    };
    for (const root of children.get('') || []) {
      console.log(`-- trace ${root.traceId}`);
      print(root, 0);
    }
  }
  if (doc.resourceLogs) {
    for (const rl of doc.resourceLogs) {
      for (const sl of rl.scopeLogs || []) {
        for (const lr of sl.logRecords || []) {
          console.log(`- log ${lr.eventName || '(no eventName)'} scope=${sl.scope && sl.scope.name} span=${lr.spanId || '-'}`);
          if (lr.body) console.log(`    body = ${cut(val(lr.body))}`);
          if (lr.attributes && lr.attributes.length) console.log(attrs(lr.attributes, '    '));
        }
      }
    }
  }
}
