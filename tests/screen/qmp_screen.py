#!/usr/bin/env python3
"""Watches a QEMU guest's screen through QMP until its text matches.

  qmp_screen.py SOCKET FONT.psf REGEX TIMEOUT_S OUT_PREFIX

Connects to the QMP socket (waiting for QEMU to create it), then takes a
screendump at most every 0.5 s and decodes it with fbtext.py (pixel-exact
against the PSF font) until a line matches REGEX or TIMEOUT_S passes. Writes
the last dump to OUT_PREFIX.ppm and its text to OUT_PREFIX.txt. Exit status
0 on a match, 1 on timeout or if QEMU went away, 2 on a usage error.
"""
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fbtext  # noqa: E402


class Qmp:
    def __init__(self, path, deadline):
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no QMP socket at {path}")
                time.sleep(0.1)
        self.f = self.s.makefile("rwb")
        self.read()                                  # the greeting
        self.cmd("qmp_capabilities")

    def read(self):
        line = self.f.readline()
        if not line:
            raise EOFError("QEMU closed the QMP connection")
        return json.loads(line)

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        self.f.flush()
        while True:
            msg = self.read()
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise RuntimeError(f"{name}: {msg['error']}")
            # asynchronous events (e.g. RESET): skip


def main():
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    sock, font, pattern, timeout, out = sys.argv[1], sys.argv[2], re.compile(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
    deadline = time.monotonic() + timeout
    ppm = out + ".ppm"
    try:
        q = Qmp(sock, deadline)
        while True:
            q.cmd("screendump", filename=os.path.abspath(ppm))
            lines, bad, _ = fbtext.decode(ppm, font)
            with open(out + ".txt", "w") as f:
                f.write("\n".join(lines).rstrip("\n") + "\n")
            if any(pattern.search(line) for line in lines):
                print(f"qmp_screen: matched after {timeout - (deadline - time.monotonic()):.1f} s; "
                      f"{len(bad)} cells match no glyph")
                return 0
            if time.monotonic() > deadline:
                print(f"qmp_screen: no line matched {pattern.pattern!r} in {timeout:.0f} s")
                return 1
            time.sleep(0.5)   # polling interval between screendumps
    except (OSError, EOFError, TimeoutError, RuntimeError, ValueError) as e:
        print(f"qmp_screen: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
