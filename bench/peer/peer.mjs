// bench/peer/peer.mjs - the generic FHIR client bench/links.sh compares
// vaxdesk with: the same tasks against the same vaxregd through the npm
// fhir-kit-client library, written the way its README shows (one request
// after another, awaiting each), over Node's fetch (keep-alive and gzip
// responses by default). Trusts the bench's CA through NODE_EXTRA_CA_CERTS.
//
//   node peer.mjs front  BASE ORG USER PASSWORD FAMILY GIVEN YYYY-MM-DD
//   node peer.mjs school BASE ORG USER PASSWORD GROUP_ID GRADE
//   node peer.mjs sync   BASE ORG USER PASSWORD BUNDLE_FILE
//
// Prints one line: "ok REQUESTS" (or "failed: why" and exits 1).
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Client } from 'fhir-kit-client';

const VAX = 'https://vaxdesk.org/fhir';
let requests = 0;

// vaxregd's login (RFC 6749 password grant plus org_code): the password
// first, then the confidentiality statement the registry asks to accept.
async function login(base, org, user, password) {
  const form = { grant_type: 'password', org_code: org, username: user, password };
  let r = await fetch(`${base}/auth/token`, { method: 'POST', body: new URLSearchParams(form) });
  requests++;
  if (r.status === 400) {
    await r.json();
    const st = await fetch(`${base}/auth/confidentiality`);
    requests++;
    await st.json();
    r = await fetch(`${base}/auth/token`, {
      method: 'POST',
      body: new URLSearchParams({ ...form, confidentiality_accepted: 'true' }),
    });
    requests++;
  }
  if (r.status !== 200) throw new Error(`login: HTTP ${r.status}`);
  const client = new Client({ baseUrl: base });
  client.bearerToken = (await r.json()).access_token;
  return client;
}

async function front(client, org, user, family, given, birthdate) {
  // Basic search
  const found = await client.search({
    resourceType: 'Patient',
    searchParams: { family, given, birthdate, _count: 20 },
  });
  requests++;
  const pid = found.entry[0].resource.id;
  // the record: client, history, responsible persons, consent, forecast
  const patient = await client.read({ resourceType: 'Patient', id: pid });
  requests++;
  const imms = await client.search({
    resourceType: 'Immunization',
    searchParams: { patient: `Patient/${pid}`, _count: 500 },
  });
  requests++;
  await client.search({ resourceType: 'RelatedPerson', searchParams: { patient: `Patient/${pid}` } });
  requests++;
  await client.search({ resourceType: 'Consent', searchParams: { patient: `Patient/${pid}` } });
  requests++;
  const today = new Date().toISOString().slice(0, 10);
  const parameter = [
    { name: 'assessmentDate', valueDate: today },
    { name: 'patient', resource: patient },
    ...(imms.entry || []).map((e) => ({ name: 'immunization', resource: e.resource })),
  ];
  await client.operation({
    name: '$immds-forecast',
    method: 'POST',
    input: { resourceType: 'Parameters', parameter },
  });
  requests++;
  // record one shot, conditional on its identifier as vaxdesk's are
  const uuid = randomUUID();
  await client.create({
    resourceType: 'Immunization',
    // what vaxdesk sends for the same dose, so both upload the same content
    body: {
      resourceType: 'Immunization',
      identifier: [{ system: 'urn:ietf:rfc:3986', value: `urn:uuid:${uuid}` }],
      status: 'completed',
      vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '141' }] },
      patient: { reference: `Patient/${pid}` },
      occurrenceDateTime: today,
      primarySource: true,
      reportOrigin: { coding: [{ system: `${VAX}/CodeSystem/info-source`, code: '00' }] },
      lotNumber: 'BENCH1',
      performer: [
        {
          function: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0443', code: 'OP' }] },
          actor: { identifier: { system: `${VAX}/CodeSystem/organization-code`, value: org } },
        },
      ],
      education: [
        {
          documentType: 'Influenza (Flu) Vaccine (Inactivated or Recombinant) VIS',
          publicationDate: '2025-01-31',
          presentationDate: today,
        },
      ],
      fundingSource: { coding: [{ system: `${VAX}/CodeSystem/funding-source`, code: 'VXC1' }] },
      programEligibility: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0064', code: 'V02' }] }],
      extension: [
        {
          url: `${VAX}/StructureDefinition/capture`,
          extension: [
            { url: 'user', valueString: user },
            { url: 'org', valueString: org },
            { url: 'workstation', valueString: 'peer' },
            { url: 'at', valueInstant: new Date().toISOString().slice(0, 19) + 'Z' },
          ],
        },
      ],
    },
    options: { headers: { 'If-None-Exist': `identifier=urn:ietf:rfc:3986|urn:uuid:${uuid}` } },
  });
  requests++;
}

async function school(client, gid, grade) {
  await client.read({ resourceType: 'Group', id: gid });
  requests++;
  const r = await client.request(`Group/${gid}/$school-compliance?grade=${grade}`);
  requests++;
  // the report is a Parameters resource: one "student" parameter per child, then the totals
  const total = (r.parameter || []).find((p) => p.name === 'total');
  if (r.resourceType !== 'Parameters' || !total) throw new Error('no report');
}

async function sync(client, file) {
  const bundle = JSON.parse(readFileSync(file, 'utf8'));
  const r = await client.transaction({ body: bundle });
  requests++;
  const bad = (r.entry || []).filter((e) => !/^20/.test(e.response?.status || ''));
  if (bad.length) throw new Error(`${bad.length} entries refused: ${bad[0].response?.status}`);
}

async function main() {
  const [task, base, org, user, password, ...rest] = process.argv.slice(2);
  const client = await login(base, org, user, password);
  if (task === 'front') await front(client, org, user, ...rest);
  else if (task === 'school') await school(client, ...rest);
  else if (task === 'sync') await sync(client, ...rest);
  else throw new Error(`unknown task ${task}`);
  console.log(`ok ${requests}`);
}

main().catch((e) => {
  console.log(`failed: ${e.message} ${JSON.stringify(e.response?.data ?? '').slice(0, 300)}${e.response ? ` (HTTP ${e.response.status})` : ''}`);
  process.exit(1);
});
