#!/usr/bin/python3
"""tests/hl7/cdc_expect.py - CDC's 85 test messages against vaxregd's ACKs.

  cdc_expect.py TODAY GOOD.ack ERROR.ack testerror.hl7.rpt

The ACK files (vaxregd's answers to testgood.hl7 and testerror.hl7, one ACK
per message in order) are read with Debian's python3-hl7. The oracle is
CDC's own validator report, testerror.hl7.rpt: every error it lists on a
field a registry keeps must come back in an ERR at that field's HL7
location with the HL7 (0357) and CDC (0533) codes below, and the message
must not be accepted (MSA-1 AE or AR). The validator also applies rules of
the de-identified COVID-19 extract (names must read "Redacted", dose number
and series status required, nothing but the CVX on a refusal, the
administering site's type and address); a registry does not keep or check
those, and they are listed in CVRS_ONLY with the reason.

vaxregd applies rules of its own that the extract validator does not
(CDC's code tables, a lot number for a dose given here, funding and VFC
eligibility for a child, a reason for a refusal): an ERR not foreseen by
the report must be one of REGISTRY_ONLY, and nothing may be wrong with a
good message in HL7 terms (no HL7-* error). Prints one line per message and
exits 1 on any difference.
"""
import datetime
import re
import sys

import hl7

# (CDC code, CDC field) -> (HL7 location "SEG^seq^field", 0357 codes, 0533 codes)
CHECKED = {
    ("REQD001", "recip_dob"): ("PID^1^7", {"101"}, {"7"}),
    ("REQD001", "admin_date"): ("RXA^1^3", {"101"}, {"7"}),
    ("REQD001", "cvx"): ("RXA^1^5", {"101"}, {"7"}),
    ("DATA001", "admin_date"): ("RXA^1^3", {"102"}, {"2"}),
    ("DATA005", "recip_address_zip"): ("PID^1^11", {"102"}, {"4"}),
    ("DATA007", "recip_sex"): ("PID^1^8", {"103"}, {"5"}),
    ("DATA007", "cvx"): ("RXA^1^5", {"103"}, {"5"}),
    ("DATA007", "mvx"): ("RXA^1^17", {"103"}, {"5"}),
    ("DATA008", "mvx"): ("RXA^1^17", {"102"}, {"4"}),
    ("BUSR001", "recip_address_county"): ("PID^1^11", {"102"}, {"3"}),
    # 1529 is no ZIP code at all: our finding is the format (4), CDC's the state (3)
    ("BUSR003", "recip_address_zip"): ("PID^1^11", {"102"}, {"3", "4"}),
    ("BUSR005", "recip_dob"): ("RXA^1^3", {"102"}, {"1"}),
    ("BUSR011", "recip_dob"): ("PID^1^7", {"102"}, {"1"}),
    ("BUSR012", "admin_date"): ("RXA^1^3", {"102"}, {"1"}),
}
# DATA006 ("should contain Redacted") is a registry error only when the name part is empty
EMPTY_REQUIRED = {
    "recip_first_name": ("PID^1^5", {"101"}, {"7"}),  # the extract's first name is PID-5.1 here
    "recip_last_name": ("PID^1^5", {"101"}, {"7"}),
}
CVRS_ONLY = {
    "DATA006": "the extract is de-identified: names and streets must read 'Redacted'",
    "DATA004": "the extract carries no PPRL id; a registry keeps every identifier it is sent",
    "DNTS002": "the extract drops lot, NDC, site, route on a refusal; a registry keeps what it is told",
    "admin_type": "the administering site's type (CDC's DCHTYPE2) is not kept by the registry",
    "admin_address_county": "the administering site's address is not kept by the registry",
    "admin_address_zip": "the administering site's address is not kept by the registry",
    "admin_address_state": "the administering site's address is not kept by the registry",
    "admin_name": "the administering site's name is not kept by the registry",
    "ext_type": "MSH-8 (security) carries the extract's type; a registry does not use it",
    "dose_num": "dose number and series status are computed by the registry's CDSi engine",
    "vax_series_complete": "dose number and series status are computed by the registry's CDSi engine",
    "serology": "the extract's fixed observations are not required of a registry's senders",
    "cmorbid_status": "the extract's fixed observations are not required of a registry's senders",
    "responsible_org": "the responsible organization is the sender's login (MSH-4 must match it)",
    "recip_race_1": "race and ethnicity are not required by the registry",
    "recip_ethnicity": "race and ethnicity are not required by the registry",
    "recip_sex": "PID-8 is RE (required if known) in the CDC guide; the registry requires it of new clients",
    "BUSR007": "a warning in the report; the registry has no rule for a ZIP without a state",
    "BUSR009": "a warning in the report; the registry requires a county of new clients only",
}
REGISTRY_ONLY = {
    "V-CVX-UNKNOWN": "CVX 900-902 are placeholders of the 2020 test kit, not in CDC's table",
    "V-NDC-UNKNOWN": "NDCs 80777-9999-00 and 99999-9999-01 are placeholders, not in CDC's NDC tables",
    "V-MVX-UNKNOWN": "MVX AAA is a placeholder, not in CDC's table",
    "V-LOT-MISSING": "a dose given here needs its lot number",
    "V-FUNDING-MISSING": "a child's dose needs its funding source",
    "V-VFC-MISSING": "a child's dose needs its VFC eligibility",
    "V-REFUSAL-REASON": "a refusal needs its reason (RXA-18)",
    "V-COUNTY-MISSING": "a new client needs a county",
    "V-SHOT-BEFORE-DOB": "the date given is before the date of birth",
    "V-SHOT-FUTURE": "the date given is in the future",
    "V-DUPLICATE-SHOT": "the same vaccine within days of a dose the client has",
    "HL7-CLIENT-REFUSED": "the dose of a refused client is not stored",
    "V-EXPIRED": "the lot had expired on the date given (RXA-16 before RXA-3)",
    "HL7-DATE": "PID-7 201508 is no full date; CDC's validator checks only the date given's format",
}
RPT = re.compile(r"^\S+\s+\S+\s+(\d+)\s+(ERROR|WARN)\s+(\S+)\s+(\S+)\s+(.*)$")


