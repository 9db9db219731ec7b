"""The API's tests run against a build: AIMC3D_LIBRARY names its libaimc3d.so, AIMC3D_CLI its aimc3d program,
AIMC3D_PRESETS the source tree's presets (tb/python/meson.build sets all three)."""
import os
import subprocess
from typing import List

import pytest


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("AIMC3D_CLI")
    if not path:
        pytest.skip("AIMC3D_CLI not set")

    def run(args: List[str], cwd: str) -> subprocess.CompletedProcess:
        return subprocess.run([path] + args, cwd=cwd, capture_output=True, text=True,
                              env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"})
    return run
