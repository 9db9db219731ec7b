#!/usr/bin/env python3
"""Checks of `aimc3d study 3d-moe` and of what issue 6 added to `aimc3d run` (GPU section, --fit, --no-ott,
progress), through the built program as a user runs it.

usage: study_tools_test.py CASE AIMC3D WORKDIR
Cases: study_reduced, gpu_section, fit_and_no_ott, no_ott_cosim_refused, progress.  Each prints what it checked
and exits non-zero on the first failure.
"""
import csv
import glob
import json
import math
import os
import pty
import shutil
import subprocess
import sys
import tempfile

CASE, AIMC3D, WORKDIR = sys.argv[1:4]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def aimc3d(args, expect=0):
    p = subprocess.run([AIMC3D] + args, capture_output=True, text=True)
    if p.returncode != expect:
        fail("aimc3d %s: exit %d (wanted %d)\n%s%s" % (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
    return p


def close(a, b, rel=1e-7):
    return abs(a - b) <= rel * max(abs(a), abs(b))


# ---- study ----------------------------------------------------------------------------------------------------

TABLES = {  # name: rows with --reduced (what cli_study.c's sweeps make of the reduced grids)
    "a_dense_vs_moe": 4,   # 2 dense + 2 MoE
    "b_moe_family": 4,     # d_model {256, 512} x experts {4, 8} x layers {2}
    "c_batch_sweep": 3,    # batch {1, 4, 16}
    "d_ott": 16,           # 2 chips x 2 layouts x top-2 x batch {1, 4} x OTT on/off
    "e_dmodel_step": 3,    # d_model {256, 512, 576}
    "f_assumptions": 4,    # paper preset, KV x1000, no passive power, 16 tiers
}
TEXT = {"point", "model", "kind", "strategy"}
POSITIVE = ["d_model", "layers", "params_total", "params_active", "batch", "tokens_per_sequence", "prompt", "tiles",
            "tiers", "analog_blocks", "tier_mvms_per_token", "simulated_time_s", "mean_latency_us", "tokens_per_s",
            "energy_per_token_nJ", "analog_energy_per_token_nJ", "dram_energy_per_token_nJ", "power_W",
            "tokens_per_s_per_W", "area_mm2", "tokens_per_s_per_mm2", "gpu_tokens_per_s", "gpu_energy_per_token_nJ",
            "gpu_tokens_per_s_per_W", "gpu_tokens_per_s_per_mm2", "ratio_tokens_per_s", "ratio_tokens_per_s_per_W",
            "ratio_tokens_per_s_per_mm2"]


def read_table(folder, name):
    with open(os.path.join(folder, name + ".csv")) as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    with open(os.path.join(folder, name + ".json")) as f:
        js = json.load(f)
    check(js["format"] == "aimc3d-study-table/1" and js["name"] == name, "%s.json: format/name" % name)
    check([c["name"] for c in js["columns"]] == header, "%s: CSV header differs from the JSON columns" % name)
    check(len(js["rows"]) == len(body), "%s: CSV and JSON row counts differ" % name)
    table = []
    for k, (line, jrow) in enumerate(zip(body, js["rows"])):
        check(len(line) == len(header), "%s row %d: %d cells for %d columns" % (name, k, len(line), len(header)))
        row = {}
        for col, cell in zip(header, line):
            if col in TEXT:
                check(cell == jrow[col] and cell, "%s row %d %s: text %r / %r" % (name, k, col, cell, jrow[col]))
                row[col] = cell
            else:
                v = float(cell)
                check(math.isfinite(v) and v >= 0, "%s row %d %s: %r is not a finite non-negative number"
                      % (name, k, col, cell))
                check(v == float(jrow[col]), "%s row %d %s: CSV %r, JSON %r" % (name, k, col, cell, jrow[col]))
                row[col] = v
        table.append(row)
    return header, table


def table_of_sweep(folder):
    with open(os.path.join(folder, "table.csv")) as f:
        return list(csv.DictReader(f))


def check_row(name, k, r):
    where = "%s row %d (%s)" % (name, k, r["point"])
    for col in POSITIVE:
        check(r[col] > 0, "%s: %s = %g, expected > 0" % (where, col, r[col]))
    # ratios against the columns they come from
    for ratio, a, g in (("ratio_tokens_per_s", "tokens_per_s", "gpu_tokens_per_s"),
                        ("ratio_tokens_per_s_per_W", "tokens_per_s_per_W", "gpu_tokens_per_s_per_W"),
                        ("ratio_tokens_per_s_per_mm2", "tokens_per_s_per_mm2", "gpu_tokens_per_s_per_mm2")):
        check(close(r[ratio], r[a] / r[g]), "%s: %s %g != %s / %s = %g" % (where, ratio, r[ratio], a, g, r[a] / r[g]))
    # figures against each other: tokens/s/W is tokens per joule; area efficiency; power x time = energy
    check(close(r["tokens_per_s_per_W"] * r["energy_per_token_nJ"] * 1e-9, 1, 1e-6), where + ": tokens/s/W x J/token")
    check(close(r["gpu_tokens_per_s_per_W"] * r["gpu_energy_per_token_nJ"] * 1e-9, 1, 1e-6), where + ": GPU tokens/J")
    check(close(r["tokens_per_s_per_mm2"] * r["area_mm2"], r["tokens_per_s"], 1e-6), where + ": tokens/s/mm2 x mm2")
    tokens = r["batch"] * r["tokens_per_sequence"]
    check(close(r["tokens_per_s"] * r["simulated_time_s"], tokens, 1e-6), where + ": tokens/s x time != tokens")
    check(close(r["power_W"] * r["simulated_time_s"], r["energy_per_token_nJ"] * 1e-9 * tokens, 1e-6),
          where + ": power x time != energy")
    parts = r["analog_energy_per_token_nJ"] + r["dram_energy_per_token_nJ"] + r["static_energy_per_token_nJ"]
    check(parts <= r["energy_per_token_nJ"] * (1 + 1e-7), where + ": components exceed the total energy")
    check(r["ott"] in (0, 1) and r["dram_busy_share"] <= 1 + 1e-9, where + ": ott flag or DRAM share out of range")
    check(r["params_active"] <= r["params_total"], where + ": active > total parameters")
    check(r["tiles"] * r["tiers"] >= r["analog_blocks"] > (r["tiles"] - 1) * r["tiers"],
          where + ": tiles are not ceil(blocks / tiers) (--fit)")


def check_semantics(t):
    a = t["a_dense_vs_moe"]
    check([r["kind"] for r in a] == ["dense", "dense", "moe", "moe"], "a: kinds")
    check(all(r["experts"] == 0 for r in a[:2]) and all(r["experts"] > 0 for r in a[2:]), "a: dense have no experts")
    c = t["c_batch_sweep"]
    check([r["batch"] for r in c] == [1, 4, 16], "c: batches")
    d = t["d_ott"]
    for k in range(0, len(d), 2):
        on, off = d[k], d[k + 1]
        check(on["ott"] == 1 and off["ott"] == 0 and on["point"] == off["point"], "d: rows %d, %d not an on/off pair" % (k, k + 1))
        check(on["tier_mvms_per_token"] == off["tier_mvms_per_token"] and on["tiles"] == off["tiles"],
              "d: the pair %s runs different work" % on["point"])
    check({r["strategy"] for r in d} == {"greedy", "stacked"}, "d: strategies")
    e = t["e_dmodel_step"]
    check([r["d_model"] for r in e] == [256, 512, 576], "e: d_model")
    # 512 fits one tier per attention matrix, 576 needs 2 x 2 blocks: far more MVMs per token than 512/256 growth
    check(e[2]["tier_mvms_per_token"] > e[1]["tier_mvms_per_token"] * 1.5, "e: no step past d_model 512")
    f = t["f_assumptions"]
    check(close(f[1]["gpu_tokens_per_s"], f[0]["gpu_tokens_per_s"]), "f: the GPU side changed with the chip")
    check(f[1]["dram_busy_share"] < f[0]["dram_busy_share"], "f: KV bandwidth x1000 did not relieve the DRAM")
    check(f[2]["static_energy_per_token_nJ"] == 0, "f: no passive power left static energy")
    check(f[3]["tiers"] == 16 and f[3]["tiles"] < f[2]["tiles"], "f: taller stacks did not shrink the chip")


def check_findings(folder, t):
    with open(os.path.join(folder, "study.json")) as fh:
        s = json.load(fh)
    check(s["format"] == "aimc3d-study/1" and s["options"]["reduced"] is True, "study.json: format/options")
    check(sorted(s["tables"]) == sorted(TABLES), "study.json: tables listed")
    for name, n in TABLES.items():
        check(s["tables"][name]["rows"] == n, "study.json: %s rows" % name)
    fb = s["findings"]["b_moe_family"]["ratio_tokens_per_s"]
    check(close(fb["max"]["ratio_tokens_per_s"], max(r["ratio_tokens_per_s"] for r in t["b_moe_family"]), 1e-5),
          "study.json: (b) max ratio is not the table's")
    for model, fc in s["findings"]["c_batch_sweep"].items():
        rows = [r for r in t["c_batch_sweep"] if r["model"] == model]
        first = next((r["batch"] for r in rows if r["gpu_tokens_per_s"] > r["tokens_per_s"]), 0)
        check(fc["gpu_overtakes_at_batch"] == first, "study.json: (c) crossover of %s" % model)
        ahead = [r["batch"] for r in rows if not first or r["batch"] < first]
        check(fc["aimc_ahead_up_to_batch"] == (max(ahead) if ahead else 0),
              "study.json: (c) last batch the chip leads, %s" % model)
    check(len(s["findings"]["d_ott"]) == TABLES["d_ott"] // 2, "study.json: (d) one finding per pair")
    return s


def check_plots(folder, s):
    for name in TABLES:
        check(os.path.exists(os.path.join(folder, name + ".gp")), "%s.gp missing" % name)
    if shutil.which("gnuplot") is None:
        check(s["plots"].startswith("none"), "study.json: plots without gnuplot")
        return "no gnuplot: scripts only"
    for name in TABLES:
        svg = os.path.join(folder, name + ".svg")
        with open(svg, "rb") as fh:
            check(b"<svg" in fh.read(4096), "%s is not an SVG" % svg)
        png = os.path.join(folder, name + ".png")
        if s["plots"] == "png and svg":
            with open(png, "rb") as fh:
                check(fh.read(8) == b"\x89PNG\r\n\x1a\n", "%s is not a PNG" % png)
    return s["plots"]


def study_reduced(tmp):
    outs = []
    for k in range(2):
        folder = os.path.join(tmp, "s%d" % k)
        p = aimc3d(["study", "3d-moe", "--reduced", "--out", folder, "--seed", "7"])
        check(p.stderr == "", "study wrote on stderr (not a terminal): %r" % p.stderr)
        check(folder + "/study.json" in p.stdout, "study did not say where the files went")
        outs.append(folder)
    tables = {}
    for name, n in TABLES.items():
        header, rows = read_table(outs[0], name)
        check(len(rows) == n, "%s: %d rows, expected %d" % (name, len(rows), n))
        for k, r in enumerate(rows):
            check_row(name, k, r)
        tables[name] = rows
    check_semantics(tables)
    s = check_findings(outs[0], tables)
    plots = check_plots(outs[0], s)
    check(not glob.glob(os.path.join(outs[0], "*.tmp.*")), "temporary files left behind")
    # the study is data: each table a sweep of the shipped spec, planned, run and collected in the folder
    for name, n in TABLES.items():
        sweep = os.path.join(outs[0], s["tables"][name]["sweep"])
        with open(os.path.join(sweep, "points.jsonl")) as fh:
            pts = [json.loads(line) for line in fh]
        check(len(pts) == n and [p["label"] for p in pts] == [r["point"] for r in tables[name]],
              "%s: the sweep's points are not the table's rows" % name)
        check(len(table_of_sweep(sweep)) == n, "%s: the sweep's collected table" % name)
    for path in sorted(glob.glob(os.path.join(outs[0], "*.csv")) + glob.glob(os.path.join(outs[0], "*.json"))):
        other = os.path.join(outs[1], os.path.basename(path))
        with open(path, "rb") as fa, open(other, "rb") as fb:
            check(fa.read() == fb.read(), "%s differs between two runs with the same seed" % os.path.basename(path))
    # bad input: one line, exit 2
    for args in (["study", "3d-moe", "--reduced", "--out", "/nonexistent-aimc/x"], ["study", "nope"],
                 ["study", "3d-moe", "--tokens", "0"], ["study", "3d-moe", "--reduced", "--gpu", "nope",
                                                         "--out", os.path.join(tmp, "bad")]):
        p = aimc3d(args, expect=2)
        check(p.stderr.count("\n") == 1 and p.stderr.startswith("aimc3d: "), "not one error line: %r" % p.stderr)
    check(not os.path.exists(os.path.join(tmp, "bad", "study.json")), "a failed study left study.json")
    print("ok: %d tables (%s rows), columns, positive finite numbers, ratios = their columns, CSV = JSON, findings, "
          "plots (%s), byte-identical repeat, bad inputs" % (len(TABLES), "/".join(str(n) for n in TABLES.values()),
                                                              plots))


# ---- run: GPU section ------------------------------------------------------------------------------------------

def gpu_section(tmp):
    rep = os.path.join(tmp, "r.json")
    p = aimc3d(["run", "--engine", "fast", "--model", "tiny-moe", "--chip", "paper", "--tokens", "3", "--batch", "2",
                "--prompt", "5", "--report", rep])
    check("AIMC/GPU" in p.stdout and "a100" in p.stdout, "the summary does not show the GPU side")
    with open(rep) as fh:
        r = json.load(fh)
    g = r["gpu"]
    # tiny-moe by hand: dense = attention 2 x 4 x 64^2 + routers 2 x 64 x 4 + LM head 256 x 64; expert 3 x 64 x 128
    dense, expert = 2 * 4 * 64 * 64 + 2 * 64 * 4 + 256 * 64, 3 * 64 * 128
    check(g["inputs"]["dense_params"] == dense and g["inputs"]["expert_params"] == expert, "GPU model numbers")
    # U(2) = 4 (1 - (1/2)^2) = 3; bytes(s) = 2 (dense + 2 x 3 x expert + 2 x 64) + 2 x 2 x 2 x s x 64 x 2, s = 6..8
    total = sum(2 * (dense + 2 * 3 * expert + 2 * 64) + 2 * 2 * 2 * s * 64 * 2 for s in (6, 7, 8))
    seconds = total / 1555e9
    f = g["figures"]
    check(close(f["simulated_time_s"], seconds, 1e-9), "GPU time %r, hand %r" % (f["simulated_time_s"], seconds))
    check(close(f["tokens_per_s"], 6 / seconds, 1e-6), "GPU tokens/s")
    check(close(f["energy_per_token_nJ"], 400 * seconds / 6 * 1e9, 1e-6), "GPU energy per token")
    check(close(f["tokens_per_s_per_mm2"], 6 / seconds / 826, 1e-5), "GPU tokens/s/mm2")
    ratios, s = g["ratios_aimc_over_gpu"], r["summary"]
    check(close(ratios["tokens_per_s"], s["tokens_per_s"] / (6 / seconds), 1e-5), "ratio tokens/s")
    check(close(ratios["tokens_per_s_per_W"], s["tokens_per_s_per_W"] / (6 / seconds / 400), 1e-5), "ratio tokens/s/W")
    check(close(ratios["tokens_per_s_per_mm2"], s["tokens_per_s_per_mm2"] / (6 / seconds / 826), 1e-5),
          "ratio tokens/s/mm2")
    # another GPU and 1-byte weights: the weight part halves, KV bytes stay
    aimc3d(["run", "--engine", "fast", "--model", "tiny-moe", "--chip", "paper", "--tokens", "3", "--batch", "2",
            "--prompt", "5", "--report", rep, "--gpu", "h100", "--gpu-weight-bytes", "1"])
    with open(rep) as fh:
        h = json.load(fh)["gpu"]
    check(h["inputs"]["gpu"] == "h100", "--gpu h100 not used")
    check(close(h["figures"]["simulated_time_s"], (total - 3 * (dense + 2 * 3 * expert + 2 * 64)) / 3350e9, 1e-9),
          "H100 with 1-byte weights")
    p = aimc3d(["run", "--engine", "fast", "--model", "tiny-moe", "--chip", "paper", "--gpu", "nope",
                "--report", os.path.join(tmp, "x.json")], expect=2)
    check("nope" in p.stderr and p.stderr.count("\n") == 1, "unknown GPU: %r" % p.stderr)
    check(not os.path.exists(os.path.join(tmp, "x.json")), "report written after a bad --gpu")
    print("ok: GPU section of tiny-moe (batch 2, 3 tokens after 5) equals the hand roofline: %.4g s, ratios from "
          "the summary; --gpu h100 --gpu-weight-bytes 1; unknown GPU refused" % seconds)


# ---- run: --fit, --no-ott ----------------------------------------------------------------------------------------

def fit_and_no_ott(tmp):
    reps = {}
    for mode in ("on", "off"):
        rep = os.path.join(tmp, mode + ".json")
        args = ["run", "--engine", "fast", "--model", "tiny-moe", "--chip", "paper", "--setting", "all-analog",
                "--tokens", "3", "--batch", "3", "--fit", "--report", rep]
        p = aimc3d(args + (["--no-ott"] if mode == "off" else []))
        with open(rep) as fh:
            reps[mode] = json.load(fh)
        # tiny-moe all analog: 36 one-tier blocks -> ceil(36 / 8) = 5 tiles
        check(reps[mode]["config"]["tiles"] == 5 and reps[mode]["config"]["fit"] is True, "--fit: tiles")
        check(len(reps[mode]["tiles"]) == 5, "tile section is not per physical tile")
        check("5 tiles x 8 tiers" in p.stdout, "summary line")
    on, off = reps["on"], reps["off"]
    check(on["config"]["ott"] is True and off["config"]["ott"] is False, "config echo of OTT")
    check(on["totals"]["counters"]["tier_mvms"] == off["totals"]["counters"]["tier_mvms"], "same MVMs either way")
    check(off["totals"]["energy_pJ"]["tier_switch"] == 0 and on["totals"]["energy_pJ"]["tier_switch"] > 0,
          "no switch energy without OTT")
    check(sum(t["ott_conflict_cycles"] for t in off["tiles"]) <= sum(t["ott_conflict_cycles"] for t in on["tiles"]),
          "more OTT conflicts without OTT")
    check(off["totals"]["cycles"] <= on["totals"]["cycles"], "slower without OTT")
    p = aimc3d(["run", "--engine", "fast", "--model", "tiny-moe", "--chip", "paper", "--fit", "--tiles", "4"],
               expect=2)
    check("--fit or --tiles" in p.stderr, "--fit with --tiles: %r" % p.stderr)
    print("ok: --fit sizes tiny-moe to 5 tiles; --no-ott: same MVMs, no switch energy, %d <= %d cycles, "
          "per-tile section folded to 5 tiles; --fit --tiles refused" % (off["totals"]["cycles"], on["totals"]["cycles"]))


def no_ott_cosim_refused(tmp):
    rep = os.path.join(tmp, "r.json")
    p = aimc3d(["run", "--engine", "cosim", "--model", "tiny-moe", "--chip", "paper", "--no-ott", "--report", rep],
               expect=2)
    check(p.stderr.count("\n") == 1 and "--no-ott" in p.stderr and "--engine fast" in p.stderr,
          "not one clear line: %r" % p.stderr)
    check(p.stdout == "" and not os.path.exists(rep), "output despite the refusal")
    print("ok: cosim --no-ott refused: %s" % p.stderr.strip())


# ---- progress ----------------------------------------------------------------------------------------------------

def progress(tmp):
    args = [AIMC3D, "run", "--engine", "fast", "--model", "small-moe", "--chip", "paper", "--tokens", "4",
            "--batch", "2"]
    p = subprocess.run(args, capture_output=True, text=True)
    check(p.returncode == 0 and p.stderr == "", "progress on a pipe: %r" % p.stderr)
    # stderr on a terminal (a pseudo-terminal), stdout on a pipe: the line shows, and is cleared at the end
    master, slave = pty.openpty()
    q = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    q.wait()
    os.close(master)
    text = seen.decode(errors="replace")
    check(q.returncode == 0, "run with a terminal failed")
    check("tokens, simulated" in text and "simulated tokens/s of wall time" in text, "no progress line: %r" % text)
    check(text.endswith("\r\x1b[K"), "progress line not cleared at the end: %r" % text[-40:])
    check("\n" not in text, "progress is not one line: %r" % text)
    print("ok: quiet on a pipe; on a terminal one line, redrawn in place and cleared: %r" % text[:80])


def main():
    os.makedirs(WORKDIR, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORKDIR, prefix="study_" + CASE + "_") as tmp:
        {"study_reduced": study_reduced, "gpu_section": gpu_section, "fit_and_no_ott": fit_and_no_ott,
         "no_ott_cosim_refused": no_ott_cosim_refused, "progress": progress}[CASE](tmp)


if __name__ == "__main__":
    main()
