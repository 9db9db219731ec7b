#!/usr/bin/env python3
"""Outputs that survive signals, full disks and bad paths (issue 16 item 4), through the built program.

usage: outputs_test.py CASE AIMC3D SMALL_CHIP
Cases:
  signal_cosim     SIGINT to a long `cosim --trace`: exit 130, one line, the trace published and readable by
                   fst2vcd, no temporary left, no report
  signal_run       SIGTERM to a long `run --engine cosim --trace`: exit 143, the same
  signal_fast      SIGINT to a long fast `run --report`: exit 130, one line, nothing written
  full_disk        a 256 KiB tmpfs filled up: the report (stream), the cosim trace (the FST writer, which maps
                   its files) and the run's trace each fail with exit 2 and one line, never SIGBUS, no temporary
  trace_identical  two `cosim --trace` runs give byte-identical traces (the date is fixed)
  long_path        a --trace path of 1100 characters beside a file named as it minus its last character: that
                   file is untouched, the trace is written
  sweep_interrupt  SIGINT to `sweep run`: exit 130, the folder marked INCOMPLETE (naming what is missing),
                   `sweep collect` refuses with one line; a second run completes it and removes the marker
Signals are real, sent to a real running aimc3d once its trace temporary exists.  Mounting needs root (the test
container is); without it the full-disk case says so and fails.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

CASE, AIMC3D, SMALL_CHIP = sys.argv[1:4]
LONG_COSIM = ["cosim", "--chip", SMALL_CHIP, "--tokens", "65536", "--mvms-per-token", "1000"]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def one_line(stderr, pattern):
    lines = stderr.splitlines()
    if len(lines) != 1 or not lines[0].startswith("aimc3d: ") or not re.search(pattern, lines[0]):
        fail("expected one stderr line matching %r, got %r" % (pattern, stderr))
    return lines[0]


def leftovers(folder):
    return sorted(n for n in os.listdir(folder) if ".tmp." in n or n.endswith(".hier"))


def run_until(argv, cwd, ready, sig):
    """Starts aimc3d, waits until ready(cwd) holds (a temporary appeared), sends sig; returns (rc, out, err)."""
    p = subprocess.Popen([AIMC3D] + argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not ready(cwd):
        if p.poll() is not None:
            fail("aimc3d ended (%d) before it was signalled: %s" % (p.returncode, p.stderr.read()))
        if time.monotonic() > deadline:
            p.kill()
            fail("no temporary appeared in 300 s")
        time.sleep(0.05)
    time.sleep(0.5)  # the run is well under way
    p.send_signal(sig)
    out, err = p.communicate(timeout=300)
    return p.returncode, out, err


def has_temp(cwd):
    return any(".tmp." in n for n in os.listdir(cwd))


def check_trace(path):
    p = subprocess.run(["fst2vcd", path], capture_output=True, text=True)
    if p.returncode != 0 or "$enddefinitions" not in p.stdout or "#" not in p.stdout:
        fail("fst2vcd cannot read %s: %s" % (path, p.stderr[:300]))
    with open(path, "rb") as f:
        if b"date omitted" not in f.read(512):
            fail("%s: the header's date is not the fixed stamp" % path)
    return len(p.stdout)


def signal_case(argv, sig, status, trace):
    with tempfile.TemporaryDirectory() as tmp:
        start = time.monotonic()
        # with a trace: once its temporary exists; without: once the run is a second old (it has no temporary
        # before its end)
        ready = has_temp if trace else (lambda _: time.monotonic() - start > 1.0)
        rc, out, err = run_until(argv, tmp, ready, sig)
        name = "SIGINT" if sig == signal.SIGINT else "SIGTERM"
        if rc != status:
            fail("exit %d, expected %d (stderr %r)" % (rc, status, err))
        line = one_line(err, "interrupted by %s" % name)
        if leftovers(tmp):
            fail("temporaries left: %s" % leftovers(tmp))
        files = sorted(os.listdir(tmp))
        if trace:
            if files not in (["t.fst"], ["t.fst", "t.gtkw"]):
                fail("expected only the trace t.fst (and its layout), found %s" % files)
            n = check_trace(os.path.join(tmp, "t.fst"))
            print("ok: %s -> exit %d, %r; t.fst readable (%d bytes of VCD), nothing else" % (name, rc, line, n))
        else:
            if files:
                fail("expected nothing written, found %s" % files)
            print("ok: %s -> exit %d, %r; nothing written" % (name, rc, line))


def mount_small(folder, size="256k"):
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", folder], capture_output=True,
                       text=True)
    if p.returncode != 0:
        fail("cannot mount a small tmpfs (needs root): %s" % p.stderr.strip())


def fill(folder, leave):
    """Fills the file system of folder up to `leave` bytes free (a filler file)."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    with open(os.path.join(folder, "filler"), "wb") as f:
        f.write(b"\0" * max(0, free - leave))


