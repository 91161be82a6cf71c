#!/usr/bin/env python3
"""Results for CI: build/test-results/junit.xml and a per-shape summary.

  junit.py write RESULTS            junit.xml from what run-all.sh left in RESULTS
  junit.py check RESULTS            parse it back and check what CI tools read
  junit.py summary RESULTS          the per-shape table with per-test durations

One <testsuite> per part of the run: each host test binary, the fuzz
targets, the in-kernel suite on each machine shape, the scenarios. One
<testcase> per host test, fuzz target, in-kernel test per shape and
scenario. A failure carries the message (the check that failed) and the
serial-log excerpt around it in <system-out>.

The attributes kept are the ones GitLab (junit report artifacts), GitHub
Actions' JUnit reporters and Jenkins' junit step read: testsuites/testsuite
name, tests, failures, errors, skipped, time; testcase name, classname,
time; failure/skipped message; system-out.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

TAP_LINE = re.compile(r"^(not ok|ok) (\d+) - (\S+)(?: # (.*))?$")
TIME = re.compile(r"time=(\d+)ms")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text):
    """XML 1.0 refuses most control bytes; the serial log may hold them."""
    return CONTROL.sub(lambda m: "\\x%02x" % ord(m.group()), text)


def read(path, default=""):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace").replace("\r", "")
    except OSError:
        return default


def secs(results, name):
    total = 0
    for line in read(os.path.join(results, name + ".secs")).split():
        try:
            total += float(line)
        except ValueError:
            pass
    return total


def case(suite, name, classname, time=0.0, failure=None, skipped=None, out=None):
    tc = ET.SubElement(suite, "testcase", name=name, classname=classname, time="%.3f" % time)
    if failure is not None:
        f = ET.SubElement(tc, "failure", message=clean(failure.splitlines()[0] if failure else "failed"),
                          type="failure")
        f.text = clean(failure)
    if skipped is not None:
        ET.SubElement(tc, "skipped", message=clean(skipped))
    if out:
        ET.SubElement(tc, "system-out").text = clean(out)
    return tc


def suite(root, name, time=0.0):
    return ET.SubElement(root, "testsuite", name=name, time="%.3f" % time)


def host_suites(root, results):
    for fn in sorted(os.listdir(results)):
        if not (fn.startswith("host-") and fn.endswith(".out")):
            continue
        t = fn[len("host-"):-len(".out")]
        err = read(os.path.join(results, "host-%s.err" % t))
        s = suite(root, "host.%s" % t, secs(results, "host-" + t))
        seen = 0
        for line in read(os.path.join(results, fn)).splitlines():
            m = re.match(r"^(not ok|ok) - (\S+)", line)
            if not m:
                continue
            seen += 1
            failed = m.group(1) == "not ok"
            msg = None
            if failed:
                # check.h prints "  file:line: CHECK failed: ..." on stderr.
                msg = "\n".join(l.strip() for l in err.splitlines() if "CHECK" in l) or line
            case(s, m.group(2), "host.%s" % t, failure=msg, out=err[-4000:] if failed else None)
        rc = read(os.path.join(results, "host-%s.rc" % t)).strip()
        if rc not in ("", "0") and not any(c.find("failure") is not None for c in s):
            case(s, "exit_status", "host.%s" % t,
                 failure="exited with status %s without reporting a failure (crash or sanitizer)" % rc,
                 out=err[-4000:])
        elif seen == 0:
            case(s, "ran", "host.%s" % t, failure="no test results in the output", out=err[-4000:])


def fuzz_suite(root, results):
    targets = sorted(fn[len("fuzz-"):-len(".log")] for fn in os.listdir(results)
                     if fn.startswith("fuzz-") and fn.endswith(".log"))
    if not targets:
        return
    s = suite(root, "fuzz")
    for t in targets:
        log = read(os.path.join(results, "fuzz-%s.log" % t))
        rc = read(os.path.join(results, "fuzz-%s.rc" % t)).strip()
        failed = rc not in ("", "0")
        case(s, t, "fuzz", secs(results, "fuzz-" + t),
             failure=("libFuzzer exited with status %s" % rc) if failed else None,
             out=log[-4000:] if failed else None)


def kernel_suite(root, results, job):
    """test=all on one shape: one testcase per TAP line."""
    log = read(os.path.join(results, job + ".log"))
    lines = log.splitlines()
    shape = read(os.path.join(results, job + ".shape")).strip()
    s = suite(root, "kernel.%s" % (job[len("suite_"):] if job.startswith("suite_") else job),
              secs(results, job))
    s.set("hostname", shape or job)
    results_seen = 0
    plan = None
    for i, line in enumerate(lines):
        if plan is None:
            m = re.match(r"^1\.\.(\d+)", line)
            if m:
                plan = int(m.group(1))
        m = TAP_LINE.match(line)
        if not m:
            continue
        results_seen += 1
        status, _, name, directive = m.groups()
        directive = directive or ""
        t = TIME.search(directive)
        time = int(t.group(1)) / 1000.0 if t else 0.0
        classname = s.get("name")
        if status == "not ok":
            notes = []
            j = i - 1
            while j >= 0 and lines[j].startswith("    #"):
                notes.insert(0, lines[j].strip()[2:])
                j -= 1
            excerpt = "\n".join(lines[max(0, j - 10):i + 1])
            case(s, name, classname, time, failure="\n".join(notes) or "not ok", out=excerpt)
        elif directive.startswith("SKIP"):
            case(s, name, classname, time, skipped=directive[4:].strip() or "skipped")
        else:
            case(s, name, classname, time)
    rc = read(os.path.join(results, job + ".rc")).strip()
    if plan is not None and results_seen == plan and rc != "0" and \
            not any(c.find("failure") is not None for c in s):
        case(s, "exit_status", s.get("name"),
             failure="all tests passed but the exit status is %s" % rc, out="\n".join(lines[-30:]))
    if plan is None or results_seen != plan:
        case(s, "complete_run", s.get("name"),
             failure="incomplete run: plan %s, %d results, exit status %s"
             % (plan if plan is not None else "missing", results_seen, rc),
             out="\n".join(lines[-30:]))


def scenario_suite(root, results, jobs):
    if not jobs:
        return
    s = suite(root, "scenarios")
    for job in jobs:
        replay = os.path.join(results, job + ".replay")
        if not os.path.exists(replay):
            replay = os.path.join(results, job + ".checks")   # scenario_status_page
        if os.path.exists(replay):
            replay_cases(s, results, job, read(replay))
            continue
        count = read(os.path.join(results, job + ".count")).split()
        failed = len(count) == 2 and count[1] != "0"
        msg = None
        out = None
        if failed:
            msg = read(os.path.join(results, job + ".unmet")).strip() or \
                read(os.path.join(results, job + ".report")).strip() or "failed"
            out = "\n".join(read(os.path.join(results, job + ".log")).splitlines()[-40:])
        case(s, job, "scenario", secs(results, job), failure=msg, out=out)


def replay_cases(s, results, job, text):
    """A job with one result per session ("ok - name" lines in <job>.replay,
    the console replay): one testcase each, plus one if it ended badly
    without naming a failed session."""
    lines = text.splitlines()
    failed_any = False
    for i, line in enumerate(lines):
        m = re.match(r"^(not ok|ok) - (.+)$", line)
        if not m:
            continue
        if m.group(1) == "not ok":
            failed_any = True
            detail = "\n".join(lines[i + 1:i + 13])
            case(s, m.group(2), job, failure=detail or "not ok", out=detail)
        else:
            case(s, m.group(2), job)
    count = read(os.path.join(results, job + ".count")).split()
    if not failed_any and len(count) == 2 and count[1] != "0":
        case(s, "run", job, failure=read(os.path.join(results, job + ".report")).strip() or "failed",
             out=read(os.path.join(results, job + ".stderr"))[-4000:])


def qemu_jobs(results):
    jobs = read(os.path.join(results, "qemu-jobs.list")).split()
    return [j for j in jobs if os.path.exists(os.path.join(results, j + ".count"))]


def is_tap_job(results, job):
    """tap_count (tests/qemu/lib.sh) marks the jobs it counted."""
    return os.path.exists(os.path.join(results, job + ".tap"))


def totals(el):
    cases = el.iter("testcase")
    n = f = sk = 0
    t = 0.0
    for c in cases:
        n += 1
        f += c.find("failure") is not None
        sk += c.find("skipped") is not None
        t += float(c.get("time", "0"))
    return n, f, sk, t


def write(results):
    root = ET.Element("testsuites", name="sinter make test")
    host_suites(root, results)
    fuzz_suite(root, results)
    jobs = qemu_jobs(results)
    scenarios = []
    for job in jobs:
        if is_tap_job(results, job):
            kernel_suite(root, results, job)
        else:
            scenarios.append(job)
    scenario_suite(root, results, scenarios)
    for s in root.findall("testsuite"):
        n, f, sk, t = totals(s)
        s.set("tests", str(n))
        s.set("failures", str(f))
        s.set("errors", "0")
        s.set("skipped", str(sk))
        if float(s.get("time")) == 0.0:
            s.set("time", "%.3f" % t)
    n, f, sk, _ = totals(root)
    root.set("tests", str(n))
    root.set("failures", str(f))
    root.set("errors", "0")
    root.set("skipped", str(sk))
    root.set("time", "%.3f" % sum(float(s.get("time")) for s in root.findall("testsuite")))
    ET.indent(root)
    path = os.path.join(results, "junit.xml")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def check(results, expect_total=None):
    """Parse junit.xml back and check the attributes CI tools rely on."""
    path = os.path.join(results, "junit.xml")
    problems = []
    root = ET.parse(path).getroot()
    if root.tag != "testsuites":
        problems.append("root is <%s>, not <testsuites>" % root.tag)
    num = lambda el, a, kind: (el.get(a) is not None and re.fullmatch(kind, el.get(a))) or \
        problems.append("<%s name=%r> attribute %s=%r is not valid" % (el.tag, el.get("name"), a, el.get(a)))
    INT, FLOAT = r"\d+", r"\d+(\.\d+)?"
    all_cases = 0
    for s in root.findall("testsuite"):
        if not s.get("name"):
            problems.append("a <testsuite> has no name")
        for a in ("tests", "failures", "errors", "skipped"):
            num(s, a, INT)
        num(s, "time", FLOAT)
        cases = s.findall("testcase")
        if s.get("tests") != str(len(cases)):
            problems.append("testsuite %s: tests=%s but %d testcases" % (s.get("name"), s.get("tests"), len(cases)))
        fails = sum(c.find("failure") is not None for c in cases)
        if s.get("failures") != str(fails):
            problems.append("testsuite %s: failures=%s but %d failed" % (s.get("name"), s.get("failures"), fails))
        for c in cases:
            all_cases += 1
            if not c.get("name") or not c.get("classname"):
                problems.append("testcase without name/classname in %s" % s.get("name"))
            num(c, "time", FLOAT)
            for child in c:
                if child.tag not in ("failure", "error", "skipped", "system-out", "system-err"):
                    problems.append("testcase %s: unexpected <%s>" % (c.get("name"), child.tag))
                if child.tag in ("failure", "skipped") and child.get("message") is None:
                    problems.append("testcase %s: <%s> without message" % (c.get("name"), child.tag))
    for a in ("tests", "failures"):
        num(root, a, INT)
    if root.get("tests") != str(all_cases):
        problems.append("testsuites tests=%s but %d testcases" % (root.get("tests"), all_cases))
    if expect_total is not None and all_cases != expect_total:
        problems.append("junit.xml lists %d testcases, the run counted %d" % (all_cases, expect_total))
    return problems


def summary(results):
    """Per shape: tests, failures, skipped, wall time, the slowest tests."""
    root = ET.parse(os.path.join(results, "junit.xml")).getroot()
    rows = []
    for s in root.findall("testsuite"):
        if not s.get("name", "").startswith("kernel."):
            continue
        cases = s.findall("testcase")
        slow = sorted(cases, key=lambda c: -float(c.get("time")))[:3]
        rows.append((s.get("name")[len("kernel."):], s.get("hostname", ""), s.get("tests"),
                     s.get("failures"), s.get("skipped"), float(s.get("time")),
                     ", ".join("%s %dms" % (c.get("name"), float(c.get("time")) * 1000) for c in slow)))
    if not rows:
        return
    print("  %-22s %5s %5s %5s %6s  %s" % ("shape", "tests", "fail", "skip", "wall", "slowest tests"))
    for name, shape, n, f, sk, t, slow in rows:
        print("  %-22s %5s %5s %5s %5.0fs  %s" % (name, n, f, sk, t, slow))
        if shape:
            print("  %-22s (%s)" % ("", shape))


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    cmd, results = argv[1], argv[2]
    if cmd == "write":
        write(results)
        return 0
    if cmd == "check":
        expect = int(argv[3]) if len(argv) > 3 else None
        problems = check(results, expect)
        for p in problems:
            print("junit: " + p)
        return 1 if problems else 0
    if cmd == "summary":
        summary(results)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
