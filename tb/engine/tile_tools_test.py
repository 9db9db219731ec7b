#!/usr/bin/env python3
"""Checks of the single-tile cosim through the built programs and the waveform tools.

usage: tile_tools_test.py CASE AIMC3D FAULT_TEST RTL_DIR SMALL_CHIP WORKDIR TILE_PARAMS
TILE_PARAMS: the RTL build's parameters, "TIERS=16,ROWS=512,B_IN=8,NADC=64,B_OUT=16".
Cases: iverilog_replay, trace_invariants, trace_latency, trace_catches_fault, bad_arguments, reports_repeat.
Each prints what it checked and exits non-zero on failure.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

CASE, AIMC3D, FAULT_TEST, RTL_DIR, SMALL_CHIP, WORKDIR, TILE_PARAMS = sys.argv[1:8]
PARAMS = {k: int(v) for k, v in (p.split("=") for p in TILE_PARAMS.split(","))}
RTL_FILES = ("tier_select_ctrl.sv", "dac_periphery.sv", "adc_periphery.sv", "tile.sv")
# A periphery worth exercising on the small chip (whose own is the minimal 5-cycle MVM): 4-bit PWM DAC, 16
# 4-bit SAR ADCs behind 4:1 muxes, 2 integrate cycles.
RICH = {"--dac-mode": "pwm", "--b-in": "4", "--b-out": "4", "--mux": "4", "--integrate-cycles": "2"}
RICH_ARGS = [x for kv in RICH.items() for x in kv]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def cosim(tmp, *extra):
    p = run([AIMC3D, "cosim", "--chip", SMALL_CHIP] + RICH_ARGS + list(extra))
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
    # numeric run: the comparators answer from the analog model, so the SAR registers take data-dependent paths
    out = cosim(tmp, "--tokens", "150", "--seed", "11", "--record", rec)
    kinds = {}
    for line in open(rec):
        kinds[line[0]] = kinds.get(line[0], 0) + 1
    vvp = os.path.join(tmp, "replay.vvp")
    rtl = [os.path.join(RTL_DIR, f) for f in RTL_FILES]
    tb = os.path.join(RTL_DIR, "..", "tb", "iverilog", "tile_replay_tb.sv")
    params = ["-Ptile_replay_tb.%s=%d" % kv for kv in sorted(PARAMS.items())]
    p = run(["iverilog", "-g2012"] + params + ["-o", vvp, tb] + rtl)
    if p.returncode != 0:
        fail("iverilog: " + p.stderr)
    p = run(["vvp", "-n", vvp, "+record=" + rec])
    m = re.search(r"iverilog replay: (\d+) cycles, (\d+) mismatches", p.stdout)
    if not m:
        fail("no replay summary: " + p.stdout + p.stderr)
    print(p.stdout.strip())
    cycles = kinds.get("c", 0)
    if int(m.group(1)) != cycles or cycles < 1000 or kinds.get("k", 0) != 600 or kinds.get("s", 0) < 1000:
        fail("replayed %s cycles of %d recorded (%s)" % (m.group(1), cycles, kinds))
    if int(m.group(2)) != 0:
        fail("iverilog disagrees with Verilator")
    if "Assertion" in p.stdout or "ERROR" in p.stdout:
        fail("assertion fired under iverilog")
    print("ok: %d cycles (%d MVM loads, %d SAR register lines) replayed under iverilog, 0 mismatches (%s)" %
          (cycles, kinds["k"], kinds["s"], out.splitlines()[0]))


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
    for needed in ('[dumpfile] "t.fst"', "top.tile.ctrl.state[1:0]", "top.tile.dac.state[1:0]", "top.tile.adc.state[1:0]",
                   "top.tile.ph[2:0]", "-DAC row drivers", "-ADC column bank (SAR)", "-MVM phases"):
        if needed not in text:
            fail("layout lacks %s" % needed)
    for fsm in ("top.tile.ctrl.state[1:0]", "top.tile.dac.state[1:0]", "top.tile.adc.state[1:0]", "top.tile.ph[2:0]"):
        flags = text.split(fsm)[0].rstrip().splitlines()[-1]
        if not flags.startswith("@") or int(flags[1:], 16) & 0x100000000 == 0:
            fail("layout does not show %s by its enum names (flags %s)" % (fsm, flags))
    names, _ = read_vcd(fst)
    for line in text.splitlines():
        if line.startswith("top."):
            if re.sub(r"\[\d+:\d+\]$", "", line) not in names:
                fail("layout names a signal the trace lacks: " + line)
    print("ok: OTT holds in the trace, switch count agrees, the layout's signals all exist, FSMs shown as enums")


def signal_changes(fst, wanted):
    """{name: [(time, value)]} for the wanted full signal names, and the trace's time unit in ps."""
    names, changes = read_vcd(fst)
    ids = {}
    for w in wanted:
        if w not in names:
            fail("trace lacks %s" % w)
        ids.setdefault(names[w], []).append(w)
    out = {w: [] for w in wanted}
    for t, i, v in changes:
        for w in ids.get(i, ()):
            out[w].append((t, v))
    return out


