#!/usr/bin/env python3
"""`aimc3d eval` as a user runs it, on small random checkpoints written by make_tiny_ckpt.

usage: eval_cli_test.py CASE AIMC3D MAKE_TINY_CKPT WORKDIR
Cases:
  eval_report           a run prints perplexity (unit-free), tokens and wall time, and its JSON report agrees
                        with the printed figures (perplexity = exp(mean NLL)); a JSON token file gives the same
                        perplexity as the same ids in binary
  digital_equals_ideal  every routed expert digital (--digital-experts 1) gives the same perplexity as all-analog
                        with --noise off; the chip preset's noise changes it; same seed and draw reproduce it
  study_reduced         `aimc3d study heterogeneous --reduced` writes its tables, findings, per-expert errors and
                        plot; every fraction-0 row of a draw is one assignment (all routed experts analog), every
                        fraction-1 row has the clean perplexity (all digital), shares grow with the fraction
  austen                on the trained fixture (fixtures/austen-olmoe), as a user runs it: the clean perplexity
                        (every routed expert digital) equals PyTorch's within 1e-4 relative and is below the
                        bigram's (both from reference.json); all-analog with --noise off gives exactly the
                        all-digital perplexity; the chip's noise makes the first 8 windows' worse
  bad_input             missing tensor, shape against config.json, sliding-window attention, token id >= vocab,
                        empty and truncated token files, a window longer than max_position_embeddings: one line
                        naming the file/tensor/field, exit 2, no report written
"""
import json
import math
import os
import shutil
import struct
import subprocess
import sys

