"""Calls per second of the same small fast-engine run as tools/bench_api.c, through the Python API (the report
parsed into a dict, as aimc3d.run returns it).  Usage: python bench_api.py [CALLS]."""
import sys
import time

import aimc3d

calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200
aimc3d.run("tiny-moe", "paper", tokens=2)  # loads the library outside the timing
t0 = time.perf_counter()
for _ in range(calls):
    aimc3d.run("tiny-moe", "paper", tokens=2)
s = time.perf_counter() - t0
print("Python: %d calls in %.3f s: %.1f calls/s" % (calls, s, calls / s))
