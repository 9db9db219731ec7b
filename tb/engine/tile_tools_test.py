#!/usr/bin/env python3
"""Checks of the single-tile cosim through the built programs and the waveform tools.

usage: tile_tools_test.py CASE AIMC3D FAULT_TEST RTL_DIR SMALL_CHIP WORKDIR TILE_TIERS
Cases: iverilog_replay, trace_invariants, trace_catches_fault, bad_arguments, reports_repeat.
Each prints what it checked and exits non-zero on failure.
"""
import os
import re
import subprocess
import sys
import tempfile

CASE, AIMC3D, FAULT_TEST, RTL_DIR, SMALL_CHIP, WORKDIR, TILE_TIERS = sys.argv[1:8]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def cosim(tmp, *extra):
    p = run([AIMC3D, "cosim", "--chip", SMALL_CHIP] + list(extra))
    if p.returncode != 0:
        fail("aimc3d cosim exited %d: %s%s" % (p.returncode, p.stdout, p.stderr))
    return p.stdout


def read_vcd(fst):
    """Returns ({signal name: id}, [(time, id, value)]) of an FST read back with fst2vcd."""
    p = run(["fst2vcd", fst])
    if p.returncode != 0:
        fail("fst2vcd failed: " + p.stderr)
    names, changes, scope, time = {}, [], [], 0
    for line in p.stdout.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "$scope":
            scope.append(parts[2])
        elif parts[0] == "$upscope":
            scope.pop()
        elif parts[0] == "$var":
            names.setdefault(".".join(scope + [parts[4]]), parts[3])
        elif line.startswith("#"):
            time = int(line[1:])
        elif line[0] == "b":
            changes.append((time, parts[1], int(parts[0][1:].replace("x", "0").replace("z", "0"), 2)))
        elif line[0] in "01xz" and len(parts) == 1:
            changes.append((time, line[1:], 1 if line[0] == "1" else 0))
    return names, changes


def trace_facts(fst):
    """Maximum number of tiers enabled at once, and the final switch count, from the trace alone."""
    names, changes = read_vcd(fst)
    en, sw = names.get("top.tile.tier_en"), names.get("top.tile.switch_count")
    if not en or not sw:
        fail("trace lacks top.tile.tier_en / switch_count: %s" % sorted(names)[:10])
    max_enabled = max((bin(v).count("1") for _, i, v in changes if i == en), default=0)
    last_switch_count = [v for _, i, v in changes if i == sw][-1]
    return max_enabled, last_switch_count


def iverilog_replay(tmp):
    rec = os.path.join(tmp, "run.rec")
    out = cosim(tmp, "--tokens", "400", "--seed", "11", "--record", rec, "--no-numeric")
    lines = sum(1 for _ in open(rec))
    tiers = int(TILE_TIERS)
    vvp = os.path.join(tmp, "replay.vvp")
    rtl = [os.path.join(RTL_DIR, f) for f in ("tier_select_ctrl.sv", "tile.sv")]
    tb = os.path.join(RTL_DIR, "..", "tb", "iverilog", "tile_replay_tb.sv")
    p = run(["iverilog", "-g2012", "-Ptile_replay_tb.TIERS=%d" % tiers, "-o", vvp, tb] + rtl)
    if p.returncode != 0:
        fail("iverilog: " + p.stderr)
    p = run(["vvp", "-n", vvp, "+record=" + rec])
    m = re.search(r"iverilog replay: (\d+) cycles, (\d+) mismatches", p.stdout)
    if not m:
        fail("no replay summary: " + p.stdout + p.stderr)
    print(p.stdout.strip())
    if int(m.group(1)) != lines or lines < 1000:
        fail("replayed %s cycles of %d recorded" % (m.group(1), lines))
    if int(m.group(2)) != 0:
        fail("iverilog disagrees with Verilator")
    if "Assertion" in p.stdout or "ERROR" in p.stdout:
        fail("assertion fired under iverilog")
    print("ok: %d cycles replayed under iverilog, 0 mismatches (%s)" % (lines, out.splitlines()[0]))


