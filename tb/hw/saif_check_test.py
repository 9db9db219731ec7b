#!/usr/bin/env python3
"""Cross-checks aimc3d's SAIF against the VCD of the same run: for every net bit of the chip (aimc3d run) and of
the tile (aimc3d cosim), over the whole run and over a window, the time at 0 / 1 / X and the toggle count that
pyvcd's tokenizer and this script's own counting give must equal the SAIF's.  The VCD comes from the run's FST
through GTKWave's fst2vcd, so neither aimc3d's FST reader nor its SAIF writer is on the checking side.

usage: saif_check_test.py AIMC3D PYTHON_WITH_PYVCD WORKDIR"""
import json
import os
import re
import shutil
import subprocess
import sys

CHECKER = r'''
import json, sys
from vcd.reader import TokenKind, tokenize

vcd_path, begin, end_arg, half = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
window_end = end_arg if end_arg else 1 << 62
scopes, width, paths = [], {}, {}
state, since, figures = {}, {}, {}  # per id code and bit: value (0 1 x z), time of the last change, [t0 t1 tx tz tc]


def close(code, k, t):
    lo, hi = max(since[code][k], begin), min(t, window_end)
    if hi > lo:
        figures[code][k][state[code][k]] += hi - lo


def change(code, t, bits):
    for k, c in enumerate(bits):
        st = {"0": 0, "1": 1, "z": 3, "Z": 3}.get(c, 2)
        old = state[code][k]
        if st == old:
            continue
        close(code, k, t)
        if begin <= t < window_end and old <= 1 and st <= 1:
            figures[code][k][4] += 1
        state[code][k], since[code][k] = st, t


time = last = 0
with open(vcd_path, "rb") as f:
    for tok in tokenize(f):
        if tok.kind is TokenKind.SCOPE:
            scopes.append(tok.data.ident)
        elif tok.kind is TokenKind.UPSCOPE:
            scopes.pop()
        elif tok.kind is TokenKind.VAR:
            v = tok.data
            if v.type_.value in ("parameter", "real", "realtime", "event", "string"):
                continue  # not nets
            n = v.size
            if v.id_code not in state:
                width[v.id_code] = n
                state[v.id_code], since[v.id_code] = [2] * n, [0] * n
                figures[v.id_code] = [[0, 0, 0, 0, 0] for _ in range(n)]
            bi = v.bit_index
            msb, lsb = (bi if isinstance(bi, tuple) else (bi, bi)) if bi is not None else (n - 1, 0)
            step = -1 if msb >= lsb else 1
            for k in range(n):
                name = "/".join(scopes + [v.reference])
                if n > 1 or bi is not None:
                    name += "[%d]" % (msb + step * k)
                paths[name] = (v.id_code, k)
        elif tok.kind is TokenKind.CHANGE_TIME:
            time = tok.data
            last = max(last, time)
        elif tok.kind is TokenKind.CHANGE_SCALAR:
            if tok.data.id_code in state:
                change(tok.data.id_code, time, tok.data.value)
        elif tok.kind is TokenKind.CHANGE_VECTOR:
            code, val = tok.data.id_code, tok.data.value
            if code in state:
                n = width[code]
                bits = format(val, "0%db" % n) if isinstance(val, int) else val.rjust(n, val[0] if val[0] in "xXzZ" else "0")
                change(code, time, bits)
run_end = last + half  # the last dump is a rising edge; its cycle ends half a period later
window_end = min(window_end, run_end)
for code in state:
    for k in range(width[code]):
        close(code, k, window_end)
json.dump({"end": window_end, "bits": {name: figures[c][k] for name, (c, k) in paths.items()}}, sys.stdout)
'''


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def parse_saif(text):
    """path -> [t0, t1, tx, tz, tc], and the DURATION."""
    tokens = re.findall(r"\(|\)|\"[^\"]*\"|(?:\\.|[^\s()\\])+", text)
    pos = 0

    def expr():
        nonlocal pos
        if tokens[pos] == "(":
            pos += 1
            items = []
            while tokens[pos] != ")":
                items.append(expr())
            pos += 1
            return items
        tok = tokens[pos]
        pos += 1
        return re.sub(r"\\(.)", r"\1", tok)

    root = expr()
    bits, duration = {}, None

    def walk(node, prefix):
        name = node[1]
        path = prefix + [name]
        for item in node[2:]:
            if item[0] == "NET":
                for n in item[1:]:
                    f = {k[0]: int(k[1]) for k in n[1:]}
                    bits["/".join(path + [n[0]])] = [f["T0"], f["T1"], f["TX"], f["TZ"], f["TC"]]
            elif item[0] == "INSTANCE":
                walk(item, path)

    for item in root[1:]:
        if item[0] == "DURATION":
            duration = int(item[1])
        elif item[0] == "INSTANCE":
            walk(item, [])
    return bits, duration


