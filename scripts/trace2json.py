#!/usr/bin/env python3
"""Turn the kernel's structured trace lines (trace=irq, or `trace irq on` at
the console) into a Chrome/Perfetto trace-event JSON file and an SVG timeline
of one interrupt's journey.

A trace line is "trace: <ns> cpu<N> <event> [key=value ...]" (kernel/log.h,
trace_event). Events that open and close a span: irq .. eoi|iret (one
vector), scan .. scan_done (the SIEF scan), callback .. callback_done (one
channel). Everything else is an instant: guest_signal (HvCallSignalEvent
from the guest), host_set_bit (the host model sets a SIEF bit and raises the
SINT), ring_read (the channel callback took a packet).

  trace2json.py SERIAL_LOG --json OUT.json [--svg OUT.svg]
The JSON opens in https://ui.perfetto.dev and in Chromium's about:tracing.
The SVG shows the first journey found: a guest signal or host bit, the SINT
interrupt it raised, the scan, the channel callback, the ring read, the EOI.
"""
import json, re, sys

LINE = re.compile(r"trace: (\d+) cpu(\d+) (\S+) ?(.*)$")
OPENS = {"irq": ("eoi", "iret"), "scan": ("scan_done",), "callback": ("callback_done",)}


def parse(path):
    events = []
    for raw in open(path, encoding="utf-8", errors="replace"):
        m = LINE.search(raw.rstrip("\r\n"))
        if not m:
            continue
        args = dict(kv.split("=", 1) for kv in m.group(4).split() if "=" in kv)
        events.append({"ns": int(m.group(1)), "cpu": int(m.group(2)), "ev": m.group(3), "args": args})
    return events


def spans(events):
    """Pair opening and closing events per CPU; returns (spans, instants)."""
    stacks, out, inst = {}, [], []
    for e in events:
        st = stacks.setdefault(e["cpu"], [])
        if e["ev"] in OPENS:
            st.append(e)
        elif any(e["ev"] in c for c in OPENS.values()):
            for k in range(len(st) - 1, -1, -1):
                if e["ev"] in OPENS[st[k]["ev"]]:
                    b = st.pop(k)
                    del st[k:]
                    out.append({"name": name_of(b), "cpu": b["cpu"], "b": b["ns"], "e": e["ns"],
                                "depth": k, "ev": b["ev"], "args": dict(b["args"], end=e["ev"])})
                    break
        else:
            inst.append(e)
    return out, inst


def name_of(b):
    if b["ev"] == "irq":
        return "irq %s" % b["args"].get("vec", "?")
    if b["ev"] == "callback":
        return "callback relid %s" % b["args"].get("relid", "?")
    return "SIEF scan (hwm %s)" % b["args"].get("hwm", "?")


def instant_name(e):
    a = e["args"]
    return {
        "guest_signal": "guest signals relid %s" % a.get("relid", "?"),
        "host_set_bit": "host sets SIEF bit %s, raises SINT on VP%s" % (a.get("relid", "?"), a.get("vp", "?")),
        "ring_read": "ring read: %s bytes" % a.get("bytes", "?"),
    }.get(e["ev"], e["ev"])


def chrome_json(sp, inst):
    t0 = min([s["b"] for s in sp] + [i["ns"] for i in inst] or [0])
    ev = [{"name": "process_name", "ph": "M", "pid": 1, "args": {"name": "sinter guest (the host model runs inside it)"}}]
    for cpu in sorted({s["cpu"] for s in sp} | {i["cpu"] for i in inst}):
        ev.append({"name": "thread_name", "ph": "M", "pid": 1, "tid": cpu, "args": {"name": "cpu%d" % cpu}})
    for s in sp:
        ev.append({"name": s["name"], "cat": s["ev"], "ph": "X", "pid": 1, "tid": s["cpu"],
                   "ts": (s["b"] - t0) / 1000.0, "dur": max(s["e"] - s["b"], 1) / 1000.0, "args": s["args"]})
    for i in inst:
        ev.append({"name": instant_name(i), "cat": i["ev"], "ph": "i", "s": "t", "pid": 1, "tid": i["cpu"],
                   "ts": (i["ns"] - t0) / 1000.0, "args": i["args"]})
    return {"traceEvents": ev, "displayTimeUnit": "ns"}


