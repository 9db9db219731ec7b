#!/usr/bin/env python3
"""Opens every layout aimc3d generates in GTKWave itself, under a private Xvfb, from the run's folder, from the
layout's own folder and from an unrelated one, and fails when GTKWave cannot load the layout's dumpfile, drops
a signal row, or shows other markers than the report's token cycles.

usage: gtkwave_open_test.py AIMC3D WORKDIR

Xvfb is started here (a free display chosen by Xvfb itself, -displayfd) and stopped by its pid."""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

TCL = r"""
puts "AIMC dumpfile=[gtkwave::getDumpFileName]"
puts "AIMC facs=[gtkwave::getNumFacs]"
puts "AIMC traces=[gtkwave::getTotalNumTraces]"
foreach m {A B C D} { puts "AIMC marker $m=[gtkwave::getNamedMarker $m]" }
gtkwave::/File/Quit
"""


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def start_xvfb():
    r, w = os.pipe()
    p = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                         pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    with os.fdopen(r) as f:
        display = f.readline().strip()
    if not display:
        p.kill()
        fail("Xvfb did not start")
    print("Xvfb pid %d on :%s" % (p.pid, display))
    return p, ":" + display


def layout_rows(text):
    """Rows GTKWave shows: every line of the layout that is not a directive, a flag word or the view line."""
    return sum(1 for line in text.splitlines() if line and line[0] not in "[@*")


def open_in_gtkwave(display, cwd, layout, tcl):
    env = dict(os.environ, DISPLAY=display, HOME=tempfile.mkdtemp())
    p = subprocess.run(["gtkwave", "-S", tcl, layout], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=180)
    out = p.stdout + p.stderr
    got = dict(re.findall(r"^AIMC ([^=]+)=(.*)$", out, re.M))
    if p.returncode != 0 or "dumpfile" not in got:
        fail("gtkwave %s (from %s) exit %d, could not load the dumpfile:\n%s" % (layout, cwd, p.returncode, out))
    return got


def check_layout(display, tcl, run_dir, rel_layout, trace, report):
    layout = os.path.join(run_dir, rel_layout)
    text = open(layout).read()
    rows = layout_rows(text)
    tokens = json.load(open(report))["tokens"]
    last = max(tokens, key=lambda t: t["end_cycle"])
    period = round(last["end_ns"] * 1000 / last["end_cycle"])  # ps per cycle, from the report itself
    by_begin = sorted(tokens, key=lambda t: (t["start_cycle"], t["token"]))
    # markers: A/B the first token's begin/end, C/D the second's, in trace time (cycle x period)
    expect = {"A": by_begin[0]["start_cycle"] * period, "B": by_begin[0]["end_cycle"] * period,
              "C": by_begin[1]["start_cycle"] * period, "D": by_begin[1]["end_cycle"] * period}
    # initial view: through the first token to finish, so its MVMs are readable (2^-zoom ps per pixel)
    zoom = float(re.search(r"^\*(-?[0-9.]+) ", text, re.M).group(1))
    window_ps = 2.0 ** -zoom * 1000
    first_end = (min(t["end_cycle"] for t in tokens) + 1) * period
    if not (first_end <= window_ps <= 1.2 * first_end):
        fail("%s: the initial window is %.0f ps, not the first token (%d ps)" % (layout, window_ps, first_end))
    last_end = max(t["end_cycle"] for t in tokens) * period
    print("%s: initial window %.0f ps of a %d ps run (%.1f%%)" % (rel_layout, window_ps, last_end,
                                                                 100.0 * window_ps / last_end))
    where = [(run_dir, rel_layout), (os.path.dirname(layout), os.path.basename(layout)), ("/", layout)]
    for cwd, name in where:
        got = open_in_gtkwave(display, cwd, name, tcl)
        if os.path.realpath(got["dumpfile"]) != os.path.realpath(trace):
            fail("%s from %s: loaded %s, not %s" % (name, cwd, got["dumpfile"], trace))
        if int(got["facs"]) == 0:
            fail("%s from %s: no signals in the dumpfile" % (name, cwd))
        if int(got["traces"]) != rows:
            fail("%s from %s: GTKWave shows %s rows, the layout has %d (a signal name the trace lacks?)"
                 % (name, cwd, got["traces"], rows))
        for m, t in expect.items():
            if got.get("marker " + m) != str(t):
                fail("%s from %s: marker %s at %s, expected %d" % (name, cwd, m, got.get("marker " + m), t))
        print("ok: gtkwave %-28s from %-40s loads %s (%s signals, %s rows, markers %s)"
              % (name, cwd, os.path.basename(got["dumpfile"]), got["facs"], got["traces"],
                 ",".join("%s=%s" % (m, got["marker " + m]) for m in "ABCD")))


def main():
    aimc3d, work = sys.argv[1], os.path.abspath(sys.argv[2])
    run_dir = os.path.join(work, "gtkwave_open")
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(os.path.join(run_dir, "traces"))
    runs = [
        ("traces/tile", [aimc3d, "cosim", "--chip", "paper", "--tokens", "6", "--mvms-per-token", "4", "--seed", "1"]),
        ("traces/chip", [aimc3d, "run", "--engine", "cosim", "--model", "small-moe", "--chip", "paper", "--batch",
                         "2", "--tokens", "3", "--prompt", "8", "--seed", "1"]),
    ]
    for stem, cmd in runs:
        p = subprocess.run(cmd + ["--trace", stem + ".fst", "--report", stem + ".json"], cwd=run_dir,
                           capture_output=True, text=True)
        if p.returncode != 0:
            fail("%s: exit %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    tcl = os.path.join(run_dir, "check.tcl")
    with open(tcl, "w") as f:
        f.write(TCL)
    xvfb, display = start_xvfb()
    try:
        for stem, _ in runs:
            check_layout(display, tcl, run_dir, stem + ".gtkw", os.path.join(run_dir, stem + ".fst"),
                         os.path.join(run_dir, stem + ".json"))
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=30)
        print("Xvfb pid %d stopped" % xvfb.pid)
    print("gtkwave_open: every generated layout loads its dumpfile from every folder")


if __name__ == "__main__":
    main()
