"""aimc3d from Python: the library's plan and run facade through its one C entry point (api/aimc3d.h).

Options are named as ``aimc3d run`` and ``aimc3d map`` name them, with underscores for dashes
(``digital_experts=0.25`` is ``--digital-experts 0.25``); the library checks them with the same code as the
command line, so bad input raises :class:`Error` with the line the command line prints after ``aimc3d: ``.

>>> import aimc3d
>>> report = aimc3d.run("tiny-moe", "paper", tokens=4)
>>> report["summary"]["tokens_per_s"]          # doctest: +SKIP
"""
from ._api import (Error, Report, library_path, map, model, models, presets_dir, run, sweep, version)

__all__ = ["Error", "Report", "library_path", "map", "model", "models", "presets_dir", "run", "sweep",
           "version"]