def journey(sp, inst):
    """The first SINT interrupt that ran a channel callback, with the bit that
    caused it and the guest signal before that: (spans, instants) or None."""
    for s in sorted(sp, key=lambda s: s["b"]):
        if s["ev"] != "irq":
            continue
        inner = [c for c in sp if c["cpu"] == s["cpu"] and s["b"] <= c["b"] and c["e"] <= s["e"] and c is not s]
        cbs = [c for c in inner if c["ev"] == "callback"]
        if not cbs:
            continue
        relid = cbs[0]["args"].get("relid")
        bits = [i for i in inst if i["ev"] == "host_set_bit" and i["args"].get("relid") == relid and i["ns"] <= s["b"]]
        if not bits:
            continue
        bit = bits[-1]
        sigs = [i for i in inst if i["ev"] == "guest_signal" and i["args"].get("relid") == relid
                and i["ns"] <= bit["ns"] and bit["ns"] - i["ns"] < 50000000]
        start = sigs[-1]["ns"] if sigs else bit["ns"]
        # Spans that overlap the window (the hypercall's trap starts after
        # the signal's line and contains the host's bit).
        # (on another CPU, the hypercall may return after the EOI: clipped).
        keep_sp = [x for x in sp if x["b"] <= s["e"] and x["e"] >= start]
        keep_in = [i for i in inst if start <= i["ns"] <= s["e"]]
        return keep_sp, keep_in, start, s["e"]
    return None


def esc(t):
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg(sp, inst, start, end):
    cpus = sorted({s["cpu"] for s in sp} | {i["cpu"] for i in inst})
    W, left, right, lane_h, top = 1000, 70, 30, 150, 50
    H = top + lane_h * len(cpus) + 60
    span_ns = max(end - start, 1)
    x = lambda ns: left + (min(max(ns, start), end) - start) * (W - left - right) / span_ns
    colors = {"irq": "#cfe0f7", "scan": "#fff1c4", "callback": "#d7f0d3"}
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="Helvetica,Arial,sans-serif" font-size="11">' % (W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="22" font-size="14" font-weight="bold">One interrupt\'s journey (make trace): %.1f us from the guest\'s signal to the EOI</text>' % (left, span_ns / 1000.0)]
    for li, cpu in enumerate(cpus):
        y0 = top + li * lane_h
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>' % (left, y0 + lane_h - 10, W - right, y0 + lane_h - 10))
        out.append('<text x="10" y="%d" font-weight="bold">cpu%d</text>' % (y0 + 30, cpu))
        for s in sorted((s for s in sp if s["cpu"] == cpu), key=lambda s: s["depth"]):
            y = y0 + 10 + s["depth"] * 26
            x0, x1 = x(s["b"]), x(s["e"])
            out.append('<rect x="%.1f" y="%d" width="%.1f" height="22" rx="3" fill="%s" stroke="#555"/>' % (x0, y, max(x1 - x0, 2), colors.get(s["ev"], "#eee")))
            label = s["name"] + (" -> " + s["args"]["end"].upper() if s["ev"] == "irq" else "")
            if s["e"] > end:
                label += ", ends later"
            out.append('<text x="%.1f" y="%d">%s (%.1f us)</text>' % (x0 + 3, y + 15, esc(label), (s["e"] - s["b"]) / 1000.0))
        ins = sorted((i for i in inst if i["cpu"] == cpu), key=lambda i: i["ns"])
        for k, i in enumerate(ins):
            xi = x(i["ns"])
            ty = y0 + 95 + (k % 3) * 14
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#c0392b" stroke-width="2"/>' % (xi, y0 + 6, xi, ty - 10))
            out.append('<circle cx="%.1f" cy="%d" r="3" fill="#c0392b"/>' % (xi, y0 + 6))
            anchor = "end" if xi > W / 2 else "start"
            out.append('<text x="%.1f" y="%d" fill="#c0392b" text-anchor="%s">%s</text>' % (xi, ty, anchor, esc(instant_name(i))))
    # time axis
    ya = top + lane_h * len(cpus) + 10
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (left, ya, W - right, ya))
    for k in range(6):
        ns = start + span_ns * k / 5
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>' % (x(ns), ya, x(ns), ya + 5))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%.1f us</text>' % (x(ns), ya + 18, (ns - start) / 1000.0))
    out.append('<text x="%d" y="%d" fill="#555">blue: interrupt (0xf3: the model\'s trap, i.e. the hypercall), yellow: SIEF scan, green: channel callback, red: instants. Times include printing each trace line on serial.</text>' % (left, ya + 38))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) < 3 or argv[1] != "--json":
        print(__doc__, file=sys.stderr)
        return 2
    events = parse(argv[0])
    if not events:
        print("trace2json: no trace lines in %s (boot with trace=irq, or 'trace irq on')" % argv[0], file=sys.stderr)
        return 1
    sp, inst = spans(events)
    with open(argv[2], "w") as f:
        json.dump(chrome_json(sp, inst), f, indent=1)
    print("trace2json: %d events -> %s" % (len(events), argv[2]))
    if len(argv) >= 5 and argv[3] == "--svg":
        j = journey(sp, inst)
        if not j:
            print("trace2json: no complete interrupt journey (signal, SINT, scan, callback, EOI) in the trace", file=sys.stderr)
            return 1
        with open(argv[4], "w") as f:
            f.write(svg(*j))
        print("trace2json: one journey, %.1f us -> %s" % ((j[3] - j[2]) / 1000.0, argv[4]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
