#!/usr/bin/env python3
"""Builds the libFuzzer harnesses (tb/fuzz/fuzz_*.c) with clang and runs each for a given time.

The clang build is its own folder (--out) with its own ninja file, written here: the model library's C sources
and their flags come from the gcc build's meson introspection (--meson-build: its meson-info/intro-targets.json),
so the list never drifts from model/*/meson.build, and nothing in the gcc build is touched (no meson
reconfigure, no second compiler in it).  Objects get -fsanitize=fuzzer-no-link,address,undefined, the
harnesses -fsanitize=fuzzer,address,undefined; UBSan findings abort (-fno-sanitize-recover=all).

Every harness runs with its seed corpus (tb/fuzz/corpus/<name>/ plus the shipped inputs named in
harnesses.json) and a fresh working corpus, one process per core.  It prints the executions and the
findings (crash, leak, timeout, out-of-memory files: artifacts in OUT/findings/<name>/) of each, then the
totals; exit status 1 on any finding or a harness that did not run.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLANG = "clang-14"
SAN = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]


def library(meson_build):
    """The model library's C sources and the compile flags that matter (-I, -D, -std) from meson."""
    with open(os.path.join(meson_build, "meson-info", "intro-targets.json")) as f:
        targets = json.load(f)
    found = {}
    for t in targets:
        if t["name"] in ("aimc3d_model", "aimc3d_presets_build"):  # the library, and its preset folder's one unit
            for s in t["target_sources"]:
                if s["language"] == "c":
                    found[t["name"]] = (s["sources"], [p for p in s["parameters"] if p.startswith(("-I", "-D", "-std="))])
    if len(found) != 2:
        raise SystemExit("fuzz: no aimc3d_model and aimc3d_presets_build targets in %s (configure the meson build "
                         "first)" % meson_build)
    sources, flags = found["aimc3d_model"]
    presets_sources, presets_flags = found["aimc3d_presets_build"]
    return sources + presets_sources, flags + [p for p in presets_flags if p.startswith("-DAIMC_PRESETS_DIR")]


def write_ninja(out, src, sources, flags, harnesses, cc):
    libs = subprocess.run(["pkg-config", "--libs", "json-c", "openblas", "zlib"], check=True, capture_output=True,
                          text=True).stdout.split() + ["-lgsl", "-lm", "-lpthread"]
    q = lambda args: " ".join(shlex.quote(a) for a in args)
    lines = [
        "# written by tb/fuzz/fuzz.py: the clang/libFuzzer build of the model library and the harnesses",
        "cc = %s" % q(cc),
        "cflags = %s" % q(flags + ["-g", "-O1", "-Wall", "-Wextra"] + SAN),
        "rule cc",
        "  command = $cc $cflags $extra -MD -MF $out.d -c $in -o $out",
        "  depfile = $out.d",
        "  deps = gcc",
        "  description = CC (fuzz) $in",
        "rule ar",
        "  command = rm -f $out && ar rcs $out $in",
        "  description = AR $out",
        "rule link",
        "  command = $cc -fsanitize=fuzzer $cflags $in -o $out %s" % q(libs),
        "  description = LINK (fuzz) $out",
    ]
    objs = []
    for s in sources:
        o = "obj/" + os.path.relpath(s, src).replace("/", "_") + ".o"
        lines += ["build %s: cc %s" % (o, s), "  extra = -fsanitize=fuzzer-no-link"]
        objs.append(o)
    lines.append("build libmodel.a: ar %s" % " ".join(objs))
    for h in harnesses:
        c = os.path.join(HERE, "fuzz_%s.c" % h)
        lines += ["build obj/fuzz_%s.o: cc %s" % (h, c),
                  "  extra = -fsanitize=fuzzer-no-link -D_GNU_SOURCE -I%s" % HERE,
                  "build fuzz_%s: link obj/fuzz_%s.o libmodel.a" % (h, h)]
    text = "\n".join(lines) + "\n"
    path = os.path.join(out, "build.ninja")
    old = open(path).read() if os.path.exists(path) else None
    if old != text:
        with open(path, "w") as f:
            f.write(text)


def seeds(src, name, spec):
    """The seed files of a harness: its committed corpus folder and the shipped inputs its manifest names."""
    files = sorted(glob.glob(os.path.join(HERE, "corpus", name, "*")))
    for pattern in spec.get("seeds", []):
        files += sorted(glob.glob(os.path.join(src, pattern)))
    return [f for f in files if os.path.isfile(f)]


