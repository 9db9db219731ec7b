#!/usr/bin/env python3
"""Builds one RTL block and runs its cocotb bench (bench_<block>.py) through cocotb's Python runner.

    run_bench.py --block tile --sim verilator --rtl-dir hw --scoreboard BUILD/tb/cocotb/libaimc_scoreboard.so \
                 --build-dir BUILD/tb/cocotb/verilator/tile [--seed N] [--cycles N] [--waves]

--waves writes BUILD_DIR/dump.fst (open it with gtkwave).

The seed (printed) comes from --seed, else $AIMC_COCOTB_SEED, else the clock.  Exit status 0 when every test of
the bench passed (the scoreboard agreed on every cycle and the FSM coverage is complete), 1 otherwise."""
import argparse
import contextlib
import json
import os
import sys
import time
import warnings
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))

# Per block: its RTL files (in dependency order), top module, and the small parameters the bench runs at.
BLOCKS = {
    "tier_select_ctrl": (["tier_select_ctrl.sv"], {"TIERS": 4, "TAG_W": 8}),
    "dac_periphery": (["dac_periphery.sv"], {"ROWS": 8, "B_IN": 5}),
    "adc_periphery": (["adc_periphery.sv"], {"NADC": 4, "B_OUT": 6}),
    "tile": (["tier_select_ctrl.sv", "dac_periphery.sv", "adc_periphery.sv", "tile.sv"],
             {"TIERS": 4, "TAG_W": 8, "ROWS": 8, "B_IN": 5, "NADC": 4, "B_OUT": 6}),
    "token_dispatcher": (["token_dispatcher.sv"],
                         {"TILES": 4, "TIER_W": 2, "SLOTS": 4, "JOB_W": 6, "MAX_UNITS": 4, "UNIT_W": 8,
                          "LAYER_W": 8, "PHASE_W": 2, "ENTRIES": 64, "BLOCKS": 256, "QDEPTH": 2}),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--block", required=True, choices=sorted(BLOCKS))
    ap.add_argument("--sim", required=True, choices=["verilator", "icarus"])
    ap.add_argument("--rtl-dir", required=True)
    ap.add_argument("--scoreboard", required=True, help="the reference models' shared library")
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--cycles", type=int, help="stimulus length (each bench has its default)")
    ap.add_argument("--waves", action="store_true", help="write a waveform into the build dir")
    ap.add_argument("--define", action="append", default=[], help="a Verilog define (e.g. a fault to inject)")
    ap.add_argument("--expect-failure", metavar="TEXT",
                    help="pass only if the bench fails with a problem that mentions TEXT (the bench can fail)")
    a = ap.parse_args()

    seed = a.seed if a.seed is not None else int(os.environ.get("AIMC_COCOTB_SEED", int(time.time()) % 100000))
    print(f"cocotb bench {a.block} on {a.sim}: seed {seed} (rerun with --seed {seed})", flush=True)
    sources, params = BLOCKS[a.block]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cocotb 1.8 flags its runner as experimental
        from cocotb.runner import get_runner
    runner = get_runner(a.sim)
    build_args = []
    if a.sim == "verilator":
        # Verilator's default warnings stay fatal (the blocks have none); the C++ unoptimized (make's
        # command-line variables through MAKEFLAGS): a bench's time is Python's, the build's is the compiler's
        build_args = []
        os.environ["MAKEFLAGS"] = (os.environ.get("MAKEFLAGS", "") + " OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0").strip()
        if a.waves:
            build_args += ["--trace-fst"]  # cocotb's Verilator main writes dump.fst into the build dir
    extra_sources = []
    if a.waves and a.sim == "icarus":
        # cocotb 1.8's Icarus runner adds no dump: a second root module that dumps the block
        os.makedirs(a.build_dir, exist_ok=True)
        dump = os.path.join(os.path.abspath(a.build_dir), "aimc_waves.sv")
        with open(dump, "w") as f:
            f.write(f'module aimc_waves; initial begin $dumpfile("{os.path.dirname(dump)}/dump.fst"); '
                    f'$dumpvars(0, {a.block}); end endmodule\n')
        extra_sources = [dump]
        build_args = ["-s", a.block, "-s", "aimc_waves"]
    t0 = time.time()
    runner.build(verilog_sources=[os.path.join(a.rtl_dir, s) for s in sources] + extra_sources,
                 hdl_toplevel=a.block,
                 parameters=params, defines={d: 1 for d in a.define}, build_args=build_args,
                 build_dir=a.build_dir, always=True)
    t1 = time.time()
    report = os.path.join(os.path.abspath(a.build_dir), "bench_report.json")
    with contextlib.suppress(FileNotFoundError):
        os.remove(report)
    env = {"VIRTUAL_ENV": sys.prefix, "AIMC_SCOREBOARD_LIB": os.path.abspath(a.scoreboard),
           "PYTHONPYCACHEPREFIX": os.path.join(os.path.abspath(a.build_dir), "pycache"),  # not in the sources
           "AIMC_BENCH_PARAMS": repr(params), "AIMC_BENCH_REPORT": report,
           "PYTHONPATH": HERE + os.pathsep + os.environ.get("PYTHONPATH", "")}
    if a.cycles:
        env["AIMC_BENCH_CYCLES"] = str(a.cycles)
    plusargs = ["-fst"] if a.waves and a.sim == "icarus" else []  # vvp: FST, an argument after the file
    results = runner.test(test_module="bench_" + a.block, hdl_toplevel=a.block, build_dir=a.build_dir,
                          test_dir=a.build_dir, seed=seed, extra_env=env, waves=a.waves, plusargs=plusargs)
    t2 = time.time()
    tests = failures = 0
    for case in ET.parse(results).getroot().iter("testcase"):
        tests += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failures += 1
    if a.waves:
        print(f"waveform: {os.path.join(os.path.abspath(a.build_dir), 'dump.fst')}", flush=True)
    problems = []
    if os.path.exists(report):
        with open(report) as f:
            problems = json.load(f)["problems"]
    print(f"cocotb bench {a.block} on {a.sim}: {tests - failures}/{tests} tests passed, seed {seed}, "
          f"build {t1 - t0:.1f} s, run {t2 - t1:.1f} s", flush=True)
    if a.expect_failure is not None:
        caught = tests and failures == tests and any(a.expect_failure in p for p in problems)
        print(f"expected a failure mentioning '{a.expect_failure}': " +
              ("caught: " + " | ".join(problems) if caught else "NOT caught"), flush=True)
        sys.exit(0 if caught else 1)
    sys.exit(0 if tests and not failures else 1)


if __name__ == "__main__":
    main()
