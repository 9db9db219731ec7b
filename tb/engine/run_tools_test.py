#!/usr/bin/env python3
"""Checks of `aimc3d run` (both engines) through the built program and the waveform tools.

usage: run_tools_test.py CASE AIMC3D WORKDIR PRESETS
Cases: engines_agree, conservation, repeatable, trace_checks, bad_inputs, iverilog_chip_replay,
iverilog_chip_replay_catches_fault, computed_routing, replay, leakage.  Each prints what it checked
and exits non-zero on failure.
"""
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
from decimal import Decimal

CASE, AIMC3D, WORKDIR, PRESETS = sys.argv[1:5]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def run(args, expect=0):
    p = subprocess.run([AIMC3D, "run"] + args, capture_output=True, text=True)
    if p.returncode != expect:
        fail("aimc3d run %s: exit %d (wanted %d)\n%s%s" % (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
    return p


def fJ(text_pJ):
    """Reports print energies as pJ with exactly three decimals: back to integer femtojoules."""
    return int(Decimal(str(text_pJ)) * 1000)


def load(path):
    with open(path) as f:
        return json.load(f, parse_float=Decimal)


def pwm_chip(tmp):
    """The paper preset with a PWM DAC: the drive phase, so the MVM latency, depends on each job's codes."""
    chip = json.load(open(os.path.join(PRESETS, "chips", "paper.json")))
    chip["periphery"]["dac"]["mode"] = "pwm"
    path = os.path.join(tmp, "paper-pwm.json")
    with open(path, "w") as f:
        json.dump(chip, f)
    return path


def engines_agree(tmp):
    workloads = [
        ["--model", "small-moe", "--batch", "1", "--routing", "uniform"],
        ["--model", "small-moe", "--batch", "4", "--routing", "skewed", "--setting", "all-analog"],
        ["--model", "small-moe", "--batch", "12", "--routing", "co-selection", "--strategy", "stacked"],
        ["--model", "tiny-moe", "--batch", "3", "--routing", "uniform", "--setting", "all-analog", "--prefill",
         "--prompt", "3"],
        ["--model", "tiny-moe", "--batch", "6", "--routing", "skewed", "--zipf", "2", "--strategy", "stacked"],
        ["--model", "small-moe", "--batch", "2", "--routing", "co-selection", "--digital-experts", "0.25",
         "--criterion", "random"],
        ["--model", "small-moe", "--batch", "3", "--setting", "all-analog", "--chip", pwm_chip(tmp)],
        # batched prefill and KV-cache-off passes (docs/engines.md, "Prefill and KV-cache-off passes")
        ["--model", "tiny-moe", "--batch", "2", "--routing", "skewed", "--setting", "all-analog", "--prefill",
         "--prompt", "6"],
        ["--model", "small-moe", "--batch", "2", "--routing", "uniform", "--no-kv-cache", "--prompt", "3"],
        ["--model", "tiny-moe", "--batch", "1", "--routing", "co-selection", "--prefill", "--no-kv-cache",
         "--prompt", "4", "--strategy", "stacked"],
    ]
    for k, w in enumerate(workloads):
        common = w + ([] if "--chip" in w else ["--chip", "paper"]) + ["--tokens", "3", "--seed", str(100 + k),
                                                                       "--per-layer"]
        out = {}
        for engine in ("cosim", "fast"):
            rep, csv = os.path.join(tmp, engine + ".json"), os.path.join(tmp, engine + ".csv")
            run(common + ["--engine", engine, "--report", rep, "--csv", csv])
            report = load(rep)
            report.pop("engine")
            report["config"].pop("engine")
            out[engine] = (report, open(csv).read())
        if out["cosim"] != out["fast"]:
            a, b = out["cosim"][0], out["fast"][0]
            diff = [key for key in a if a.get(key) != b.get(key)]
            fail("engines differ on %s: sections %s" % (" ".join(common), diff))
        t = out["cosim"][0]["totals"]
        print("ok: %-70s %8d cycles, %4d MVMs, identical in both engines" %
              (" ".join(w)[:70], t["cycles"], t["counters"]["tier_mvms"]))


def conservation(tmp):
    rep = os.path.join(tmp, "r.json")
    run(["--model", "small-moe", "--chip", "paper", "--tokens", "4", "--batch", "3", "--per-layer", "--report", rep,
         "--engine", "fast"])
    r = load(rep)
    tokens = sum(fJ(t["total_pJ"]) for t in r["tokens"])
    static = sum(fJ(v) for v in r["totals"]["not_attributed_to_tokens_pJ"].values())
    total = fJ(r["totals"]["total_pJ"])
    if tokens + static != total:
        fail("tokens %d fJ + unattributed %d fJ != total %d fJ" % (tokens, static, total))
    for t in r["tokens"]:
        if sum(fJ(v) for v in t["energy_pJ"].values()) != fJ(t["total_pJ"]):
            fail("token %d: components do not sum to its total" % t["token"])
        if sum(fJ(layer["total"]) for layer in t["layers_pJ"]) != fJ(t["total_pJ"]):
            fail("token %d: layers do not sum to its total" % t["token"])
        if fJ(t["latency_ns"]) != fJ(t["end_ns"]) - fJ(t["start_ns"]):
            fail("token %d: latency is not end - start" % t["token"])
    print("ok: %d tokens: %d fJ + %d fJ static = %d fJ exactly; components and layers add up per token" %
          (len(r["tokens"]), tokens, static, total))


def repeatable(tmp):
    outs = []
    for k in range(2):
        files = [os.path.join(tmp, "r%d.%s" % (k, ext)) for ext in ("json", "csv", "fst")]
        run(["--model", "small-moe", "--chip", "paper", "--tokens", "2", "--batch", "2", "--routing", "skewed",
             "--report", files[0], "--csv", files[1], "--trace", files[2]])
        outs.append([open(f, "rb").read() for f in files])
    for name, a, b in zip(("report", "csv", "trace"), outs[0], outs[1]):
        if a != b:
            fail("same inputs and seed gave a different %s" % name)
    print("ok: same inputs and seed give byte-identical JSON, CSV and FST (%d bytes)" % len(outs[0][2]))


def read_vcd(fst, watched=()):
    """The trace's signal ids by name, their last values, the most tiers any tile had enabled at once, and every
    value change (time in ps, value) of the signals named in `watched`."""
    p = subprocess.run(["fst2vcd", fst], capture_output=True, text=True)
    names, last, scope, widths, changes = {}, {}, [], {}, {}
    max_enabled, time = 0, 0
    for line in p.stdout.splitlines():
        parts = line.split()
        if not parts:
            continue
        if line[0] == "#":
            time = int(line[1:])
        elif parts[0] == "$scope":
            scope.append(parts[2])
        elif parts[0] == "$upscope":
            scope.pop()
        elif parts[0] == "$var":
            names.setdefault(".".join(scope + [parts[4]]), parts[3])
        elif line[0] == "b":
            value = int(parts[0][1:].replace("x", "0").replace("z", "0"), 2)
            last[parts[1]] = value
            if parts[1] in widths:
                max_enabled = max(max_enabled, bin(value).count("1"))
            if parts[1] in changes:
                changes[parts[1]].append((time, value))
        if parts[0] == "$enddefinitions":
            widths = {names[n]: 1 for n in names if n.endswith(".tile.tier_en")}
            changes = {names[n]: [] for n in watched}
    return names, last, max_enabled, {n: changes[names[n]] for n in watched}


def marker_cycles(changes, cycle0_ps, period_ps, batch):
    """Per sequence, the cycles in which its marker bit was set (a marker is a one-cycle pulse: a sequence
    never starts or ends two tokens in consecutive cycles, so each pulse is a value change of its own)."""
    cycles = [[] for _ in range(batch)]
    for time, value in changes:
        if (time - cycle0_ps) % period_ps:
            fail("marker change at %d ps, between clock cycles" % time)
        for s in range(batch):
            if value >> s & 1:
                cycles[s].append((time - cycle0_ps) // period_ps)
    if any(value >> batch for _, value in changes):
        fail("a marker bit beyond the batch's %d sequences was set" % batch)
    return cycles


def token_windows(r, changes):
    """Every token's start and end in the report equal the cycles of its sequence's marker pulses in the trace."""
    batch, per_seq = r["config"]["batch"], r["config"]["tokens_per_sequence"]
    cycle0, period = r["trace"]["cycle0_time_ps"], r["config"]["clock_period_ps"]
    begins = marker_cycles(changes["top.chip.token_begin"], cycle0, period, batch)
    ends = marker_cycles(changes["top.chip.token_end"], cycle0, period, batch)
    for s in range(batch):
        if len(begins[s]) != per_seq or len(ends[s]) != per_seq:
            fail("sequence %d: %d begin and %d end markers in the trace, %d tokens in the report" %
                 (s, len(begins[s]), len(ends[s]), per_seq))
        for i in range(per_seq):
            t = r["tokens"][s * per_seq + i]
            if (t["start_cycle"], t["end_cycle"]) != (begins[s][i], ends[s][i]):
                fail("token %d: report cycles %d-%d, trace markers %d-%d" %
                     (t["token"], t["start_cycle"], t["end_cycle"], begins[s][i], ends[s][i]))
            if Decimal(str(t["latency_ns"])) * 1000 != (ends[s][i] - begins[s][i]) * period:
                fail("token %d: latency %s ns, trace window %d cycles" % (t["token"], t["latency_ns"],
                                                                           ends[s][i] - begins[s][i]))
    return batch * per_seq


def trace_checks(tmp):
    fst, rep = os.path.join(tmp, "t.fst"), os.path.join(tmp, "t.json")
    run(["--model", "small-moe", "--chip", "paper", "--tokens", "3", "--batch", "4", "--setting", "all-analog",
         "--trace", fst, "--report", rep])
    r = load(rep)
    names, last, max_enabled, changes = read_vcd(fst, ("top.chip.token_begin", "top.chip.token_end"))
    if max_enabled != 1:
        fail("OTT: up to %d tiers enabled at once in some tile" % max_enabled)
    pushed = last[names["top.chip.jobs_pushed"]]
    if pushed != r["totals"]["counters"]["tier_mvms"]:
        fail("jobs pushed in the trace %d != report's tier MVMs %d" % (pushed, r["totals"]["counters"]["tier_mvms"]))
    monitor = last[names["top.chip.energy_chip_fJ"]]
    booked = fJ(r["totals"]["energy_pJ"]["crossbar"]) + fJ(r["totals"]["energy_pJ"]["tier_switch"]) + \
        fJ(r["totals"]["energy_pJ"]["dac"]) + fJ(r["totals"]["energy_pJ"]["adc"]) + \
        fJ(r["totals"]["energy_pJ"]["buffer"])
    if monitor != booked:
        fail("RTL energy monitor %d fJ != report's tile energy %d fJ" % (monitor, booked))
    layout = open(os.path.join(tmp, "t.gtkw")).read()
    rows = [re.sub(r"^\+\{[^}]*\} ", "", s) for s in layout.splitlines()]
    missing = [s for s in rows if s.startswith("top.") and re.sub(r"\[\d+:\d+\]$", "", s) not in names]
    if '[dumpfile] "t.fst"' not in layout or missing:
        fail("layout names signals the trace lacks: %s" % missing[:5])
    tokens = token_windows(r, changes)
    if last[names["top.chip.tokens_done"]] != tokens:
        fail("RTL tokens_done %d != %d tokens" % (last[names["top.chip.tokens_done"]], tokens))
    print("ok: trace: one tier per tile at most, %d jobs, energy monitor %d fJ = report; layout signals exist" %
          (pushed, monitor))
    print("ok: trace: all %d tokens' start and end cycles (report) = their sequences' marker pulses in the trace; "
          "latencies = the marker windows" % tokens)


def write_router_checkpoint(path, preset, big_norm, rng):
    """A safetensors file (8-byte little-endian header length, JSON header, F32 data) holding only the router
    of every layer of a model preset, [experts, d_model]: row e lives on its own d_model / experts coordinates
    (so under h ~ N(0, I) the logits are independent, logit e ~ N(0, |row e|^2)), with random signs; every row
    has norm 0.5 but expert big(l) = (2 l + 3) % E's, which has norm big_norm."""
    m = json.load(open(os.path.join(PRESETS, "models", preset + ".json")))
    layers, d, E = m["layers"], m["d_model"], m["experts"]
    width = d // E
    header, data = {}, b""
    for l in range(layers):
        values = [0.0] * (E * d)
        for e in range(E):
            norm = big_norm if e == big_expert(l, E) else 0.5
            for i in range(width):
                values[e * d + e * width + i] = rng.choice((-1, 1)) * norm / math.sqrt(width)
        blob = struct.pack("<%df" % len(values), *values)
        header["model.layers.%d.mlp.gate.weight" % l] = {"dtype": "F32", "shape": [E, d],
                                                          "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
    return path


def big_expert(layer, experts):
    return (2 * layer + 3) % experts


def top2_probability(sigma_big, sigma_other, others):
    """P(an independent N(0, sigma_big^2) logit is among the top 2 against `others` i.i.d. N(0, sigma_other^2)):
    at most one of the others above it, integrated over its value (trapezoid rule, +-10 sigma)."""
    def cdf(x):
        return 0.5 * (1 + math.erf(x / (sigma_other * math.sqrt(2))))
    steps, lo, hi = 20000, -10 * sigma_big, 10 * sigma_big
    total = 0.0
    for i in range(steps + 1):
        x = lo + (hi - lo) * i / steps
        f = cdf(x)
        density = math.exp(-0.5 * (x / sigma_big) ** 2) / (sigma_big * math.sqrt(2 * math.pi))
        term = density * (f ** others + others * f ** (others - 1) * (1 - f))
        total += term * (0.5 if i in (0, steps) else 1)
    return total * (hi - lo) / steps


def computed_routing(tmp):
    """--routing computed: the checkpoint's router rows on a synthetic h ~ N(0, I) per decision.  The big-norm
    expert's share of the top-2 selections is the probability its logit ranks in the top 2 (derived in
    top2_probability), within 5 binomial standard deviations; both engines agree; runs repeat."""
    seed = int(os.environ.get("AIMC_TEST_SEED", "4711"))
    print("computed_routing: seed %d (replay with AIMC_TEST_SEED=%d)" % (seed, seed))
    ckpt = write_router_checkpoint(os.path.join(tmp, "small-moe.safetensors"), "small-moe", 5.0, random.Random(seed))
    stats = ["--model", "small-moe", "--chip", "paper", "--engine", "fast", "--routing", "computed", "--weights", ckpt,
             "--batch", "16", "--tokens", "32", "--seed", str(seed)]
    reports = []
    for k in range(2):
        rep = os.path.join(tmp, "c%d.json" % k)
        run(stats + ["--report", rep])
        reports.append(open(rep, "rb").read())
    if reports[0] != reports[1]:
        fail("computed routing: same inputs and seed gave a different report")
    r = load(os.path.join(tmp, "c0.json"))
    if r["config"]["weights"] != ckpt:
        fail("config echo: weights %r, wanted %r" % (r["config"]["weights"], ckpt))
    selections = r["routing"]["expert_selections"]
    E, tokens = 8, 16 * 32
    big = sum(row[big_expert(l, E)] for l, row in enumerate(selections))
    n = tokens * len(selections)
    if any(sum(row) != 2 * tokens for row in selections):
        fail("selections per layer %s, wanted top-2 of %d tokens" % ([sum(row) for row in selections], tokens))
    p = top2_probability(5.0, 0.5, E - 1)
    tol = 5 * math.sqrt(n * p * (1 - p))
    if abs(big - n * p) > tol:
        fail("big-norm expert selected in %d of %d layer-tokens, expected %.1f +- %.1f" % (big, n, n * p, tol))
    print("ok: big-norm expert (|row| 5 vs 0.5) selected in %d of %d layer-tokens (%.1f %%; derived %.1f %% +- %.1f, "
          "uniform would be 25 %%); report repeats byte for byte" % (big, n, 100.0 * big / n, 100 * p, 100 * tol / n))
    out = {}
    for engine in ("cosim", "fast"):
        rep = os.path.join(tmp, engine + ".json")
        run(["--model", "small-moe", "--chip", "paper", "--routing", "computed", "--weights", ckpt, "--batch", "4",
             "--tokens", "3", "--seed", str(seed), "--per-layer", "--engine", engine, "--report", rep])
        report = load(rep)
        report.pop("engine")
        report["config"].pop("engine")
        out[engine] = report
    if out["cosim"] != out["fast"]:
        fail("engines differ under computed routing: sections %s" %
             [key for key in out["cosim"] if out["cosim"].get(key) != out["fast"].get(key)])
    print("ok: computed routing, batch 4 x 3 tokens: identical reports in both engines (%d cycles)" %
          out["cosim"]["totals"]["cycles"])


def bad_inputs(tmp):
    def write(name, text):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path
    model = json.load(open(os.path.join(PRESETS, "models", "small-moe.json")))
    bad_topk = dict(model, top_k=9)
    big = dict(model, experts=64, expert_hidden=4096, d_model=2048, layers=8)
    tiny_ckpt = write_router_checkpoint(os.path.join(tmp, "tiny.safetensors"), "tiny-moe", 1.0, random.Random(1))
    cases = [
        (["--model", write("m1.json", '{\n  "format": "aimc3d-model/1",\n  "layers": 4,,\n}')], "m1.json:3:"),
        (["--model", write("m2.json", json.dumps(bad_topk))], "top_k"),
        (["--model", write("m3.json", json.dumps(big))], "tiers"),
        (["--model", "small-moe", "--routing", "sideways"], "--routing: expected a routing mode"),
        (["--model", "small-moe", "--routing", "replay", "--routing-trace",
          write("t.jsonl", '{"format": "aimc3d-routing/1"')], "t.jsonl"),
        (["--model", "small-moe", "--engine", "quantum"], "--engine: expected one of cosim, fast"),
        (["--model", "small-moe", "--engine", "fast", "--trace", os.path.join(tmp, "x.fst")], "only the cosim"),
        (["--model", "small-moe", "--report", "/nonexistent/r.json"], "/nonexistent/r.json: cannot write output"),
        (["--model", "small-moe", "--batch", "0"], "--batch: expected a whole number"),
        (["--model", "small-moe", "--batch", "65"], "--batch: expected at most 64 with the cosim engine"),
        (["--model", "small-moe", "--routing", "computed"], "--routing computed: expected --weights FILE"),
        (["--model", "small-moe", "--routing", "computed", "--weights", tiny_ckpt],
         'tensor "model.layers.0.mlp.gate.weight" (layer 0 router weight): expected shape [8, 256], found [4, 64]'),
    ]
    for args, expected in cases:
        before = set(os.listdir(tmp))
        p = run(["--chip", "paper", "--tokens", "1", "--csv", os.path.join(tmp, "partial.csv")] + args, expect=2)
        lines = p.stderr.strip().splitlines()
        if len(lines) != 1 or expected not in lines[0] or not lines[0].startswith("aimc3d: "):
            fail("%s: stderr %r (wanted one line with %r)" % (args, p.stderr, expected))
        if set(os.listdir(tmp)) != before:
            fail("%s left files behind: %s" % (args, set(os.listdir(tmp)) - before))
        print("ok: %-60s -> %s" % (" ".join(args)[-60:], lines[0][:110]))


def chip_replay(tmp, defines=()):
    """Records a chip cosim run (the Verilated chip) and replays it on the RTL under iverilog, compiled with
    `defines`.  Returns (recorded cycles, replayed cycles, mismatches, assertion failures, vvp's output); the
    mismatches include the testbench's own (outputs that differ, OTT-violating cycles) and every assertion failure
    (vvp prints each $error / $fatal as a line starting "ERROR:" / "FATAL:" and still exits 0)."""
    rec, vvp = os.path.join(tmp, "chip.rec"), os.path.join(tmp, "chip%s.vvp" % "".join("-" + d for d in defines))
    if not os.path.exists(rec):
        run(["--model", "small-moe", "--chip", pwm_chip(tmp), "--setting", "all-analog", "--tokens", "1", "--record",
             rec])
    lines = sum(1 for line in open(rec) if line.startswith("O"))
    hw = os.path.join(os.path.dirname(PRESETS), "..", "hw")
    rtl = [os.path.join(hw, f) for f in ("chip.sv", "token_dispatcher.sv", "tile.sv", "tier_select_ctrl.sv",
                                         "dac_periphery.sv", "adc_periphery.sv")]
    tb = os.path.join(hw, "..", "tb", "iverilog", "chip_replay_tb.sv")
    p = subprocess.run(["iverilog", "-g2012"] + ["-D" + d for d in defines] + ["-o", vvp, "-s", "chip_replay_tb", tb]
                       + rtl, capture_output=True, text=True)
    if p.returncode != 0:
        fail("iverilog: " + p.stderr)
    p = subprocess.run(["vvp", "-n", vvp, "+record=" + rec], capture_output=True, text=True)
    m = re.search(r"iverilog chip replay: (\d+) cycles, (\d+) mismatches", p.stdout)
    if not m or p.returncode != 0:
        fail("replay: no summary (exit %d): %s%s" % (p.returncode, p.stdout[-600:], p.stderr[-600:]))
    assertions = sum(1 for line in (p.stdout + p.stderr).splitlines() if line.startswith(("ERROR:", "FATAL:")))
    return lines, int(m.group(1)), int(m.group(2)) + assertions, assertions, p.stdout


def iverilog_chip_replay(tmp):
    """The chip cosim's stimulus replayed on the same RTL under iverilog: every cycle's outputs agree, and no
    assertion fires."""
    lines, cycles, mismatches, assertions, out = chip_replay(tmp)
    if cycles != lines or mismatches != 0:
        fail("replay: %d cycles of %d recorded, %d mismatches (%d assertion failures)\n%s" %
             (cycles, lines, mismatches, assertions, out[-600:]))
    print("ok: %d chip cycles (PWM DAC, real codes) replayed under iverilog, 0 mismatches, 0 assertion failures" %
          lines)


def iverilog_chip_replay_catches_fault(tmp):
    """The same record replayed on the chip with the injected fault (every tile's tier decoder also enables the next
    tier, INJECT_SECOND_TIER_ENABLE): the fault changes no output the record holds, so only the OTT monitor and the
    RTL assertions can see it, and the replay must fail on them."""
    lines, cycles, mismatches, assertions, out = chip_replay(tmp, ["INJECT_SECOND_TIER_ENABLE"])
    ott = int(re.search(r"\((\d+) OTT-violating cycles\)", out).group(1))
    print("faulty chip under iverilog: %d cycles replayed, %d mismatches (%d OTT-violating cycles, %d assertion "
          "failures)" % (cycles, mismatches, ott, assertions))
    if cycles != lines:
        fail("replayed %d cycles of %d recorded" % (cycles, lines))
    if ott == 0 or assertions == 0 or mismatches < ott + assertions:
        fail("the replay passes the faulty chip")
    if "OTT violated" not in out:
        fail("the OTT assertion did not fire")
    lines, cycles, mismatches, assertions, out = chip_replay(tmp)
    if mismatches != 0:
        fail("the good chip fails the same replay: %d mismatches" % mismatches)
    print("ok: the replay fails the faulty chip and passes the good one (%d cycles, 0 mismatches)" % cycles)


def replay(tmp):
    """A hand-written trace replays on both engines with identical reports (single sequence and batched: sequence s
    token t is trace token s * tokens_per_sequence + t), and a trace recorded with --write-routing-trace replays to
    the report of the run that recorded it."""
    per_seq, batch = 3, 2
    experts_of = lambda tok, layer: [(tok + layer) % 8, (tok * 3 + layer + 1) % 8]
    trace = os.path.join(tmp, "hand.jsonl")
    with open(trace, "w") as f:
        f.write(json.dumps({"format": "aimc3d-routing-trace/1", "layers": 4, "experts": 8, "top_k": 2}) + "\n")
        for tok in range(per_seq * batch):
            for layer in range(4):
                f.write(json.dumps({"token": tok, "layer": layer, "experts": experts_of(tok, layer),
                                    "gates": [0.75, 0.25]}) + "\n")
    for b in (1, batch):
        reports = []
        for engine in ("fast", "cosim"):
            rep = os.path.join(tmp, "replay-%s-%d.json" % (engine, b))
            run(["--engine", engine, "--model", "small-moe", "--chip", "paper", "--batch", str(b), "--tokens",
                 str(per_seq), "--routing", "replay", "--routing-trace", trace, "--report", rep])
            reports.append(load(rep))
        a = dict(reports[0]); c = dict(reports[1])
        a.pop("config"), c.pop("config")
        if a["tokens"] != c["tokens"] or a["totals"] != c["totals"]:
            fail("replay batch %d: fast and cosim reports differ" % b)
        sel = reports[0]["routing"]["expert_selections"]
        for layer in range(4):
            want = [0] * 8
            for tok in range(per_seq * b):
                for e in experts_of(tok, layer):
                    want[e] += 1
            if sel[layer] != want:
                fail("replay batch %d layer %d: selections %s, trace says %s" % (b, layer, sel[layer], want))
        print("ok: hand trace replayed, batch %d: fast = cosim, every layer's expert counts as in the trace" % b)
    for engine in ("fast", "cosim"):
        rec, r1, r2 = (os.path.join(tmp, n % engine) for n in ("rec-%s.jsonl", "rec-%s.json", "rep-%s.json"))
        common = ["--engine", engine, "--model", "small-moe", "--chip", "paper", "--batch", "3", "--tokens", "4"]
        run(common + ["--routing", "skewed", "--write-routing-trace", rec, "--report", r1])
        run(common + ["--routing", "replay", "--routing-trace", rec, "--report", r2])
        a, c = load(r1), load(r2)
        a.pop("config"), c.pop("config")
        if a != c:
            fail("%s: the replayed recording's report differs from the recording run's" % engine)
        print("ok: %s: recorded skewed routes replay to the same report (%s pJ)" % (engine, a["totals"]["total_pJ"]))
    # without a KV cache every pass re-routes its prefix: a recorded trace holds every position of every pass
    rec, r1, r2 = (os.path.join(tmp, n) for n in ("kv.jsonl", "kv1.json", "kv2.json"))
    common = ["--engine", "fast", "--model", "small-moe", "--chip", "paper", "--batch", "2", "--tokens", "3",
              "--prompt", "2", "--no-kv-cache", "--prefill"]
    run(common + ["--routing", "skewed", "--write-routing-trace", rec, "--report", r1])
    held = sum(1 for line in open(rec)) - 1
    if held != 2 * 4 * (2 + 3 + 4 + 5):  # 2 sequences x 4 MoE layers x (prompt 2, then prefixes 3, 4, 5)
        fail("--no-kv-cache recorded %d (token, layer) records" % held)
    run(common + ["--routing", "replay", "--routing-trace", rec, "--report", r2])
    a, c = load(r1), load(r2)
    a.pop("config"), c.pop("config")
    if a != c:
        fail("--no-kv-cache: the replayed recording's report differs from the recording run's")
    short = os.path.join(tmp, "short.jsonl")
    with open(rec) as f, open(short, "w") as g:
        g.writelines(f.readlines()[:1 + 4 * 20])
    p = run(common + ["--routing", "replay", "--routing-trace", short, "--report", r2 + ".short"], expect=2)
    if p.stdout or len(p.stderr.splitlines()) != 1 or "--no-kv-cache re-runs" not in p.stderr or \
            os.path.exists(r2 + ".short"):
        fail("--no-kv-cache with a short trace: %r %r" % (p.stdout, p.stderr))
    print("ok: --no-kv-cache: %d routing records recorded (every position of every pass) replay to the same "
          "report; a shorter trace: one line, exit 2" % held)


def leakage(tmp):
    """Static energy with tile leakage, by hand from the preset: digital passive power and DRAM idle power per
    cycle (each rounded to whole fJ per cycle), plus the tiles' leakage over the run rounded once; both engines
    book exactly this, to the chip and to no token, and it is the only difference from the leakage-free run."""
    chip = json.load(open(os.path.join(PRESETS, "chips", "paper.json")))
    leak_pJ_per_tile_ns = Decimal("0.37")
    chip["periphery"]["energy"]["leakage_pJ_per_tile_ns"] = {"value": float(leak_pJ_per_tile_ns), "source": "test"}
    path = os.path.join(tmp, "paper-leaky.json")
    with open(path, "w") as f:
        json.dump(chip, f)
    d, dram = chip["digital_units"], chip["dram"]
    period_ps = chip["clock_period_ps"]["value"]
    tiles = chip["tile"]["tiles"]
    passive_W = (Decimal(str(d["dpus"]["value"])) * Decimal(str(d["dpu_passive_power_W"]["value"])) +
                 Decimal(str(d["mha_units"]["value"])) * Decimal(str(d["mha_passive_power_W"]["value"])))
    per_cycle = lambda watts: int((watts * period_ps * 1000).to_integral_value(rounding="ROUND_HALF_UP"))
    reports = {}
    for engine in ("fast", "cosim"):
        common = ["--engine", engine, "--model", "small-moe", "--batch", "2", "--tokens", "3", "--seed", "7"]
        for name, chip_arg in (("leaky", path), ("plain", "paper")):
            rep = os.path.join(tmp, "%s-%s.json" % (name, engine))
            run(common + ["--chip", chip_arg, "--report", rep])
            reports[name, engine] = load(rep)
        r, plain = reports["leaky", engine], reports["plain", engine]
        cycles = r["totals"]["cycles"]
        busy = min(r["totals"]["counters"]["dram_busy_cycles"], cycles)
        ns = (Decimal(cycles) * period_ps / 1000).to_integral_value(rounding="ROUND_HALF_UP")
        leak_fJ = int((leak_pJ_per_tile_ns * 1000 * tiles * ns).to_integral_value(rounding="ROUND_HALF_UP"))
        want = (per_cycle(passive_W) * cycles + per_cycle(Decimal(str(dram["idle_power_W"]["value"]))) *
                (cycles - busy) + leak_fJ)
        got = fJ(r["totals"]["not_attributed_to_tokens_pJ"]["static"])
        if got != want or fJ(r["totals"]["energy_pJ"]["static"]) != want:
            fail("%s: static energy %d fJ, by hand %d fJ (leakage %d fJ)" % (engine, got, want, leak_fJ))
        if leak_fJ == 0:
            fail("the leaky chip leaks nothing: the test would not see tile leakage")
        if fJ(r["totals"]["total_pJ"]) - fJ(plain["totals"]["total_pJ"]) != leak_fJ:
            fail("%s: the leaky run's total exceeds the plain run's by %d fJ, not the leakage %d fJ" %
                 (engine, fJ(r["totals"]["total_pJ"]) - fJ(plain["totals"]["total_pJ"]), leak_fJ))
        if r["tokens"] != plain["tokens"]:
            fail("%s: leakage changed a token's energy (it belongs to no token)" % engine)
        print("ok: %s: %d cycles, %d tiles: static %d fJ = passive + DRAM idle + leakage %d fJ, by hand" %
              (engine, cycles, tiles, got, leak_fJ))
    a, b = reports["leaky", "fast"], reports["leaky", "cosim"]
    for x in (a, b):
        x.pop("engine"), x["config"].pop("engine")
    if a != b:
        fail("the engines' leaky reports differ")
    print("ok: both engines give the same leaky report")


with tempfile.TemporaryDirectory(dir=WORKDIR) as tmp:
    {"engines_agree": engines_agree, "conservation": conservation, "repeatable": repeatable,
     "trace_checks": trace_checks, "bad_inputs": bad_inputs, "iverilog_chip_replay": iverilog_chip_replay,
     "iverilog_chip_replay_catches_fault": iverilog_chip_replay_catches_fault,
     "computed_routing": computed_routing, "replay": replay, "leakage": leakage}[CASE](tmp)
