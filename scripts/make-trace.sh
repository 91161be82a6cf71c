#!/usr/bin/env bash
# make trace: boot once, move the echo channel's interrupts to cpu1, switch
# on the structured interrupt trace at the console, drive three echoes
# through VMBus (sent from cpu0, answered on cpu1), power off; then turn the trace
# into build/trace/trace.json (Perfetto, Chromium's about:tracing) and an SVG
# timeline of one interrupt's journey (build/trace/timeline.svg, copied to
# docs/lessons/diagrams/05-timeline.svg for lesson 5).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/trace
mkdir -p "$out"
printf "%s\n" "send 4 1" "retarget 4 1" "trace irq on" "send 4 3" "trace irq off" "shutdown" > "$out/commands.txt"
SMP=${SMP:-2} python3 tests/qemu/console_replay.py --log "$out/serial.log" --transcript "$out/commands.txt" \
    > "$out/transcript.txt"
python3 scripts/trace2json.py "$out/serial.log" --json "$out/trace.json" --svg "$out/timeline.svg"
cp "$out/timeline.svg" docs/lessons/diagrams/05-timeline.svg
echo "make trace: $out/trace.json, $out/timeline.svg (and docs/lessons/diagrams/05-timeline.svg)"