def acks(path):
    text = open(path, encoding="utf-8").read().replace("\n", "\r")
    lines = [l for l in text.split("\r") if l.strip()]
    cur, out = [], []
    for l in lines:
        if l[:3] in ("FHS", "BHS", "BTS", "FTS"):
            continue
        if l.startswith("MSH") and cur:
            out.append(hl7.parse("\r".join(cur)))
            cur = []
        cur.append(l)
    if cur:
        out.append(hl7.parse("\r".join(cur)))
    return out


def errs(msg):
    try:
        segs = msg.segments("ERR")
    except KeyError:
        return []
    out = []
    for e in segs:
        loc = str(e[2]).split("^")
        out.append({"loc": "^".join(loc[:3]), "hl7": str(e[3]).split("^")[0], "sev": str(e[4]),
                    "app": str(e[5]).split("^")[0], "code": (str(e[5]).split("^") + [""] * 4)[3]})
    return out


def main():
    today = datetime.date.fromisoformat(sys.argv[1])
    good, bad = acks(sys.argv[2]), acks(sys.argv[3])
    problems = []
    if len(good) != 33 or len(bad) != 52:
        print("expected 33 and 52 answers, got %d and %d" % (len(good), len(bad)))
        return 1
    for i, m in enumerate(good, 1):
        es = errs(m)
        for e in es:
            if e["sev"] == "E" and (e["code"].startswith("HL7-") and e["code"] != "HL7-CLIENT-REFUSED"):
                problems.append("good #%d: HL7 error %s at %s" % (i, e["code"], e["loc"]))
            if e["sev"] == "E" and e["code"] not in REGISTRY_ONLY:
                problems.append("good #%d: unforeseen %s at %s" % (i, e["code"], e["loc"]))
            if e["loc"].startswith("PID") and e["sev"] == "E":
                problems.append("good #%d: the client was refused: %s" % (i, e["code"]))
        print("good  #%-2d %s %s" % (i, m.segment("MSA")[1], " ".join(sorted({e["code"] for e in es})) or "-"))
    expected = {}
    for line in open(sys.argv[4], encoding="utf-8"):
        r = RPT.match(line.strip())
        if not r:
            continue
        n, level, field, code, desc = int(r.group(1)), r.group(2), r.group(3), r.group(4), r.group(5)
        value = re.search(r"\((.*?)\)", desc)
        value = value.group(1) if value else ""
        key = (code, field)
        if key in CHECKED:
            if code == "BUSR005" and ("()" in desc):
                continue  # the other date is missing: REQD001 covers it
            if code == "BUSR012":
                d = re.search(r"\((\d{4}-\d{2}-\d{2})\)", desc)
                if d and datetime.date.fromisoformat(d.group(1)) <= today:
                    continue  # future when CDC ran it, past today
            expected.setdefault(n, []).append((code, field) + CHECKED[key])
        elif code == "DATA006" and field in EMPTY_REQUIRED and value == "":
            expected.setdefault(n, []).append((code, field) + EMPTY_REQUIRED[field])
        elif code in CVRS_ONLY or field in CVRS_ONLY:
            continue
        else:
            problems.append("report line for message %d has no mapping: %s %s" % (n, code, field))
    for i, m in enumerate(bad, 1):
        es = errs(m)
        msa = str(m.segment("MSA")[1])
        want = expected.get(i, [])
        for code, field, loc, h, a in want:
            hit = [e for e in es if e["loc"] == loc and e["hl7"] in h and e["app"] in a and e["sev"] == "E"]
            if not hit:
                problems.append("error #%d: CDC's %s on %s should be an ERR at %s (%s/%s); got %s" % (
                    i, code, field, loc, "|".join(sorted(h)), "|".join(sorted(a)),
                    " ".join("%s@%s/%s/%s" % (e["code"], e["loc"], e["hl7"], e["app"]) for e in es) or "none"))
        if want and msa not in ("AE", "AR"):
            problems.append("error #%d: accepted (%s) though CDC found errors" % (i, msa))
        locs = {w[2] for w in want}
        for e in es:
            if e["sev"] == "E" and e["loc"] not in locs and e["code"] not in REGISTRY_ONLY:
                problems.append("error #%d: unforeseen %s at %s" % (i, e["code"], e["loc"]))
        print("error #%-2d %s expected %-40s got %s" % (
            i, msa, ",".join("%s:%s" % (w[2], w[0]) for w in want) or "-",
            " ".join("%s@%s" % (e["code"], e["loc"]) for e in es) or "-"))
    for p in problems:
        print("FAIL:", p)
    print("%d checked ERR expectations, %d problems" % (sum(len(v) for v in expected.values()), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
