#!/usr/bin/env python3
"""The release build without LTO compiles warning-free (issue 16 item 8).

Configures BUILD (--buildtype=release -Db_lto=false: -O3, the project's -Wall -Wextra -Werror) once and compiles
the C that ships: the model library (model/libaimc3d_model.a), the cosim engine's C (model/libaimc3d_cosim.a)
and every object of the aimc3d program (tools/aimc3d.p/*.c.o).  Not the Verilated chips, whose C++ Verilator
generates (its own warnings are not the project's, and Verilating them takes minutes), nor the link: a plain
release link needs them.  -O3 without LTO is where gcc's -Wmaybe-uninitialized and -Wstringop-* warnings
appear that -O2 (tools/test's build) and LTO do not show.  Exit status 1 with the compiler's output on any
warning (-Werror makes each one an error; ninja -k 0 goes on, so every failing file is listed).
"""
import os
import subprocess
import sys


def main():
    if len(sys.argv) != 3:
        print("usage: release_warnings.py SOURCE_ROOT BUILD")
        return 2
    src, build = sys.argv[1], sys.argv[2]
    if not os.path.exists(os.path.join(build, "build.ninja")):
        p = subprocess.run(["meson", "setup", build, src, "--buildtype=release", "-Db_lto=false"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode:
            print(p.stdout[-4000:])
            print("release build: meson setup failed")
            return 1
    # regenerate first, so that the listed targets are those of today's meson files, not of the last configure
    subprocess.run(["ninja", "-C", build, "build.ninja"], check=True, capture_output=True)
    listed = subprocess.run(["ninja", "-C", build, "-t", "targets", "all"], check=True, capture_output=True,
                            text=True).stdout.splitlines()
    names = [line.split(":", 1)[0] for line in listed]
    targets = [n for n in names if n in ("model/libaimc3d_model.a", "model/libaimc3d_cosim.a")
               or (n.startswith("tools/aimc3d.p/") and n.endswith(".c.o"))]
    if len(targets) < 3:
        print("release build: expected the model libraries and the aimc3d objects among the targets, found %s" % targets)
        return 1
    p = subprocess.run(["ninja", "-C", build, "-j2", "-k", "0"] + targets, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    warnings = [line for line in p.stdout.splitlines() if "warning:" in line or "error:" in line]
    print("release build (-O3, no LTO): %d targets (%d aimc3d objects), %d warning or error lines"
          % (len(targets), sum(t.endswith(".c.o") for t in targets), len(warnings)))
    if p.returncode or warnings:
        print(p.stdout[-12000:])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
