#!/usr/bin/env python3
"""The bad-input catalogue (issue 16 item 8): every case of tb/badinput/cases/*.json through the aimc3d program.

A case file is a JSON array of cases (one file per area, so that areas do not conflict):
  {"name": "unique-kebab-name",
   "argv": ["run", "--model", "{tmp}/m.json", ...],  aimc3d's arguments
   "files": {"m.json": "text"},                       optional inputs, written into {tmp} before the run
   "env": {"NAME": "value"},                          optional, added to the environment
   "exit": 2,                                         expected status (default 2)
   "stderr": "regex"}                                 what the single stderr line must match (re.search)
Placeholders in argv, env values and file texts: {tmp} (the case's own empty folder, also its working
directory), {presets} (model/presets), {src} (the source root), {fixtures} (tb/numeric/fixtures).
File names may contain folders ("sub/m.json"); a file text is written as UTF-8, except that the lone
surrogates \\udc80..\\udcff stand for the raw bytes 0x80..0xff (Python's surrogateescape), so a case can
hold input that is not UTF-8.

For every case the runner checks: the exit status; stderr is exactly one line (one newline, at its end),
valid UTF-8, starting "aimc3d: " and matching the regex; stdout is empty; afterwards {tmp} holds exactly the
input files (and their folders), byte for byte unchanged: no output, no *.tmp.* left.  It prints one line
per case, then the total, and fails when any case fails or fewer than --min cases ran.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

KEYS = {"name", "argv", "files", "env", "exit", "stderr"}
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def load_cases(paths):
    """All cases of all files, each as (area, case); raises ValueError on a malformed file."""
    cases, seen = [], {}
    for path in paths:
        area = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if not isinstance(data, list):
            raise ValueError("%s: expected a JSON array of cases" % path)
        for i, c in enumerate(data):
            where = "%s: case %d" % (path, i)
            if not isinstance(c, dict):
                raise ValueError("%s: expected an object" % where)
            unknown = set(c) - KEYS
            if unknown:
                raise ValueError("%s: unknown keys %s (expected %s)" % (where, sorted(unknown), sorted(KEYS)))
            name = c.get("name")
            if not isinstance(name, str) or not NAME.match(name):
                raise ValueError("%s: name: expected a kebab-case string" % where)
            if name in seen:
                raise ValueError("%s: name %s is also used in %s" % (where, name, seen[name]))
            seen[name] = path
            if not isinstance(c.get("argv"), list) or not all(isinstance(a, str) for a in c["argv"]):
                raise ValueError("%s (%s): argv: expected an array of strings" % (where, name))
            for key in ("files", "env"):
                v = c.get(key, {})
                if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
                    raise ValueError("%s (%s): %s: expected an object of strings" % (where, name, key))
            for fname in c.get("files", {}):
                parts = fname.split("/")
                if fname.startswith("/") or ".." in parts or "" in parts:
                    raise ValueError("%s (%s): files: %r: expected a relative path inside {tmp}" % (where, name, fname))
            if not isinstance(c.get("exit", 2), int) or isinstance(c.get("exit", 2), bool):
                raise ValueError("%s (%s): exit: expected an integer" % (where, name))
            if not isinstance(c.get("stderr"), str):
                raise ValueError("%s (%s): stderr: expected a regex string" % (where, name))
            re.compile(c["stderr"])
            cases.append((area, c))
    return cases


def snapshot(root):
    """Every entry under root: relative path -> file bytes, or None for a folder."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            out[os.path.relpath(p, root)] = None if not os.path.islink(p) else ("link", os.readlink(p))
        for fn in filenames:
            p = os.path.join(dirpath, fn)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
                continue
            try:
                with open(p, "rb") as f:
                    out[rel] = f.read()
            except OSError as e:
                out[rel] = ("unreadable", str(e))
    return out


