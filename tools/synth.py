#!/usr/bin/env python3
"""Synthesizes the chip's RTL with Yosys (generic gates) and reports each block's cells and an area estimate.

usage: synth.py [--param NAME=VALUE ...] [--json OUT] [--markdown] [--yosys yosys] RTL_DIR

One Yosys run over the whole chip, hierarchy kept (each block is synthesized once with the parameters the chip
gives it; `ifndef SYNTHESIS` code is left out), mapped to two-input NAND/NOR, inverters and plain D flip-flops
(enables and resets become gates), and latches (the tiles' clock gates).  Area: those cells at the Nangate 45 nm Open Cell Library's X1 areas
(FreePDK45: INV_X1 0.532, NAND2_X1 and NOR2_X1 0.798, DFF_X1 4.522 um^2), memories (the dispatcher's mapping
tables) at a 45 nm 6T SRAM bit cell of 0.346 um^2 (Intel 45 nm, Mistry et al., IEDM 2007), array periphery not
included.  Exits 1 when Yosys fails or a block is missing or empty (the test in tb/hw)."""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

BLOCKS = ["tier_select_ctrl", "dac_periphery", "adc_periphery", "tile", "token_dispatcher", "chip"]
SOURCES = ["tier_select_ctrl.sv", "dac_periphery.sv", "adc_periphery.sv", "tile.sv", "token_dispatcher.sv",
           "chip.sv"]
# The build's chip (hw/meson.build: the 16-tile Verilated chip and the tile maxima)
BUILD_PARAMS = {"TILES": 16, "TIERS": 16, "SLOTS": 32, "JOB_W": 10, "QDEPTH": 4, "ENTRIES": 4096, "BLOCKS": 16384,
                "SEQS": 64, "ROWS": 512, "B_IN": 8, "NADC": 64, "B_OUT": 16}
# the tiles' clock-gate latches are counted at the flip-flop's area (an upper bound for a latch or ICG cell)
CELL_UM2 = {"$_NOT_": 0.532, "$_NAND_": 0.798, "$_NOR_": 0.798, "$_DFF_P_": 4.522, "$_DLATCH_N_": 4.522}
SRAM_BIT_UM2 = 0.346
SRAM_MIN_WORDS = 256
NAND2_UM2 = 0.798


def block_of(module):
    """'$paramod\\tile\\ROWS=...' or '$paramod$hash\\tile' or '\\tile' -> 'tile'."""
    parts = [p for p in module.split("\\") if p and not p.startswith("$paramod")]
    return parts[0] if parts else module


