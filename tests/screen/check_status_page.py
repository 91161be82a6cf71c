#!/usr/bin/env python3
"""Checks sinter's framebuffer status page against its serial log.

  check_status_page.py QMP_SOCKET FONT.psf SERIAL_LOG TIMEOUT_S OUT_PREFIX

Waits (bounded) for the page's live row on the screen, then checks, each as
one "ok - "/"not ok - " line:
  - every row above the live one is, character for character, a line the
    kernel logged to serial as "status: <row>", in the same order;
  - every non-blank cell of the screen is exactly a glyph of the console's
    PSF font (fbtext.py: foreground where the glyph has a bit, background
    elsewhere), so the text was rendered with that font;
  - the live row is live: its tick count and its heartbeat count rise in
    later dumps (waited for, bounded by TIMEOUT_S).
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fbtext  # noqa: E402
from qmp_screen import Qmp  # noqa: E402

LIVE = re.compile(r"^live: channel interrupts (\d+), heartbeats answered (\d+), ticks (\d+)$")


def dump(q, out):
    ppm = out + ".ppm"
    q.cmd("screendump", filename=os.path.abspath(ppm))
    lines, bad, _ = fbtext.decode(ppm, FONT)
    with open(out + ".txt", "w") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")
    live = next((i for i, l in enumerate(lines) if LIVE.match(l)), None)
    return lines, bad, live


def logged_rows(path):
    try:
        text = open(path, "rb").read().decode("latin-1")
    except OSError:
        return []
    return [l.rstrip("\r")[len("status: "):] for l in text.split("\n") if l.startswith("status: ")]


def main():
    global FONT
    sock, FONT, log, timeout, out = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
    deadline = time.monotonic() + timeout
    try:
        q = Qmp(sock, deadline)
        while True:
            lines, bad, live = dump(q, out)
            if live is not None:
                break
            if time.monotonic() > deadline:
                print("not ok - the status page's live row appears on the screen")
                return
            time.sleep(0.5)   # polling interval between screendumps
        page = lines[:live]
        # The serial lines are written before the page is drawn; wait for
        # them only in case the log file lags.
        rows = logged_rows(log)
        while len(rows) < len(page) and time.monotonic() < deadline:
            time.sleep(0.2)
            rows = logged_rows(log)
        if page and page == rows[:len(page)] and len(rows) == len(page):
            print(f"ok - the {len(page)} page rows on the screen are the {len(rows)} rows logged as status:")
        else:
            print("not ok - the page rows on the screen are the rows logged as status:")
            for i in range(max(len(page), len(rows))):
                a = page[i] if i < len(page) else "<none>"
                b = rows[i] if i < len(rows) else "<none>"
                if a != b:
                    print(f"    # row {i}: screen {a!r}")
                    print(f"    #        log    {b!r}")
        if bad:
            c, r = bad[0]
            print(f"not ok - every cell is a glyph of the console font ({len(bad)} are not, first at "
                  f"column {c} row {r})")
        else:
            print("ok - every cell is a glyph of the console font, pixel for pixel")
        first = [int(x) for x in LIVE.match(lines[live]).groups()]
        while True:
            time.sleep(0.5)
            lines, _, live = dump(q, out + "-later")
            now = [int(x) for x in LIVE.match(lines[live]).groups()] if live is not None else first
            if now[2] > first[2] and now[1] > first[1]:
                print(f"ok - the live row counts: ticks {first[2]} -> {now[2]}, heartbeats answered "
                      f"{first[1]} -> {now[1]}, channel interrupts {first[0]} -> {now[0]}")
                return
            if time.monotonic() > deadline:
                print(f"not ok - the live row counts (ticks {first[2]} -> {now[2]}, heartbeats "
                      f"{first[1]} -> {now[1]})")
                return
    except (OSError, EOFError, TimeoutError, RuntimeError, ValueError) as e:
        print(f"not ok - status page check ran: {e}")


if __name__ == "__main__":
    main()
