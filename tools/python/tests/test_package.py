"""`pip install ./tools/python` works: installed (offline, no dependencies) into a temporary target and imported
from there in a fresh interpreter, it loads the library and runs."""
import os
import shutil
import subprocess
import sys


def test_pip_install(tmp_path):
    # From a copy: setuptools builds in the project folder (build/, *.egg-info), which must stay the source's.
    here = str(tmp_path / "src")
    shutil.copytree(os.path.join(os.path.dirname(__file__), ".."), here,
                    ignore=shutil.ignore_patterns("tests", "build", "*.egg-info", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "PYTHONPATH")}
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                        "--no-index", "--disable-pip-version-check", "--target", str(tmp_path / "site"), here],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "site" / "aimc3d" / "_api.py").is_file()
    code = "import aimc3d; print(aimc3d.__file__); print(aimc3d.version())"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                       env=dict(os.environ, PYTHONPATH=str(tmp_path / "site")))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [str(tmp_path / "site" / "aimc3d" / "__init__.py"), "0.1.0"]
