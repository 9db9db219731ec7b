"""docs/python.md's Python code blocks, run in order in one namespace in a temporary folder (the notebook-style
example): the sweep, the plot (a PNG is written) and the per-token DataFrame."""
import os
import re

import pytest

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "python.md")


def test_python_md_runs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    with open(DOC, encoding="utf-8") as f:
        blocks = re.findall(r"^```python\n(.*?)^```", f.read(), flags=re.S | re.M)
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        exec(compile(block, "docs/python.md", "exec"), namespace)
    png = tmp_path / "olmoe_tiers.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = namespace["rows"]
    assert [r["tiers"] for r in rows] == [2, 4, 8, 16, 32]
    # Fitted chips: more tiers, fewer tiles, less area.
    areas = [r["area_mm2"] for r in rows]
    assert areas == sorted(areas, reverse=True)
    print(capsys.readouterr().out)