def run_yosys(yosys, rtl, params, workdir):
    stat = os.path.join(workdir, "stat.json")
    chparams = " ".join("-chparam %s %d" % kv for kv in params.items())
    script = "\n".join([
        "read_verilog -sv " + " ".join(os.path.join(rtl, s) for s in SOURCES),
        "hierarchy -check -top chip " + chparams,
        "synth -top chip -run :fine",
        # small memories (queues, per-slot tables) are register files: flip-flops; the mapping tables stay memories
        "memory_map t:$mem_v2 r:SIZE<%d" % SRAM_MIN_WORDS,
        "opt_clean",
        "tee -q -o %s dump t:$mem_v2" % os.path.join(workdir, "memories.il"),
        "techmap",
        "dfflegalize -cell $_DFF_P_ x -cell $_DLATCH_N_ x",
        "abc -g cmos2",
        "opt_clean",
        "tee -q -o %s stat -json" % stat,
    ])
    ys = os.path.join(workdir, "synth.ys")
    with open(ys, "w") as f:
        f.write(script + "\n")
    log = os.path.join(workdir, "yosys.log")
    t0 = time.monotonic()
    with open(log, "w") as out:
        rc = subprocess.call([yosys, "-q", "-l", log + ".full", "-s", ys], stdout=out, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - t0
    if rc != 0:
        sys.stdout.write(open(log).read())
        errors = [l for l in open(log + ".full") if "ERROR" in l]
        print("synth: yosys failed (exit %d)%s" % (rc, (": " + errors[-1].strip()) if errors else ""))
        sys.exit(1)
    # Yosys 0.23's stat -json also prints the hierarchy's instance lines into the file: keep the JSON lines
    text = "".join(l for l in open(stat) if not re.match(r"^\s+[$\\]", l))
    return json.loads(text), memories(os.path.join(workdir, "memories.il")), seconds


def memories(path):
    """module -> memory bits of the $mem_v2 cells left (WIDTH x SIZE each), from Yosys's dump."""
    bits, module, width = {}, None, None
    for line in open(path):
        w = line.split()
        if not w:
            continue
        if w[0] == "module":
            module = block_of(w[1])
        elif w[0] == "parameter" and w[1] == "\\WIDTH":
            width = int(w[2].split("'")[-1], 2) if "'" in w[2] else int(w[2])
        elif w[0] == "parameter" and w[1] == "\\SIZE":
            size = int(w[2].split("'")[-1], 2) if "'" in w[2] else int(w[2])
            bits[module] = bits.get(module, 0) + size * (width or 0)
            width = None
    return bits


def summarize(stat, mem_bits):
    mods = {}
    for name, m in stat["modules"].items():
        own = {t: n for t, n in m["num_cells_by_type"].items() if t.startswith("$_")}
        # instances of other modules ('$paramod$<hash>\\tile' too), by block
        subs = {block_of(t): n for t, n in m["num_cells_by_type"].items() if t in stat["modules"]}
        unknown = [t for t in own if t not in CELL_UM2]
        if unknown:
            print("synth: %s: cells outside the area table: %s" % (name, unknown))
            sys.exit(1)
        mods[block_of(name)] = {"own_cells": own, "instances": subs, "memory_bits": mem_bits.get(block_of(name), 0)}

    def total(block):
        m = mods[block]
        cells = dict(m["own_cells"])
        bits = m["memory_bits"]
        for sub, n in m["instances"].items():
            c, b = total(sub)
            for t, k in c.items():
                cells[t] = cells.get(t, 0) + n * k
            bits += n * b
        return cells, bits

    out = {}
    for b in BLOCKS:
        if b not in mods:
            print("synth: block %s is missing from the synthesized design" % b)
            sys.exit(1)
        cells, bits = total(b)
        logic = sum(n * CELL_UM2[t] for t, n in cells.items())
        out[b] = {"cells": sum(cells.values()), "flip_flops": cells.get("$_DFF_P_", 0),
                  "latches": cells.get("$_DLATCH_N_", 0),
                  "gates": sum(n for t, n in cells.items() if t not in ("$_DFF_P_", "$_DLATCH_N_")),
                  "cells_by_type": cells, "memory_bits": bits,
                  "logic_area_um2": round(logic, 1), "memory_area_um2": round(bits * SRAM_BIT_UM2, 1),
                  "nand2_equivalents": round(logic / NAND2_UM2),
                  "instances": mods[b]["instances"]}
        if out[b]["cells"] == 0:
            print("synth: block %s synthesized to no cells" % b)
            sys.exit(1)
    return out


def markdown(res, params, seconds):
    lines = ["| block | cells | of which flip-flops | NAND2 equivalents | logic area (um^2) | memory bits | "
             "memory area (um^2) |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for b in BLOCKS:
        r = res[b]
        lines.append("| %s | %d | %d | %d | %.0f | %d | %.0f |" % (b, r["cells"], r["flip_flops"],
                     r["nand2_equivalents"], r["logic_area_um2"], r["memory_bits"], r["memory_area_um2"]))
    lines.append("")
    lines.append("Parameters: " + ", ".join("%s=%d" % kv for kv in params.items()) +
                 "; Yosys %.0f s." % seconds)
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rtl")
    ap.add_argument("--param", action="append", default=[], help="NAME=VALUE of the chip (default: the build's)")
    ap.add_argument("--json")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--yosys", default="yosys")
    ap.add_argument("--workdir")
    a = ap.parse_args()
    params = dict(BUILD_PARAMS)
    for p in a.param:
        k, v = p.split("=", 1)
        if k not in params:
            ap.error("--param %s: not a chip parameter (%s)" % (k, ", ".join(params)))
        params[k] = int(v)
    work = a.workdir or tempfile.mkdtemp(prefix="aimc3d-synth-")
    os.makedirs(work, exist_ok=True)
    stat, mem_bits, seconds = run_yosys(a.yosys, a.rtl, params, work)
    res = summarize(stat, mem_bits)
    for b in BLOCKS:
        r = res[b]
        print("synth: %-16s %8d cells (%6d flip-flops) %9d NAND2-eq  logic %12.0f um^2  memory %8d bits %10.0f um^2"
              % (b, r["cells"], r["flip_flops"], r["nand2_equivalents"], r["logic_area_um2"], r["memory_bits"],
                 r["memory_area_um2"]))
    tiles = params["TILES"]
    digital = res["chip"]["logic_area_um2"] + res["chip"]["memory_area_um2"]
    print("synth: the chip's digital control: %.3f mm^2 for %d tiles (%.4f mm^2 per tile), Yosys %.0f s"
          % (digital / 1e6, tiles, digital / 1e6 / tiles, seconds))
    if a.json:
        with open(a.json + ".tmp", "w") as f:
            json.dump({"params": params, "yosys_seconds": round(seconds, 1), "blocks": res}, f, indent=1)
        os.replace(a.json + ".tmp", a.json)
    if a.markdown:
        print(markdown(res, params, seconds))


if __name__ == "__main__":
    main()
