#!/bin/sh
# run_pytest.sh VENV_PYTHON SOURCE_ROOT: the API's tests and docs/python.md's example, or skip (77) without the
# venv (tools/setup --venv BUILD/venv makes it; tools/test does).
[ -x "$1" ] || { echo "no venv at $1 (tools/setup --venv)"; exit 77; }
cd "$2/tools/python" || exit 1
exec "$1" -m pytest -v -p no:cacheprovider tests
