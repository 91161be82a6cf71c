#!/usr/bin/env python3
"""Drive the live console of one real boot through QEMU's serial input and
replay the sessions written in Markdown files against it.

A session is a fenced block whose info string is `console` (or `console
<shape>`, replayed only with --shape <shape>, on another machine shape) and
whose first line starts with the prompt `sinter> `. Every prompt line is typed; the lines
after it, up to the next prompt line or the end of the block, are what the
command must print. In expected lines, {n} stands for a decimal number, {nz}
for one that is not 0,
{hex} for a hex number (with or without 0x), {sym} for <symbol+0xoff>, {any}
for any text, and a line that is only {lines} for any number of lines;
everything else must match exactly (trailing blanks aside). `shutdown` is
last: its expected lines must begin what it prints, and the guest must
power off with status 0. The boot waits on the prompt, never on time; every wait is bounded.

  console_replay.py [--log FILE] [--shape NAME] [--transcript] FILE.md...
      replay every session; one "ok"/"not ok" line per session; exit 1 if any
      failed. --transcript instead runs the prompt lines and prints what came
      back (to write a lesson from a real run).
Environment: what scripts/qemu-run.sh takes (SMP, CPU, MEM, CMDLINE, ...);
CONSOLE_WAIT (seconds, default 120) bounds each wait for a prompt.
"""
import os, re, select, subprocess, sys, time

PROMPT = "sinter> "
WAIT = float(os.environ.get("CONSOLE_WAIT", "120"))
PLACEHOLDERS = {
    "{n}": r"[0-9]+",
    "{nz}": r"[1-9][0-9]*",
    "{hex}": r"(?:0x)?[0-9a-f]+",
    "{sym}": r"<[A-Za-z0-9_.]+\+0x[0-9a-f]+>",
    "{any}": r".*",
}


def sessions(path, shape=None):
    """Yield (path, line number, [(command, [expected lines])]) per session."""
    lines = open(path, encoding="utf-8").read().split("\n")
    fence = "```console" + (" " + shape if shape else "")
    i = 0
    while i < len(lines):
        if lines[i].strip() == fence:
            start = i + 1
            j = start
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            body = lines[start:j]
            if body and body[0].startswith(PROMPT):
                steps = []
                for l in body:
                    if l.startswith(PROMPT):
                        steps.append((l[len(PROMPT):], []))
                    else:
                        steps[-1][1].append(l)
                yield path, start + 1, steps
            i = j
        i += 1


def pattern(expected):
    out, k = "", 0
    keys = sorted(PLACEHOLDERS, key=len, reverse=True)
    while k < len(expected):
        for p in keys:
            if expected.startswith(p, k):
                out += PLACEHOLDERS[p]
                k += len(p)
                break
        else:
            out += re.escape(expected[k])
            k += 1
    return re.compile(out + r"\Z")


class Console:
    def __init__(self, log):
        env = dict(os.environ, TIMEOUT=os.environ.get("TIMEOUT", "600"), LOG=log, SERIAL_IN="1")
        env.setdefault("CMDLINE", "")
        self.p = subprocess.Popen(["bash", "scripts/qemu-run.sh"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=env, bufsize=0)
        self.buf = ""

    def read_until_prompt(self):
        """Everything up to the next prompt (the prompt itself consumed)."""
        deadline = time.monotonic() + WAIT
        while PROMPT not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no prompt within %.0f s; last output: %r" % (WAIT, self.buf[-300:]))
            r, _, _ = select.select([self.p.stdout], [], [], min(left, 1.0))
            if r:
                chunk = os.read(self.p.stdout.fileno(), 4096)
                if not chunk:
                    raise EOFError("QEMU ended; last output: %r" % self.buf[-300:])
                self.buf += chunk.decode("utf-8", "replace").replace("\r", "")
        head, _, self.buf = self.buf.partition(PROMPT)
        return head

    def run(self, command):
        """Type one line; return the lines it printed (echo removed)."""
        self.p.stdin.write((command + "\r").encode())
        self.p.stdin.flush()
        if command.strip() == "shutdown":
            out = self.drain()
        else:
            out = self.read_until_prompt()
            # Log lines that arrived over an idle prompt make the console
            # print the prompt again below them: the answer is what follows
            # the prompt that shows our command's echo.
            for _ in range(100):
                if out.split("\n")[0].rstrip() == command.rstrip():
                    break
                out = self.read_until_prompt()
        lines = out.split("\n")
        if lines and lines[0].rstrip() == command.rstrip():
            lines = lines[1:]
        if lines and lines[-1] == "":
            lines = lines[:-1]
        return [l.rstrip() for l in lines]

    def drain(self):
        """After shutdown: read to the end and return the guest's status."""
        out, _ = self.p.communicate(timeout=WAIT)
        self.buf += out.decode("utf-8", "replace").replace("\r", "")
        text, self.buf = self.buf, ""
        return text

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()


def matches(exp, got):
    """Do the lines match, {lines} taking any number of lines?"""
    if not exp:
        return not got
    if exp[0] == "{lines}":
        return any(matches(exp[1:], got[k:]) for k in range(len(got) + 1))
    return bool(got) and bool(pattern(exp[0]).match(got[0])) and matches(exp[1:], got[1:])


def compare(expected, got, prefix=False):
    """None when got matches expected, else a short reason."""
    exp = [e.rstrip() for e in expected]
    while exp and exp[-1] == "":
        exp.pop()
    if prefix:
        got = got[:len(exp)]
    if matches(exp, got):
        return None
    for n, (e, g) in enumerate(zip(exp, got)):
        if e == "{lines}":
            break
        if not pattern(e).match(g):
            return "line %d: expected %r, got %r" % (n + 1, e, g)
    return "expected %d lines, got %d" % (len(exp), len(got))


def main(argv):
    log, transcript, files, shape = "build/console.log", False, [], None
    i = 0
    while i < len(argv):
        if argv[i] == "--log":
            log = argv[i + 1]
            i += 1
        elif argv[i] == "--shape":
            shape = argv[i + 1]
            i += 1
        elif argv[i] == "--transcript":
            transcript = True
        else:
            files.append(argv[i])
        i += 1
    c = Console(log)
    failed = 0
    try:
        c.read_until_prompt()
        if transcript:
            for f in files:
                for line in open(f):
                    line = line.rstrip("\n")
                    if line.startswith(PROMPT):
                        line = line[len(PROMPT):]
                    print(PROMPT + line)
                    for l in c.run(line):
                        print(l)
            return 0
        for f in files:
            for path, lineno, steps in sessions(f, shape):
                why = None
                for cmd, expected in steps:
                    got = c.run(cmd)
                    down = cmd.strip() == "shutdown"
                    why = compare(expected, got, prefix=down)
                    if down and not why and c.p.returncode != 0:
                        why = "guest status %s after shutdown, not 0" % c.p.returncode
                    if why:
                        why = "'%s': %s\n    # got:\n%s" % (cmd, why, "\n".join("    #   " + g for g in got))
                        break
                name = "%s:%d" % (path, lineno)
                if why:
                    failed += 1
                    print("not ok - %s: %s" % (name, why))
                else:
                    print("ok - %s" % name)
                sys.stdout.flush()
    except (TimeoutError, EOFError, subprocess.TimeoutExpired) as e:
        print("not ok - console: %s" % e)
        failed += 1
    finally:
        rc = c.p.poll()
        c.close()
    print("# guest status %s" % rc)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