def compare(label, saif_path, fst_path, window, half, python, work):
    vcd_path = os.path.join(work, label + ".vcd")
    with open(vcd_path, "w") as f:
        subprocess.run(["fst2vcd", fst_path], stdout=f, check=True)
    begin, end = window
    r = subprocess.run([python, "-c", CHECKER, vcd_path, str(begin), str(end), str(half)], capture_output=True,
                       text=True)
    if r.returncode != 0:
        fail("%s: checker: %s" % (label, r.stderr.strip()))
    want = json.loads(r.stdout)
    with open(saif_path) as f:
        got, duration = parse_saif(f.read())
    if duration != want["end"] - begin:
        fail("%s: SAIF duration %s, expected %d (the run's end %d - window begin %d)" %
             (label, duration, want["end"] - begin, want["end"], begin))
    if set(got) != set(want["bits"]):
        only_saif = sorted(set(got) - set(want["bits"]))[:5]
        only_vcd = sorted(set(want["bits"]) - set(got))[:5]
        fail("%s: net bits differ: only in SAIF %s, only in VCD %s" % (label, only_saif, only_vcd))
    toggles = 0
    for name, g in got.items():
        if g != want["bits"][name]:
            fail("%s: %s: SAIF (T0 T1 TX TZ TC) %s, from the VCD %s" % (label, name, g, want["bits"][name]))
        toggles += g[4]
    print("%s: %d net bits, %d toggles, duration %d ps: SAIF equals the VCD's counts on every bit" %
          (label, len(got), toggles, duration))
    return len(got), toggles


def window_of(out):
    m = re.search(r"^saif: .* window from trace time \[(\d+), (\d+)\) ps\)$", out, re.M)
    if not m:
        fail("aimc3d run --saif printed no saif line with its window:\n" + out)
    return int(m.group(1)), int(m.group(2))


def run(cmd, env):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        fail("%s: exit %d: %s" % (" ".join(cmd), r.returncode, (r.stderr or r.stdout).strip()))
    return r.stdout


def main():
    aimc3d, python, workdir = sys.argv[1:4]
    if not os.access(python, os.X_OK):
        print("no %s: run tools/setup --venv BUILD/venv" % python)
        sys.exit(77)
    work = os.path.join(workdir, "saif_check")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ)
    chip = ["run", "--engine", "cosim", "--model", "tiny-moe", "--chip", "paper", "--tokens", "2", "--batch", "2"]
    period = 1000  # the paper preset's 1 GHz clock, ps (model/presets/chips/paper.json)
    # whole run, with the waveform
    fst = os.path.join(work, "chip.fst")
    report = os.path.join(work, "chip.json")
    out = run([aimc3d] + chip + ["--trace", fst, "--saif", os.path.join(work, "chip.saif"), "--report", report], env)
    lo, hi = window_of(out)
    with open(report) as f:
        setup = json.load(f)["trace"]["setup_cycles"]
    if lo != setup * period:
        fail("--saif: the whole run's window begins at %d ps, expected cycle 0 of the decode at %d ps (%d setup "
             "cycles)" % (lo, setup * period, setup))
    compare("chip", os.path.join(work, "chip.saif"), fst, (lo, 0), period // 2, python, work)
    # a window of cycles [40, 300) of the run: the same run again, SAIF only (the trace stays private)
    out = run([aimc3d] + chip + ["--trace", os.path.join(work, "chip2.fst"), "--saif",
                                 os.path.join(work, "window.saif"), "--saif-window", "40:300"], env)
    lo, hi = window_of(out)
    if hi - lo != 260 * period or lo != (setup + 40) * period:
        fail("--saif-window 40:300: trace time [%d, %d) ps is not 260 whole cycles of %d ps" % (lo, hi, period))
    compare("chip window", os.path.join(work, "window.saif"), os.path.join(work, "chip2.fst"), (lo, hi),
            period // 2, python, work)
    # SAIF without --trace leaves no waveform behind
    saif_only = os.path.join(work, "only.saif")
    run([aimc3d] + chip + ["--saif", saif_only], env)
    left = sorted(f for f in os.listdir(work) if f.startswith("only") and f != "only.saif")
    if left or not os.path.exists(saif_only):
        fail("--saif without --trace: expected only.saif alone, found %s" % left)
    # the tile cosim
    tile_fst = os.path.join(work, "tile.fst")
    run([aimc3d, "cosim", "--tokens", "3", "--mvms-per-token", "2", "--trace", tile_fst, "--saif",
         os.path.join(work, "tile.saif")], env)
    compare("tile", os.path.join(work, "tile.saif"), tile_fst, (0, 0), period // 2, python, work)
    # bad input: one line, exit 2, nothing written
    bad = subprocess.run([aimc3d] + chip[:2] + ["fast"] + chip[3:] + ["--saif", os.path.join(work, "bad.saif")],
                         capture_output=True, text=True)
    if bad.returncode != 2 or len(bad.stderr.strip().splitlines()) != 1 or os.path.exists(os.path.join(work, "bad.saif")):
        fail("--saif with the fast engine: expected one error line and exit 2, got %d: %s" %
             (bad.returncode, bad.stderr))
    print("bad input: %s" % bad.stderr.strip())


if __name__ == "__main__":
    main()