CASE, AIMC3D, MAKE, WORKDIR = sys.argv[1:5]
ROOT = os.path.join(WORKDIR, "eval-" + CASE)


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def run(args, expect=0):
    p = subprocess.run([AIMC3D, "eval"] + args, capture_output=True, text=True)
    if p.returncode != expect:
        fail("aimc3d eval %s: exit %d (wanted %d)\n%s%s" % (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
    return p


def ckpt(name, family, *extra):
    d = os.path.join(ROOT, name)
    os.makedirs(d, exist_ok=True)
    p = subprocess.run([MAKE, d, family] + list(extra), capture_output=True, text=True)
    check(p.returncode == 0, "make_tiny_ckpt %s: %s" % (family, p.stderr))
    return d


def tokens(name, ids):
    path = os.path.join(ROOT, name)
    with open(path, "wb") as f:
        f.write(struct.pack("<%dI" % len(ids), *ids))
    return path


IDS = [(7 * i + i * i // 3) % 32 for i in range(96)]


def perplexity(out):
    for line in out.splitlines():
        if line.startswith("perplexity"):
            check("(unit-free)" in line, "perplexity line without its unit label: " + line)
            return float(line.split()[1])
    fail("no perplexity line in\n" + out)


def case_eval_report():
    d = ckpt("olmoe", "olmoe", "dtype=bf16")
    tok = tokens("ids.bin", IDS)
    rep = os.path.join(ROOT, "report.json")
    p = run(["--weights", d, "--tokens", tok, "--window", "16", "--report", rep])
    ppl = perplexity(p.stdout)
    check("96 evaluated in 6 windows of 16" in p.stdout, "tokens line: " + p.stdout)
    check(any(l.startswith("wall time") and l.rstrip().endswith(" s") for l in p.stdout.splitlines()),
          "wall time with its unit")
    r = json.load(open(rep))
    check(r["format"] == "aimc3d-eval-report/1", "report format")
    check(r["windows"] == 6 and r["window"] == 16 and r["targets"] == 90, "report counts %s" % r)
    check(abs(r["perplexity"] - ppl) <= 1e-6 * ppl, "report perplexity %s vs printed %s" % (r["perplexity"], ppl))
    check(abs(math.exp(r["mean_nll_nats"]) - r["perplexity"]) <= 1e-6 * r["perplexity"], "perplexity = exp(NLL)")
    check(r["analog_matrices"]["multiply_accumulates"] > 0, "the routed experts ran analog")
    check(r["noise"]["programming_noise"] and r["noise"]["dac_quantization"], "the paper preset's noise is on")
    jt = os.path.join(ROOT, "ids.json")
    with open(jt, "w") as f:
        json.dump({"tokenizer": "test", "tokens": IDS}, f)
    p2 = run(["--weights", d, "--tokens", jt, "--window", "16"])
    check(perplexity(p2.stdout) == ppl, "JSON tokens give the binary file's perplexity")
    print("eval_report: perplexity %.6f over 90 targets, report consistent" % ppl)


def case_digital_equals_ideal():
    for family in ["olmoe", "mixtral", "qwen2_moe", "qwen3_moe", "deepseek"]:
        d = ckpt(family, family)
        tok = tokens("ids.bin", IDS)
        base = ["--weights", d, "--tokens", tok, "--window", "24"]
        digital = perplexity(run(base + ["--digital-experts", "1"]).stdout)
        ideal = perplexity(run(base + ["--setting", "all-analog", "--noise", "off"]).stdout)
        check(digital == ideal, "%s: all-digital %r != ideal analog %r" % (family, digital, ideal))
        noisy = [perplexity(run(base + ["--setting", "all-analog", "--draw", str(k)]).stdout) for k in (0, 0, 1)]
        check(noisy[0] == noisy[1], "%s: the same draw reproduces" % family)
        check(noisy[0] != noisy[2] and noisy[0] != digital, "%s: noise and another draw change it" % family)
        print("%s: all-digital %.9f == ideal analog %.9f; chip noise draw 0 %.6f, draw 1 %.6f"
              % (family, digital, ideal, noisy[0], noisy[2]))


def case_bad_input():
    good = ckpt("good", "qwen2_moe")
    tok = tokens("ids.bin", IDS)
    rep = os.path.join(ROOT, "bad-report.json")
    cases = [
        ("missing tensor", [ckpt("missing", "qwen2_moe", "omit=model.layers.1.mlp.shared_expert_gate.weight")], tok, [],
         "model.layers.1.mlp.shared_expert_gate.weight\" (layer 1"),
        ("shape", [ckpt("shape", "qwen2_moe", "misshape=model.layers.0.self_attn.k_proj.bias")], tok, [],
         "\"model.layers.0.self_attn.k_proj.bias\": expected shape [8]"),
        ("sliding window", [ckpt("sliding", "qwen2_moe", "set=use_sliding_window:true")], tok, [], "sliding_window"),
        ("token >= vocab", [good], tokens("big.bin", IDS[:20] + [32] + IDS[:20]), [],
         "big.bin: token 20: id 32 is not below the model's vocab_size 32"),
        ("empty tokens", [good], tokens("empty.bin", []), [], "empty.bin: empty token file"),
        ("truncated tokens", [good], None, [], "trunc.bin: truncated token file"),
        ("window too long", [good], tok, ["--window", "65"], "max_position_embeddings (64"),
        ("window beyond tokens", [good], tokens("short.bin", IDS[:10]), ["--window", "16"], "short.bin"),
        ("bad noise", [good], tok, ["--noise", "prog=maybe"], "eval --noise: prog: expected on or off"),
    ]
    with open(os.path.join(ROOT, "trunc.bin"), "wb") as f:
        f.write(b"\x01\x00\x00\x00\x02\x00")
    for what, (d,), t, extra, needle in cases:
        t = t or os.path.join(ROOT, "trunc.bin")
        p = run(["--weights", d, "--tokens", t, "--report", rep] + extra, expect=2)
        lines = p.stderr.strip().splitlines()
        check(len(lines) == 1 and needle in lines[0], "%s: stderr %r lacks %r" % (what, p.stderr, needle))
        check(p.stdout == "", "%s: partial output %r" % (what, p.stdout))
        check(not os.path.exists(rep), "%s: a report was written" % what)
        print("%s: exit 2, %s" % (what, lines[0]))


def case_study_reduced():
    import csv
    d = ckpt("olmoe", "olmoe")
    tok = tokens("ids.bin", [(5 * i + i * i // 7) % 32 for i in range(192)])
    out = os.path.join(ROOT, "study")
    p = subprocess.run([AIMC3D, "study", "heterogeneous", "--weights", d, "--tokens", tok, "--window", "24",
                        "--reduced", "--out", out], capture_output=True, text=True)
    check(p.returncode == 0, "study heterogeneous: exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
    for f in ["heterogeneous.csv", "heterogeneous.json", "heterogeneous_mean.csv", "expert_error.csv", "study.json"]:
        check(os.path.exists(os.path.join(out, f)), "missing " + f)
    study = json.load(open(os.path.join(out, "study.json")))
    rows = list(csv.DictReader(open(os.path.join(out, "heterogeneous.csv"))))
    # 2 draws x (fraction 0 and 1) + 2 middle fractions x (2 seeds x 2 draws random + 5 criteria x 2 draws)
    check(len(rows) == 4 + 2 * (4 + 10), "table rows: %d" % len(rows))
    clean = study["clean_perplexity"]
    for r in rows:
        if float(r["digital_expert_fraction"]) == 1:
            check(abs(float(r["perplexity"]) - clean) <= 1e-6 * clean, "all-digital row has the clean perplexity")
    shares = sorted({(float(r["digital_expert_fraction"]), float(r["digital_share_paper_pct"])) for r in rows})
    check(all(a[1] < b[1] for a, b in zip(shares, shares[1:])), "shares grow with the fraction: %s" % shares)
    check(abs(shares[0][1] - study["digital_share_paper_pct_dense_only"]) < 1e-3, "dense-only share")
    check(len(study["findings"]) == 2 * 5, "findings per criterion and middle fraction")
    for f in study["findings"]:
        check(f["comparisons"] == 4 and 0 <= f["wins_vs_random"] <= 4, "finding %s" % f)
    errs = list(csv.DictReader(open(os.path.join(out, "expert_error.csv"))))
    check(len(errs) == 2 * 4 and all(float(e["relative_output_error"]) > 0 for e in errs), "per-expert errors")
    print("study_reduced: %d rows, clean perplexity %.4f, shares %s" % (len(rows), clean, shares))


AUSTEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "austen-olmoe")


def case_austen():
    ref = json.load(open(os.path.join(AUSTEN, "reference.json")))
    W = len(ref["windows"][0])
    base = ["--weights", AUSTEN, "--tokens", os.path.join(AUSTEN, "eval.tokens"),
            "--calib", os.path.join(AUSTEN, "calib.tokens"), "--window", str(W)]
    rep = os.path.join(ROOT, "report.json")
    digital = perplexity(run(base + ["--digital-experts", "1", "--report", rep]).stdout)
    r = json.load(open(rep))
    check(r["windows"] == len(ref["windows"]) and r["tokens_dropped"] == 0, "every reference window evaluated: %s" % r)
    torch_ppl, bigram = ref["perplexity"], ref["bigram"]["perplexity"]
    rel = abs(r["perplexity"] - torch_ppl) / torch_ppl
    check(rel <= 1e-4, "clean perplexity %.6f, PyTorch %.6f (relative %.3g > 1e-4)" % (r["perplexity"], torch_ppl, rel))
    check(r["perplexity"] < bigram, "perplexity %.4f not below the bigram's %.4f" % (r["perplexity"], bigram))
    ideal = perplexity(run(base + ["--setting", "all-analog", "--noise", "off"]).stdout)
    check(ideal == digital, "all-digital %r != all-analog with --noise off %r" % (digital, ideal))
    # The chip's noise on the first 8 windows (the noisy pass is the slow one), against PyTorch's clean
    # perplexity of the same windows.
    head = tokens("head.tokens", [t for w in ref["windows"][:8] for t in w])
    clean8 = math.exp(sum(ref["window_mean_nll"][:8]) / 8)
    noisy = perplexity(run(base[:3] + [head] + base[4:] + ["--setting", "all-analog"]).stdout)
    check(noisy > clean8, "the chip's noise (%.4f) does not raise the clean perplexity %.4f" % (noisy, clean8))
    print("austen: clean perplexity %.6f (PyTorch %.6f, relative %.2g), bigram %.4f; all-analog --noise off %.6f; "
          "first 8 windows: clean %.4f, all-analog chip noise %.4f" % (r["perplexity"], torch_ppl, rel, bigram, ideal,
                                                                     clean8, noisy))


shutil.rmtree(ROOT, ignore_errors=True)
os.makedirs(ROOT)
{"eval_report": case_eval_report, "digital_equals_ideal": case_digital_equals_ideal,
 "bad_input": case_bad_input, "study_reduced": case_study_reduced, "austen": case_austen}[CASE]()
shutil.rmtree(ROOT, ignore_errors=True)