def full_disk():
    with tempfile.TemporaryDirectory() as tmp:
        disk = os.path.join(tmp, "disk")
        os.mkdir(disk)
        mount_small(disk)
        try:
            checks = [
                ("report (stream)", ["run", "--engine", "fast", "--model", "tiny-moe", "--chip", "paper", "--tokens", "64", "--per-layer",
                                     "--report", os.path.join(disk, "r.json")], 4096),
                ("cosim trace (FST)", ["cosim", "--chip", SMALL_CHIP, "--tokens", "256",
                                       "--trace", os.path.join(disk, "t.fst")], 8192),
                ("cosim trace, hierarchy full", ["cosim", "--chip", SMALL_CHIP, "--tokens", "256",
                                                 "--trace", os.path.join(disk, "t.fst")], 0),
                ("run trace (FST)", ["run", "--engine", "cosim", "--model", "tiny-moe", "--chip", "paper", "--tokens", "4",
                                     "--trace", os.path.join(disk, "t.fst")], 16384),
            ]
            for what, argv, leave in checks:
                fill(disk, leave)
                p = subprocess.run([AIMC3D] + argv, capture_output=True, text=True, cwd=tmp)
                if p.returncode < 0:
                    fail("%s: killed by signal %d on a full disk" % (what, -p.returncode))
                if p.returncode != 2:
                    fail("%s: exit %d on a full disk, expected 2 (stderr %r)" % (what, p.returncode, p.stderr))
                line = one_line(p.stderr, r"No space left on device|is the disk full")
                left = sorted(n for n in os.listdir(disk) if n != "filler")
                if left:
                    fail("%s: left on the full disk: %s" % (what, left))
                os.remove(os.path.join(disk, "filler"))
                print("ok: %s on a full disk (%d bytes free) -> exit 2, %r, nothing left" % (what, leave, line))
        finally:
            subprocess.run(["umount", disk])


def trace_identical():
    with tempfile.TemporaryDirectory() as tmp:
        blobs = []
        for name in ("a.fst", "b.fst"):
            p = subprocess.run([AIMC3D, "cosim", "--chip", SMALL_CHIP, "--tokens", "8", "--trace", name],
                               capture_output=True, text=True, cwd=tmp)
            if p.returncode != 0:
                fail("cosim --trace exited %d: %s" % (p.returncode, p.stderr))
            with open(os.path.join(tmp, name), "rb") as f:
                blobs.append(f.read())
            check_trace(os.path.join(tmp, name))
        if blobs[0] != blobs[1]:
            fail("two cosim --trace runs differ")
        print("ok: two cosim --trace runs give identical traces (%d bytes)" % len(blobs[0]))