def run_case(area, c, args):
    """Runs one case; returns (area, name, list of violated rules, seconds)."""
    with tempfile.TemporaryDirectory(prefix="aimc3d-badinput-") as tmp:
        subst = {"{tmp}": tmp, "{presets}": os.path.join(args.src, "model/presets"), "{src}": args.src,
                 "{fixtures}": os.path.join(args.src, "tb/numeric/fixtures")}

        def fill(text):
            for k, v in subst.items():
                text = text.replace(k, v)
            return text

        expected = {}
        for fname, text in c.get("files", {}).items():
            data = fill(text).encode("utf-8", "surrogateescape")
            path = os.path.join(tmp, fname)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        expected = snapshot(tmp)
        env = dict(os.environ)
        env.update({k: fill(v) for k, v in c.get("env", {}).items()})
        argv = [args.aimc3d] + [fill(a) for a in c["argv"]]
        problems = []
        try:
            p = subprocess.run(argv, cwd=tmp, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=args.timeout)
            status, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            status, out, err = None, e.stdout or b"", e.stderr or b""
            problems.append("no exit within %g s" % args.timeout)
        want = c.get("exit", 2)
        if status is not None and status != want:
            problems.append("exit status %s, expected %d" % (status, want))
        try:
            text = err.decode("utf-8")
        except UnicodeDecodeError as e:
            text = err.decode("utf-8", "replace")
            problems.append("stderr is not valid UTF-8 (%s)" % e.reason)
        if text.count("\n") != 1 or not text.endswith("\n"):
            problems.append("stderr is not exactly one line (%d newlines)" % text.count("\n"))
        line = text.split("\n", 1)[0]
        if not line.startswith("aimc3d: "):
            problems.append("stderr does not start with \"aimc3d: \"")
        if not re.search(c["stderr"], line):
            problems.append("stderr does not match %r" % c["stderr"])
        if out:
            problems.append("stdout is not empty (%d bytes: %r)" % (len(out), out[:80]))
        after = snapshot(tmp)
        for rel in sorted(set(after) - set(expected)):
            problems.append("left behind: %s" % rel)
        for rel in sorted(set(expected) - set(after)):
            problems.append("input removed: %s" % rel)
        for rel in sorted(set(expected) & set(after)):
            if expected[rel] != after[rel]:
                problems.append("input changed: %s" % rel)
        if problems:
            problems.append("stderr was: %r" % text[:600])
        return area, c["name"], problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--aimc3d", required=True, help="the program under test")
    ap.add_argument("--src", required=True, help="the source root")
    ap.add_argument("--min", type=int, default=0, help="fail when fewer cases than this ran")
    ap.add_argument("--jobs", type=int, default=2, help="cases run at once")
    ap.add_argument("--timeout", type=float, default=120, help="seconds one case may take")
    ap.add_argument("--only", help="run only the cases whose name matches this regex")
    ap.add_argument("files", nargs="*", help="case files (default: SRC/tb/badinput/cases/*.json)")
    args = ap.parse_args()
    args.aimc3d = os.path.abspath(args.aimc3d)
    args.src = os.path.abspath(args.src)
    files = args.files or sorted(glob.glob(os.path.join(args.src, "tb/badinput/cases/*.json")))
    try:
        cases = load_cases(files)
    except (OSError, ValueError, re.error) as e:
        print("bad-input catalogue: %s" % e)
        return 1
    if args.only:
        cases = [(a, c) for a, c in cases if re.search(args.only, c["name"])]
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_case, a, c, args) for a, c in cases]
        for fut in futures:  # in file order, as they finish
            area, name, problems = fut.result()
            print("%-4s %s/%s" % ("ok" if not problems else "FAIL", area, name))
            for pr in problems:
                print("       %s" % pr)
            failed += bool(problems)
            sys.stdout.flush()
    ran = len(cases)
    print("bad-input catalogue: %d cases ran in %d files, %d ok, %d failed (at least %d required)"
          % (ran, len(files), ran - failed, failed, args.min))
    if ran < args.min and not args.only:
        print("bad-input catalogue: only %d cases, expected at least %d" % (ran, args.min))
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
