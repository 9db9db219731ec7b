#!/usr/bin/env python3
"""aimc3d under a small address-space limit (issue 16 item 6): every command ends, with status 0 or with one
error line, never a hang at exit (OpenBLAS's worker spun in its allocator and exit() joined it).

The limit is set in the child only (resource.setrlimit in preexec_fn); each run has a timeout, and a
timeout is the failure this test exists for."""
import argparse
import resource
import subprocess
import sys

LIMITS_MB = [60, 80, 120, 200]
COMMANDS = [["model", "show", "tiny-moe"], ["map", "--model", "tiny-moe", "--chip", "paper"],
            ["run", "--model", "tiny-moe", "--chip", "paper", "--engine", "fast", "--tokens", "4"]]


def run(aimc3d, argv, mb, env):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))
    try:
        p = subprocess.run([aimc3d] + argv, preexec_fn=limit, capture_output=True, timeout=60, env=env)
    except subprocess.TimeoutExpired:
        return "hung (killed after 60 s)"
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode == 0:
        return None
    lines = err.splitlines()
    if p.returncode < 0:
        return "killed by signal %d: %s" % (-p.returncode, err[-300:])
    if len(lines) != 1 or not lines[0].startswith("aimc3d: "):
        return "status %d with %d stderr lines: %s" % (p.returncode, len(lines), err[-300:])
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aimc3d", required=True)
    a = ap.parse_args()
    import os
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")}
    # AddressSanitizer reserves terabytes of address space: a sanitized build cannot run under RLIMIT_AS
    if subprocess.run(["grep", "-q", "__asan_init", a.aimc3d]).returncode == 0:
        print("low memory: skipped, %s is built with AddressSanitizer (it needs more address space)" % a.aimc3d)
        return 77
    failed = 0
    for mb in LIMITS_MB:
        for argv in COMMANDS:
            why = run(a.aimc3d, argv, mb, env)
            print("%-4s %4d MB  aimc3d %s%s" % ("ok" if not why else "FAIL", mb, " ".join(argv), "" if not why else ": " + why))
            failed += why is not None
    print("%d of %d runs ended cleanly" % (len(LIMITS_MB) * len(COMMANDS) - failed, len(LIMITS_MB) * len(COMMANDS)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