def long_path():
    with tempfile.TemporaryDirectory() as tmp:
        # folders of 200 characters until the trace's path is exactly 1100 characters long
        folder = tmp
        while len(folder) + 1 + 200 + 1 + 8 < 1100:
            folder = os.path.join(folder, "d" * 200)
            os.mkdir(folder)
        name = "t" * (1100 - len(folder) - 1 - 4) + ".fst"
        trace = os.path.join(folder, name)
        assert len(trace) == 1100
        victim = trace[:-1]
        with open(victim, "w") as f:
            f.write("unrelated\n")
        p = subprocess.run([AIMC3D, "cosim", "--chip", SMALL_CHIP, "--tokens", "4", "--trace", trace],
                           capture_output=True, text=True)
        if p.returncode != 0:
            fail("cosim --trace (1100 characters) exited %d: %s" % (p.returncode, p.stderr))
        with open(victim) as f:
            if f.read() != "unrelated\n":
                fail("the file named as the trace minus its last character was overwritten")
        check_trace(trace)
        if leftovers(folder):
            fail("temporaries left: %s" % leftovers(folder))
        print("ok: a 1100-character --trace path is written, the file beside it untouched")


def sweep_interrupt():
    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "spec.json")
        with open(spec, "w") as f:
            json.dump({"format": "aimc3d-sweep/1", "name": "long",
                       "base": {"model": "tiny-moe", "chip": "paper",
                                "run": {"engine": "fast", "tokens": 20000, "prompt": 8}},
                       "axes": [{"path": "run.seed", "values": list(range(1, 9))}]}, f)
        sweep = os.path.join(tmp, "sw")
        p = subprocess.run([AIMC3D, "sweep", "plan", spec, "--out", sweep], capture_output=True, text=True)
        if p.returncode != 0:
            fail("sweep plan exited %d: %s" % (p.returncode, p.stderr))

        def some_result(_):
            points = os.path.join(sweep, "points")
            return os.path.isdir(points) and any(n.endswith(".json") for n in os.listdir(points))

        rc, out, err = run_until(["sweep", "run", sweep, "--jobs", "1"], tmp, some_result, signal.SIGINT)
        if rc != 130:
            fail("sweep run: exit %d after SIGINT, expected 130 (%r)" % (rc, err))
        one_line(err, "interrupted by SIGINT")
        marker = os.path.join(sweep, "INCOMPLETE")
        if not os.path.exists(marker):
            fail("the interrupted sweep folder is not marked INCOMPLETE")
        with open(marker) as f:
            text = f.read()
        if "not run" not in text:
            fail("INCOMPLETE does not name what is missing: %r" % text)
        if leftovers(os.path.join(sweep, "points")):
            fail("temporaries left: %s" % leftovers(os.path.join(sweep, "points")))
        p = subprocess.run([AIMC3D, "sweep", "collect", sweep, "--no-plots"], capture_output=True, text=True)
        if p.returncode != 2:
            fail("sweep collect of an incomplete folder exited %d" % p.returncode)
        one_line(p.stderr, "incomplete")
        if os.path.exists(os.path.join(sweep, "table.csv")):
            fail("sweep collect wrote a table of an incomplete folder")
        p = subprocess.run([AIMC3D, "sweep", "run", sweep, "--jobs", "2"], capture_output=True, text=True)
        if p.returncode != 0 or os.path.exists(marker):
            fail("the second sweep run did not complete the folder (%d, %s)" % (p.returncode, p.stderr))
        print("ok: SIGINT -> exit 130, INCOMPLETE (%s), collect refuses; a second run completes it"
              % text.strip().splitlines()[0])


cases = {
    "signal_cosim": lambda: signal_case(LONG_COSIM + ["--trace", "t.fst", "--report", "r.json"], signal.SIGINT, 130,
                                        True),
    "signal_run": lambda: signal_case(["run", "--engine", "cosim", "--model", "tiny-moe", "--chip", "paper", "--tokens", "100000",
                                       "--trace", "t.fst", "--report", "r.json"], signal.SIGTERM, 143, True),
    "signal_fast": lambda: signal_case(["run", "--engine", "fast", "--model", "tiny-moe", "--chip", "paper", "--tokens", "16000000",
                                        "--write-routing-trace", "routes.jsonl", "--report", "r.json"],
                                       signal.SIGINT, 130, False),
    "full_disk": full_disk,
    "trace_identical": trace_identical,
    "long_path": long_path,
    "sweep_interrupt": sweep_interrupt,
}
if CASE not in cases:
    fail("unknown case " + CASE)
cases[CASE]()
