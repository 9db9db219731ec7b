#!/usr/bin/env python3
"""Writes libaimc3d's linker version script: the functions declared in the installed headers are global (the
public API), everything else local.  Usage: export_map.py OUT MODEL_DIR HEADER..."""
import re
import sys

out, model = sys.argv[1], sys.argv[2]
names = set()
for header in sys.argv[3:]:
    with open(header if header.startswith("/") else model + "/" + header, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"^\s*#.*$", "", text, flags=re.M)  # macros are not symbols
    # Declarations: a type (ending in a word or *) then aimc... followed by "(", at file scope.
    for m in re.finditer(r"[\w*]\s+\**\s*((?:aimc|AIMC)\w*)\s*\(", text):
        names.add(m.group(1))
    for m in re.finditer(r"\bextern\s+[^;()]*?\b(aimc\w*)\s*(?:\[\s*\])?\s*;", text):
        names.add(m.group(1))
with open(out, "w", encoding="utf-8") as f:
    f.write("AIMC3D_0 {\n  global:\n")
    for n in sorted(names):
        f.write("    %s;\n" % n)
    f.write("  local:\n    *;\n};\n")
