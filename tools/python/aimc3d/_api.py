"""The ctypes binding: one shared library loaded once per process, one C function (aimc3d_call) taking a JSON
request and returning a JSON text or an error line."""
from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

ERROR_SIZE = 768  # AIMC3D_ERROR_SIZE
Value = Union[str, int, float, bool]


class Error(Exception):
    """Bad input or a failed run: ``message`` is aimc3d's one-line error (without the ``aimc3d: `` prefix)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_lib: Optional[ctypes.CDLL] = None
_path: Optional[str] = None


def _find_library() -> str:
    explicit = os.environ.get("AIMC3D_LIBRARY")
    if explicit:
        return explicit
    found = ctypes.util.find_library("aimc3d")
    return found or "libaimc3d.so.0"


def _load() -> ctypes.CDLL:
    """The library, loaded on first use and kept: later calls reuse the same handle."""
    global _lib, _path
    if _lib is None:
        path = _find_library()
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise Error("cannot load libaimc3d (%s): %s; install it (meson install) or set AIMC3D_LIBRARY" %
                        (path, e)) from None
        lib.aimc3d_call.restype = ctypes.c_void_p  # freed by aimc3d_free, so not c_char_p
        lib.aimc3d_call.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
        lib.aimc3d_free.restype = None
        lib.aimc3d_free.argtypes = [ctypes.c_void_p]
        lib.aimc3d_version.restype = ctypes.c_char_p
        lib.aimc3d_version.argtypes = []
        lib.aimc3d_presets_dir.restype = ctypes.c_char_p
        lib.aimc3d_presets_dir.argtypes = []
        _lib, _path = lib, path
    return _lib


def library_path() -> str:
    """The file the library was loaded from (loading it if needed)."""
    _load()
    assert _path is not None
    return _path


def _call_text(function: str, request: Mapping[str, Any]) -> str:
    lib = _load()
    error = ctypes.create_string_buffer(ERROR_SIZE)
    text = lib.aimc3d_call(function.encode(), json.dumps(request).encode(), error, ERROR_SIZE)
    if not text:
        raise Error(error.value.decode("utf-8", "replace"))
    try:
        return ctypes.string_at(text).decode("utf-8")
    finally:
        lib.aimc3d_free(text)


def _request(options: Mapping[str, Optional[Value]]) -> Dict[str, Value]:
    """Python keywords to the command line's option names; None means "the default"."""
    return {k.replace("_", "-"): v for k, v in options.items() if v is not None}


def version() -> str:
    """The library's version ("0.1.0")."""
    return _load().aimc3d_version().decode()


def presets_dir() -> str:
    """Where the presets are read from: $AIMC3D_PRESETS, else the installed share/aimc3d/presets."""
    return _load().aimc3d_presets_dir().decode()


def models() -> List[str]:
    """The model presets' names (as ``aimc3d model list``)."""
    return json.loads(_call_text("models", {}))


def model(name: str) -> Dict[str, Any]:
    """A model (preset name, model JSON, Hugging Face config.json or family spec) as its aimc3d-model/1
    description, with ``parameters`` (total and active per token, by module) and ``source``."""
    return json.loads(_call_text("model", {"model": name}))


def map(model: str, chip: str, **options: Optional[Value]) -> Dict[str, Any]:  # noqa: A001 (the CLI's name)
    """The assignment and mapping table (aimc3d-mapping/1) that ``aimc3d map --out`` writes.

    Options: tiles, tiers, weights, digital_experts, criterion, ranking, setting, strategy, routing_trace,
    sample_tokens, seed."""
    return json.loads(_call_text("map", dict(_request(options), model=model, chip=chip)))


class Report(dict):
    """A run's report (aimc3d-energy/1) as a dict; ``text`` is the exact JSON ``aimc3d run --report`` writes."""

    text: str

    def __init__(self, text: str) -> None:
        super().__init__(json.loads(text))
        self.text = text

    def token_rows(self) -> List[Dict[str, Any]]:
        """The per-token table, one flat dict a token (energies as ``<component>_pJ``)."""
        rows = []
        for t in self["tokens"]:
            row = {k: v for k, v in t.items() if not isinstance(v, (dict, list))}
            for component, pJ in t.get("energy_pJ", {}).items():
                row[component + "_pJ"] = pJ
            rows.append(row)
        return rows

    def token_table(self) -> Any:
        """The per-token table as a pandas DataFrame (pandas must be installed; else use token_rows())."""
        try:
            import pandas
        except ImportError:
            raise Error("token_table: expected pandas to be installed (token_rows() gives the same as dicts)") \
                from None
        return pandas.DataFrame(self.token_rows())


def run(model: str, chip: str, **options: Optional[Value]) -> Report:
    """Decodes tokens of ``model`` on ``chip`` with the fast engine (the library's engine; the cosim engine is
    in the ``aimc3d`` program only) and returns the report.

    Options, as ``aimc3d run`` names them: engine, tokens, batch, prompt, prefill, no_kv_cache, routing, zipf, partner,
    routing_trace, write_routing_trace, setting, strategy, digital_experts, criterion, ranking, weights, seed,
    tiles, tiers, fit, no_ott, gpu, gpu_weight_bytes, per_layer."""
    return Report(_call_text("run", dict(_request(options), model=model, chip=chip)))


def sweep(model: str, chip: str, grid: Mapping[str, Iterable[Value]], **options: Optional[Value]) \
        -> List[Dict[str, Any]]:
    """Runs every point of the grid (the cartesian product of its option lists, e.g. ``{"tiers": [2, 4, 8]}``)
    on the fast engine with the other options fixed; one row a point: its options and the report's summary
    (tokens_per_s, tokens_per_s_per_W, tokens_per_s_per_mm2, ...)."""
    keys = list(grid)
    rows = []
    for values in itertools.product(*(list(grid[k]) for k in keys)):
        point = dict(zip(keys, values))
        report = run(model, chip, **dict(options, **point))
        rows.append(dict(point, **report["summary"]))
    return rows
