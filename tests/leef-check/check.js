#!/usr/bin/env node
// Independent LEEF parser for rollcall's tests (crates/rollcall-leef/tests/nsyslog_parser.rs).
//
// Reads syslog lines carrying LEEF on stdin, one per line, parses each with nsyslog-parser
// (not our code) and prints one JSON object per input line, in order:
//   {"host":…, "prival":…, "type":…, "leef":{leefVersion,vendor,product,version,eventID,delimiter},
//    "fields":{key: value as sent}}
// or {"error": "…"} when the parser throws. Values are printed exactly as the parser returns
// them (still percent-encoded); the Rust side decodes and compares.
'use strict';

const parse = require('nsyslog-parser');

function check(line) {
  const entry = parse(line);
  if (!entry || entry.err) {
    return { error: String(entry && entry.err) };
  }
  const leef = entry.leef || {};
  return {
    host: entry.host === undefined ? null : entry.host,
    prival: Number.isNaN(entry.prival) ? null : entry.prival,
    type: entry.type,
    leef: {
      leefVersion: leef.leefVersion,
      vendor: leef.vendor,
      product: leef.product,
      version: leef.version,
      eventID: leef.eventID,
      delimiter: leef.delimiter,
    },
    fields: entry.fields || {},
  };
}

const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => {
  const text = Buffer.concat(chunks).toString('utf8');
  // Split on LF only: the lines must not contain CR or any other break of their own.
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const out = lines.map((line) => JSON.stringify(check(line)));
  process.stdout.write(out.length ? out.join('\n') + '\n' : '');
});