def run_one(name, spec, args, env):
    run = os.path.join(args.out, "run", name)
    findings = os.path.join(args.out, "findings", name)
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(os.path.join(run, "corpus"))
    os.makedirs(os.path.join(run, "seeds"))
    os.makedirs(findings, exist_ok=True)
    seed_files = seeds(args.src, name, spec)
    for i, f in enumerate(seed_files):  # numbered copies: the same base name may come from two folders
        shutil.copyfile(f, os.path.join(run, "seeds", "%03d-%s" % (i, os.path.basename(f))))
    for pattern in spec.get("files", []):  # files the input names relative to itself (a sweep's columns, plots)
        for f in glob.glob(os.path.join(args.src, pattern)):
            shutil.copyfile(f, os.path.join(run, os.path.basename(f)))
    before = set(os.listdir(findings))
    cmd = [os.path.join(args.out, "fuzz_" + name), "-max_total_time=%d" % args.seconds, "-seed=%d" % args.seed,
           "-timeout=%d" % spec.get("timeout_s", 10), "-rss_limit_mb=2048",
           "-max_len=%d" % spec.get("max_len", 16384), "-print_final_stats=1",
           "-artifact_prefix=%s/" % findings, "-close_fd_mask=1",
           os.path.join(run, "corpus"), os.path.join(run, "seeds")]
    e = dict(env, TMPDIR=run)
    print("fuzz: seed %d (set with --seed or AIMC_TEST_SEED)" % args.seed)
    t0 = time.monotonic()
    with open(os.path.join(run, "log.txt"), "w") as log:
        p = subprocess.run(cmd, env=e, stdout=log, stderr=subprocess.STDOUT, cwd=run)
    seconds = time.monotonic() - t0
    text = open(os.path.join(run, "log.txt"), errors="replace").read()
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", text)
    execs = int(m.group(1)) if m else 0
    cov = re.findall(r"cov: (\d+) ft: (\d+) corp: (\d+)", text)
    new = sorted(set(os.listdir(findings)) - before)
    ok = p.returncode == 0 and not new and m is not None
    return {"name": name, "executions": execs, "seconds": round(seconds, 1), "findings": new,
            "seeds": len(seed_files), "corpus": int(cov[-1][2]) if cov else 0,
            "coverage": int(cov[-1][0]) if cov else 0, "status": p.returncode, "ok": ok,
            "log": os.path.join(run, "log.txt")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--meson-build", required=True, help="a configured meson build of aimc3d (for its sources)")
    ap.add_argument("--src", required=True, help="the source root")
    ap.add_argument("--out", required=True, help="the clang build folder (created)")
    ap.add_argument("--seconds", type=int, default=4, help="fuzzing time per harness")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("AIMC_TEST_SEED", "1")),
                    help="libFuzzer's seed (default $AIMC_TEST_SEED or 1; printed)")
    ap.add_argument("--jobs", type=int, default=2, help="harnesses fuzzed at once (and ninja's -j)")
    ap.add_argument("--only", help="run only the harnesses whose name matches this regex")
    ap.add_argument("--json", help="also write the figures here (JSON)")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # each parser's line as it finishes, also into a log
    args.src, args.out = os.path.abspath(args.src), os.path.abspath(args.out)
    if not shutil.which(CLANG):
        print("fuzz: %s not found (tools/setup installs clang-14 and libclang-rt-14-dev)" % CLANG)
        return 1
    with open(os.path.join(HERE, "harnesses.json")) as f:
        manifest = json.load(f)
    harnesses = [h for h in manifest if not args.only or re.search(args.only, h)]
    missing = sorted(set(re.sub(r"^fuzz_|\.c$", "", os.path.basename(p))
                         for p in glob.glob(os.path.join(HERE, "fuzz_*.c"))) - set(manifest))
    if missing:
        print("fuzz: harnesses without an entry in tb/fuzz/harnesses.json: %s" % ", ".join(missing))
        return 1
    os.makedirs(args.out, exist_ok=True)
    sources, flags = library(args.meson_build)
    cc = ([shutil.which("ccache")] if shutil.which("ccache") else []) + [CLANG]
    write_ninja(args.out, args.src, sources, flags, list(manifest), cc)
    t0 = time.monotonic()
    b = subprocess.run(["ninja", "-C", args.out, "-j%d" % args.jobs] + ["fuzz_" + h for h in harnesses],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if b.returncode:
        print(b.stdout[-6000:])
        print("fuzz: the clang build failed")
        return 1
    print("fuzz: clang build of %d harnesses and %d library sources in %.0f s (%s)"
          % (len(harnesses), len(sources), time.monotonic() - t0, args.out))
    env = dict(os.environ)
    env.update({"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0", "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
                "OPENBLAS_NUM_THREADS": "1", "AIMC3D_PRESETS": os.path.join(args.src, "model/presets")})
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for r in pool.map(lambda h: run_one(h, manifest[h], args, env), harnesses):
            results.append(r)
            print("fuzz_%-14s %12d executions in %5.0f s (%8.0f /s), coverage %5d, corpus %5d from %3d seeds, "
                  "%d findings%s" % (r["name"], r["executions"], r["seconds"], r["executions"] / max(r["seconds"], 1e-9),
                                     r["coverage"], r["corpus"], r["seeds"], len(r["findings"]),
                                     "" if r["ok"] else "  FAILED (status %d; log %s; %s)"
                                     % (r["status"], r["log"], ", ".join(r["findings"]) or "no artifact")))
            sys.stdout.flush()
    total = sum(r["executions"] for r in results)
    nfind = sum(len(r["findings"]) for r in results)
    bad = sum(not r["ok"] for r in results)
    print("fuzz: %d harnesses, %d executions, %d findings, %d failed (%d s each)"
          % (len(results), total, nfind, bad, args.seconds))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"seconds_each": args.seconds, "harnesses": results}, f, indent=1)
    return 1 if bad or not results else 0


if __name__ == "__main__":
    sys.exit(main())
