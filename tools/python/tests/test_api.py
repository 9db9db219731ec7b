"""The Python API against the command line: the same report byte for byte, the same error line, one library
handle per process, and no growth over repeated runs."""
import ctypes
import gc
import json
import os
import resource
import tracemalloc

import pytest

import aimc3d

WORKLOADS = [
    dict(model="tiny-moe", chip="paper", tokens=4),
    dict(model="small-moe", chip="paper", tokens=3, batch=2, routing="skewed", zipf=1.2, seed=7, per_layer=True),
    dict(model="olmoe-1b-7b", chip="paper", tokens=2, tiers=8, fit=True, digital_experts=0.25,
         criterion="random", gpu="h100"),
]


def argv(options):
    args = ["run", "--engine", "fast"]
    for k, v in options.items():
        flag = "--" + k.replace("_", "-")
        if v is True:
            args.append(flag)
        else:
            args += [flag, str(v)]
    return args


@pytest.mark.parametrize("options", WORKLOADS, ids=lambda o: o["model"])
def test_report_equals_cli_byte_for_byte(options, cli, tmp_path):
    r = cli(argv(options) + ["--report", "r.json"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    expected = (tmp_path / "r.json").read_text()
    opts = dict(options)
    report = aimc3d.run(opts.pop("model"), opts.pop("chip"), **opts)
    assert report.text == expected
    assert report == json.loads(expected)
    assert report["format"] == "aimc3d-energy/1"


BAD = [
    dict(model="no-such-model", chip="paper"),
    dict(model="tiny-moe", chip="no-such-chip"),
    dict(model="tiny-moe", chip="paper", criterion="loudest", digital_experts=0.5),
    dict(model="tiny-moe", chip="paper", routing="sideways"),
    dict(model="olmoe-1b-7b", chip="paper", tiers=4),
    dict(model="tiny-moe", chip="paper", routing="replay"),
    dict(model="tiny-moe", chip="paper", fit=True, tiles=4),
    dict(model="family:d_model=abc", chip="paper"),
]


@pytest.mark.parametrize("options", BAD, ids=lambda o: "-".join(str(v) for v in o.values())[:40])
def test_bad_input_raises_the_cli_line(options, cli, tmp_path):
    r = cli(argv(options), cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("aimc3d: "), r.stderr
    opts = dict(options)
    with pytest.raises(aimc3d.Error) as e:
        aimc3d.run(opts.pop("model"), opts.pop("chip"), **opts)
    assert "aimc3d: " + e.value.message + "\n" == r.stderr


def test_request_errors_name_the_option():
    with pytest.raises(aimc3d.Error, match=r'^run: unknown option "colour"'):
        aimc3d.run("tiny-moe", "paper", colour="red")
    with pytest.raises(aimc3d.Error, match=r"^run --tokens: expected a whole number in \[1, 1000000000\], got \"0\""):
        aimc3d.run("tiny-moe", "paper", tokens=0)
    with pytest.raises(aimc3d.Error, match=r"^run --engine cosim: this program has only the fast engine"):
        aimc3d.run("tiny-moe", "paper", engine="cosim")


def test_models_and_map_match_the_cli(cli, tmp_path):
    r = cli(["model", "list"], cwd=tmp_path)
    assert aimc3d.models() == r.stdout.split()
    olmoe = aimc3d.model("olmoe-1b-7b")
    assert olmoe["name"] == "olmoe-1b-7b" and olmoe["experts"] == 64 and olmoe["top_k"] == 8
    total = olmoe["parameters"]["total"]
    assert total["all"] == sum(v for k, v in total.items() if k != "all")
    r = cli(["map", "--model", "olmoe-1b-7b", "--chip", "paper", "--tiles", "3100", "--tiers", "8",
             "--digital-experts", "0.25", "--criterion", "random", "--out", "m.json"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert aimc3d.map("olmoe-1b-7b", "paper", tiles=3100, tiers=8, digital_experts=0.25, criterion="random") == \
        json.loads((tmp_path / "m.json").read_text())


def test_hf_config_json(tmp_path):
    """A Hugging Face config.json loads as the model (OLMoE's fields)."""
    config = {"architectures": ["OlmoeForCausalLM"], "model_type": "olmoe", "hidden_size": 256,
              "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 4, "num_experts": 8, "num_experts_per_tok": 2, "vocab_size": 1000,
              "hidden_act": "silu", "tie_word_embeddings": False}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    m = aimc3d.model(str(path))
    assert (m["d_model"], m["experts"], m["top_k"], m["layers"]) == (256, 8, 2, 2)
    report = aimc3d.run(str(path), "paper", tokens=2, fit=True)
    assert report["summary"]["tokens"] == 2


def test_token_table():
    report = aimc3d.run("tiny-moe", "paper", tokens=5, batch=2)
    rows = report.token_rows()
    assert len(rows) == len(report["tokens"]) == 10
    assert all(abs(sum(v for k, v in r.items() if k.endswith("_pJ") and k != "total_pJ") - r["total_pJ"]) < 0.01
               for r in rows)
    pandas = pytest.importorskip("pandas")
    df = report.token_table()
    assert isinstance(df, pandas.DataFrame) and len(df) == 10
    assert list(df["latency_ns"]) == [t["latency_ns"] for t in report["tokens"]]


def test_sweep_rows_equal_single_runs():
    rows = aimc3d.sweep("tiny-moe", "paper", {"tiers": [2, 4]}, tokens=2, fit=True)
    assert [r["tiers"] for r in rows] == [2, 4]
    for r in rows:
        assert r["tokens_per_s"] == aimc3d.run("tiny-moe", "paper", tokens=2, fit=True,
                                               tiers=r["tiers"])["summary"]["tokens_per_s"]


def test_library_loaded_once():
    aimc3d.version()
    handle = aimc3d._api._lib
    for _ in range(3):
        aimc3d.run("tiny-moe", "paper", tokens=1)
    assert aimc3d._api._lib is handle
    with open("/proc/self/maps") as f:
        mapped = {line.split()[-1] for line in f if "libaimc3d" in line}
    assert len(mapped) == 1, mapped
    assert aimc3d.version() == "0.1.0"


def rss_kB():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


def test_repeated_runs_do_not_leak():
    """200 runs and 200 failing calls: Python-side allocations (tracemalloc) and the process's RSS stay flat
    after a warm-up.  A leak of one report's text a run (> 9 kB) would show as > 1.8 MB."""
    def work():
        aimc3d.run("tiny-moe", "paper", tokens=8)
        try:
            aimc3d.run("no-such-model", "paper")
        except aimc3d.Error:
            pass
    for _ in range(20):
        work()
    gc.collect()
    tracemalloc.start()
    before_py, before_rss = tracemalloc.get_traced_memory()[0], rss_kB()
    for _ in range(200):
        work()
    gc.collect()
    grown_py = tracemalloc.get_traced_memory()[0] - before_py
    tracemalloc.stop()
    grown_rss = rss_kB() - before_rss
    text = len(aimc3d.run("tiny-moe", "paper", tokens=8).text)
    print("200 runs: Python heap %+d B, RSS %+d kB (one report is %d B)" % (grown_py, grown_rss, text))
    assert text > 9000
    assert grown_py < 64 * 1024
    assert grown_rss < 1536