def trace_latency(tmp):
    """Every MVM's latency in the trace (mvm_start to done_valid) equals the closed-form phase sum
    D + I + M (b_out + 1) (at least 1 + M (b_out + 1)), with D computed here from the DAC codes in the trace
    (PWM: max |code|; bit-serial: b_in - 1)."""
    chip = json.load(open(SMALL_CHIP))
    period = int(chip["clock_period_ps"]["value"])
    b_in, b_out, mux, integ = (int(RICH[k]) for k in ("--b-in", "--b-out", "--mux", "--integrate-cycles"))
    rows, lane = int(chip["tile"]["rows"]), PARAMS["B_IN"]
    for mode in ("pwm", "bit_serial"):
        fst = os.path.join(tmp, "lat_%s.fst" % mode)
        cosim(tmp, "--tokens", "60", "--seed", "5", "--dac-mode", mode, "--no-numeric", "--trace", fst)
        sig = signal_changes(fst, ["top.tile.mvm_start", "top.tile.done_valid", "top.tile.in_codes"])
        # a value dumped at time t holds in cycle ceil(t / period) (edges are dumped half a period in)
        cyc = lambda t: -(-t // period)
        starts = [cyc(t) for t, v in sig["top.tile.mvm_start"] if v == 1]
        dones = [cyc(t) for t, v in sig["top.tile.done_valid"] if v == 1]
        codes = sig["top.tile.in_codes"]
        if len(starts) != 240 or len(dones) != 240:
            fail("%s: %d mvm_start and %d done_valid pulses in the trace, expected 240" % (mode, len(starts), len(dones)))
        seen = set()
        for s_cyc, d_cyc in zip(starts, dones):
            value = [v for t, v in codes if cyc(t) <= s_cyc][-1]
            mags = []
            for r in range(rows):
                c = (value >> (r * lane)) & ((1 << lane) - 1)
                c = c - (1 << lane) if c >> (lane - 1) else c
                mags.append(abs(c))
            drive = max(mags) if mode == "pwm" else b_in - 1
            closed = max(drive + integ, 1) + mux * (b_out + 1)
            if d_cyc - s_cyc != closed:
                fail("%s: MVM started in cycle %d took %d cycles, closed form %d" % (mode, s_cyc, d_cyc - s_cyc, closed))
            seen.add(d_cyc - s_cyc)
        print("ok: %s: 240 MVM latencies in the trace equal D + %d + %d x (%d + 1) (%d distinct values)" %
              (mode, integ, mux, b_out, len(seen)))


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


def variant(tmp, name, tile=None, **sections):
    """A copy of the small chip with some periphery (or tile) values replaced."""
    chip = json.load(open(SMALL_CHIP))
    chip["tile"].update(tile or {})
    for section, values in sections.items():
        for key, value in values.items():
            chip["periphery"][section][key]["value"] = value
    path = os.path.join(tmp, "chip_%s.json" % name)
    json.dump(chip, open(path, "w"))
    return path


def bad_arguments(tmp):
    cases = [
        (["cosim", "--bogus"], "unknown option"),
        (["cosim", "--tiers", "0"], "--tiers: expected a whole number in [1, 32]"),
        (["cosim", "--switch-cycles", "-1"], "--switch-cycles: expected a whole number in [0, 65535]"),
        (["cosim", "--b-out", "2.5"], "--b-out: expected a whole number"),
        (["cosim", "--b-out", "0"], "--b-out: expected a whole number in [1, 16]"),
        (["cosim", "--dac-mode", "ternary"], "--dac-mode: expected pwm or bit_serial"),
        (["cosim", "--mux", "3", "--chip", SMALL_CHIP, "--trace", os.path.join(tmp, "never.fst")],
         "cosim --mux: expected a divisor of the tile's 64 columns"),
        (["cosim", "--mux", "4", "--chip", variant(tmp, "wide", tile={"cols": 512})],
         "converters exceed the 64 of the tile RTL's maximum"),
        (["cosim", "--chip", variant(tmp, "bout0", adc={"b_out_bits": 0})], "periphery.adc.b_out_bits"),
        (["cosim", "--chip", variant(tmp, "mux3", adc={"columns_per_adc": 3})], "periphery.adc.columns_per_adc"),
        (["cosim", "--chip", variant(tmp, "negE", energy={"adc_conversion_pJ": -1.5})],
         "periphery.energy.adc_conversion_pJ"),
        (["cosim", "--chip", variant(tmp, "bin9", dac={"b_in_bits": 9})], "periphery.dac.b_in_bits: expected 2..8"),
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
     "trace_latency": trace_latency, "trace_catches_fault": trace_catches_fault, "bad_arguments": bad_arguments,
     "reports_repeat": reports_repeat}[CASE](tmp)
