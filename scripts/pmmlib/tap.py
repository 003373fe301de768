# SPDX-License-Identifier: GPL-2.0
"""TAP and KTAP: the one counter of results, and the conversions of
GoogleTest JSON, KUnit JSON (kunit.py parse --json) and JUnit XML to TAP."""
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

RESULT = re.compile(r"^(not )?ok\b\s*(\d+)?\s*(.*)$")
PLAN = re.compile(r"^1\.\.(\d+)(.*)$")
SKIP = re.compile(r"#\s*SKIP\b", re.I)


@dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    note: str = ""
    failures: list[str] = field(default_factory=list)   # the not ok lines

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.passed + other.passed, self.failed + other.failed,
                      self.skipped + other.skipped, self.note or other.note,
                      self.failures + other.failures)


def count(tap: str) -> Counts:
    """Counts the top-level result lines of a TAP or KTAP text (nested KTAP
    subtests are indented and left to their parent's line). Several plans
    add up (one per kselftest program); results that a plan announces but
    that never came count as failed, as does a Bail out! or a text with no
    result at all."""
    c, planned, results, plan_skip = Counts(), 0, 0, False
    for line in tap.splitlines():
        if m := RESULT.match(line):
            results += 1
            if SKIP.search(m.group(3)):
                c.skipped += 1
            elif m.group(1):
                c.failed += 1
                c.failures.append(line)
            else:
                c.passed += 1
        elif m := PLAN.match(line):
            planned += int(m.group(1))
            plan_skip |= int(m.group(1)) == 0 and bool(SKIP.search(m.group(2)))
        elif line.startswith("Bail out!"):
            c.failed += 1
            c.failures.append(line)
    if planned > results:
        c.failed += planned - results
        c.note = f"{planned - results} result(s) of the plan never reported"
    if results == 0 and planned == 0:
        if plan_skip:
            c.skipped, c.note = 1, tap.split("SKIP", 1)[-1].strip() or "skipped"
        elif not c.failed:
            c.failed, c.note = 1, "no results"
    return c


@dataclass
class Case:
    name: str
    status: str = "ok"          # ok, fail or skip
    reason: str = ""
    details: list[str] = field(default_factory=list)


def render(cases: list[Case], header: list[str] | None = None) -> str:
    """A TAP document, a line per case; details become # comments."""
    lines = ["TAP version 13", *(f"# {h}" for h in header or []), f"1..{len(cases)}"]
    for n, case in enumerate(cases, 1):
        lines += [f"# {d}" for d in case.details]
        desc = case.name + (f": {case.reason}" if case.reason and case.status != "skip" else "")
        if case.status == "skip":
            lines.append(f"ok {n} {desc} # SKIP {case.reason}".rstrip())
        else:
            lines.append(f"{'ok' if case.status == 'ok' else 'not ok'} {n} {desc}")
    return "\n".join(lines) + "\n"


def skipped(reason: str) -> str:
    """The TAP of a suite with nothing to run here."""
    return f"TAP version 13\n1..0 # SKIP {reason}\n"


def failed(name: str, reason: str) -> str:
    """The TAP of a suite that could not give results (no build, no boot, a crash)."""
    return render([Case(name, "fail", reason)])


def from_gtest_json(text: str) -> str:
    """GoogleTest's --gtest_output=json file -> TAP, a line per test."""
    cases = []
    for suite in json.loads(text).get("testsuites", []):
        for t in suite.get("testsuite", []):
            name = f"{suite['name']}.{t['name']}"
            if t.get("status") == "NOTRUN":
                cases.append(Case(name, "skip", "disabled"))
            elif t.get("failures"):
                cases.append(Case(name, "fail", "", [ln for f in t["failures"]
                                                     for ln in f.get("failure", "").splitlines()]))
            elif t.get("result") == "SKIPPED":
                msg = " ".join(s.get("message", "") for s in t.get("skipped", []))
                cases.append(Case(name, "skip", msg.strip().splitlines()[-1] if msg.strip() else ""))
            else:
                cases.append(Case(name))
    return render(cases)


def from_kunit_json(text: str) -> str:
    """kunit.py parse --json (KernelCI's format) -> TAP, a line per test case
    (parameterised tests: a line per parameter)."""
    status = {"PASS": "ok", "SKIP": "skip"}
    cases = []

    def walk(group: dict, prefix: str) -> None:
        for sub in group.get("sub_groups", []):
            walk(sub, f"{prefix}{sub['name']}.")
        for t in group.get("test_cases", []):
            cases.append(Case(prefix + t["name"], status.get(t["status"], "fail"),
                              "" if t["status"] in status else t["status"].lower()))
    walk(json.loads(text), "")
    return render(cases)


def from_junit(text: str) -> str:
    """JUnit XML (ctest --output-junit) -> TAP, a line per test."""
    cases = []
    for t in ET.fromstring(text).iter("testcase"):
        name = t.get("name", "?")
        if (s := t.find("skipped")) is not None or t.get("status") in ("notrun", "disabled"):
            msg = s.get("message", "") if s is not None else t.get("status", "")
            cases.append(Case(name, "skip", msg))
        elif t.find("failure") is not None or t.find("error") is not None or t.get("status") == "fail":
            out = t.findtext("system-out") or ""
            cases.append(Case(name, "fail", "", out.splitlines()[-15:]))
        else:
            cases.append(Case(name))
    return render(cases)
