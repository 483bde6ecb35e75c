#!/usr/bin/python3
"""tests/hl7/hl7check.py - read HL7 v2 with Debian's python3-hl7 (an
independent parser) and print what the tests compare.

  hl7check.py FILE...      every message in each file (one message, a batch
                           file with FHS/BHS, or bare messages one after
                           another), one line each:
                             <MSH-9> <MSH-10> <MSA-1 or -> <MSA-2 or -> <ERR>...
                           then for a query answer QAK:<QAK-2> PROFILE:<MSH-21> PID:<n> RXA:<n>,
                           then each ERR as <ERR-2.1>^<ERR-2.2>^<ERR-2.3>/<ERR-3.1>/<ERR-4>/<ERR-5.1>/<ERR-5.4>
Exits 1 (naming the file) if python3-hl7 cannot parse a message, if a
message lacks MSH-9 or MSH-10, or if a batch's counts do not match.
Run with /usr/bin/python3: python3-hl7 is Debian's package.
"""
import re
import sys

import hl7


def field(seg, f, rep=1, comp=1):
    """seg's field f (1-based), repetition rep, component comp, as text."""
    try:
        v = seg[f]
    except IndexError:
        return ""
    try:
        if isinstance(v, hl7.Field) and len(v) and isinstance(v[0], hl7.Repetition):
            v = v[rep - 1]
        if isinstance(v, (hl7.Repetition, hl7.Field)) and len(v) and isinstance(v[0], hl7.Component):
            v = v[comp - 1]
        elif isinstance(v, (hl7.Repetition, hl7.Field)):
            v = v[comp - 1] if comp <= len(v) else ""
    except IndexError:
        return ""
    return str(v)


def count(msg, seg):
    try:
        return len(msg.segments(seg))
    except KeyError:
        return 0


def describe(msg):
    msh = msg.segment("MSH")
    # python-hl7 numbers MSH from the field separator: MSH[9] is MSH-9
    mtype = "^".join(str(c) for c in msh[9][0][:2]) if isinstance(msh[9][0], hl7.Component) else str(msh[9])
    control = str(msh[10])
    if not mtype or not control:
        raise ValueError("MSH-9 or MSH-10 is empty")
    out = [mtype, control]
    try:
        msa = msg.segment("MSA")
        out += [str(msa[1]), str(msa[2])]
    except KeyError:
        out += ["-", "-"]
    try:
        qak = msg.segment("QAK")
        profile = field(msh, 21, 1, 1)
        out.append("QAK:%s PROFILE:%s PID:%d RXA:%d" % (field(qak, 2), profile, count(msg, "PID"), count(msg, "RXA")))
    except KeyError:
        pass
    try:
        errs = msg.segments("ERR")
    except KeyError:
        errs = []
    for e in errs:
        loc = "^".join(field(e, 2, 1, c) for c in (1, 2, 3))
        out.append("%s/%s/%s/%s/%s" % (loc, field(e, 3, 1, 1), field(e, 4), field(e, 5, 1, 1), field(e, 5, 1, 4)))
    return " ".join(out)


def messages(text):
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    lines = [l for l in text.split("\r") if l.strip()]
    if lines and lines[0][:3] in ("FHS", "BHS"):
        joined = "\r".join(lines)
        if lines[0][:3] == "FHS":
            f = hl7.parse_file(joined)
            batches = list(f)
        else:
            batches = [hl7.parse_batch(joined)]
        for b in batches:
            trailer = b.trailer
            msgs = list(b)
            if trailer is not None and str(trailer[1]) and int(str(trailer[1])) != len(msgs):
                raise ValueError("BTS-1 says %s messages, the batch has %d" % (trailer[1], len(msgs)))
            for m in msgs:
                yield m
        return
    cur = []
    for l in lines:
        if l.startswith("MSH") and cur:
            yield hl7.parse("\r".join(cur))
            cur = []
        cur.append(l)
    if cur:
        yield hl7.parse("\r".join(cur))


def main():
    status = 0
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        try:
            for m in messages(text):
                print(describe(m))
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            print("%s: python3-hl7 could not read it: %s" % (path, e), file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
