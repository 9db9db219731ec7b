#!/usr/bin/env python3
"""The dependency direction of model/: every #include between model/ folders must point down the layer order
below, and no two modules (a .c and its .h) may include each other, directly or through others.  Prints each
violation and exits 1; prints a summary and exits 0 when the graph is layered and acyclic."""
import os
import re
import sys

LAYERS = ["core", "analog", "system", "workload", "numeric", "engine", "report", "run", "sweep", "api"]
# hw/shim is the Verilated side: only the engine (the cosim backend) may include it.
SHIM_USERS = {"engine", "run"}

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
model = os.path.join(root, "model")
include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

edges = {}  # module "folder/name" -> set of modules it includes
problems = []
for folder in sorted(os.listdir(model)):
    path = os.path.join(model, folder)
    if not os.path.isdir(path) or folder == "presets":
        continue
    if folder not in LAYERS:
        problems.append("model/%s: folder not in the layer order %s" % (folder, " < ".join(LAYERS)))
        continue
    for name in sorted(os.listdir(path)):
        if not name.endswith((".c", ".h")):
            continue
        src = "%s/%s" % (folder, name)
        module = src[:-2]
        with open(os.path.join(path, name), encoding="utf-8") as f:
            text = f.read()
        for target in include.findall(text):
            if "/" not in target:
                problems.append("model/%s: #include \"%s\" must name its folder (\"core/rng.h\")" % (src, target))
                continue
            tfolder = target.split("/")[0]
            if tfolder == "params":
                continue  # the RTL's build parameters (generated): facts every layer may read
            if tfolder == "shim":
                if folder not in SHIM_USERS:
                    problems.append("model/%s: includes the Verilator shim %s (only %s may)" % (src, target, ", ".join(sorted(SHIM_USERS))))
                continue
            if tfolder not in LAYERS:
                problems.append("model/%s: #include \"%s\": unknown folder" % (src, target))
                continue
            if LAYERS.index(tfolder) > LAYERS.index(folder):
                problems.append("model/%s: includes %s, a higher layer (%s)" % (src, target, " < ".join(LAYERS)))
            tmodule = target[:-2]
            if tmodule != module:
                edges.setdefault(module, set()).add(tmodule)

# Cycles between modules: depth-first search, reporting each back edge's cycle once.
state, stack, cycles = {}, [], set()
def visit(m):
    state[m] = 1
    stack.append(m)
    for t in sorted(edges.get(m, ())):
        if state.get(t) == 1:
            cyc = stack[stack.index(t):] + [t]
            cycles.add(" -> ".join(cyc))
        elif t not in state:
            visit(t)
    stack.pop()
    state[m] = 2
for m in sorted(edges):
    if m not in state:
        visit(m)
problems += ["include cycle: %s" % c for c in sorted(cycles)]

for p in problems:
    print(p)
nedges = sum(len(v) for v in edges.values())
print("layers: %d modules, %d include edges, %d problems" % (len(edges), nedges, len(problems)))
sys.exit(1 if problems else 0)