def trace_invariants(tmp):
    fst, rep = os.path.join(tmp, "t.fst"), os.path.join(tmp, "t.json")
    out = cosim(tmp, "--tokens", "300", "--seed", "4", "--trace", fst, "--report", rep)
    switches = int(re.search(r"(\d+) tier switches", out).group(1))
    max_enabled, last = trace_facts(fst)
    print("trace: at most %d tier(s) enabled at once; final switch_count %d; scoreboard %d" %
          (max_enabled, last, switches))
    if max_enabled != 1:
        fail("OTT invariant: %d tiers enabled at once in the trace" % max_enabled)
    if last != switches:
        fail("switch count in the trace %d != scoreboard %d" % (last, switches))
    gtkw = os.path.join(tmp, "t.gtkw")
    text = open(gtkw).read()
    if '[dumpfile] "t.fst"' not in text or "top.tile.ctrl.state[1:0]" not in text:
        fail("layout does not name the trace and the FSM state")
    names, _ = read_vcd(fst)
    for line in text.splitlines():
        if line.startswith("top."):
            if re.sub(r"\[\d+:\d+\]$", "", line) not in names:
                fail("layout names a signal the trace lacks: " + line)
    print("ok: OTT holds in the trace, switch count agrees, the layout's signals all exist")


def trace_catches_fault(tmp):
    fst = os.path.join(tmp, "fault.fst")
    env = dict(os.environ, AIMC_FAULT_TRACE=fst)
    p = run([FAULT_TEST], env=env)
    if p.returncode != 0:
        fail("fault test program failed: " + p.stdout + p.stderr)
    max_enabled, _ = trace_facts(fst)
    print("faulty RTL trace: up to %d tiers enabled at once" % max_enabled)
    if max_enabled < 2:
        fail("the trace check did not see the injected second tier enable")
    print("ok: the trace-based OTT check catches the injected fault")


def bad_arguments(tmp):
    cases = [
        (["cosim", "--bogus"], "unknown option"),
        (["cosim", "--tiers", "0"], "--tiers: expected a whole number in [1, 32]"),
        (["cosim", "--switch-cycles", "-1"], "--switch-cycles: expected a whole number in [0, 65535]"),
        (["cosim", "--compute-cycles", "2.5"], "--compute-cycles: expected a whole number"),
        (["cosim", "--tiers", "31"], "tiers: expected 1.."),
        (["cosim", "--report", "/nonexistent/dir/r.json"], "/nonexistent/dir/r.json: cannot write output"),
        (["cosim", "--trace", "/nonexistent/dir/t.fst"], "/nonexistent/dir/t.fst: cannot write output"),
        (["cosim", "--chip", "no-such-chip"], "no-such-chip.json: cannot open file"),
        (["cosim", "--chip", os.path.join(tmp, "bad.json")], "bad.json:3:"),
        (["nosuchcommand"], "unknown command"),
    ]
    with open(os.path.join(tmp, "bad.json"), "w") as f:
        f.write('{\n  "format": "aimc3d-chip/1",\n  "name": ,\n}\n')
    for args, expected in cases:
        before = set(os.listdir(tmp))
        p = run([AIMC3D] + args + (["--report", os.path.join(tmp, "partial.json")] if "--report" not in args
                                   and args[0] == "cosim" else []))
        lines = p.stderr.strip().splitlines()
        if p.returncode != 2 or len(lines) != 1 or expected not in lines[0] or not lines[0].startswith("aimc3d: "):
            fail("%s: exit %d, stderr %r (wanted one line with %r)" % (args, p.returncode, p.stderr, expected))
        if set(os.listdir(tmp)) != before:
            fail("%s left files behind: %s" % (args, set(os.listdir(tmp)) - before))
        print("ok: %-45s -> %s" % (" ".join(args)[:45], lines[0]))


def reports_repeat(tmp):
    outs = []
    for k in range(2):
        rep, csv = os.path.join(tmp, "r%d.json" % k), os.path.join(tmp, "r%d.csv" % k)
        cosim(tmp, "--tokens", "100", "--seed", "9", "--report", rep, "--csv", csv)
        outs.append((open(rep, "rb").read(), open(csv, "rb").read()))
    if outs[0] != outs[1]:
        fail("same seed gave different reports")
    print("ok: same inputs and seed give byte-identical JSON and CSV reports")


with tempfile.TemporaryDirectory(dir=WORKDIR) as tmp:
    {"iverilog_replay": iverilog_replay, "trace_invariants": trace_invariants,
     "trace_catches_fault": trace_catches_fault, "bad_arguments": bad_arguments,
     "reports_repeat": reports_repeat}[CASE](tmp)
