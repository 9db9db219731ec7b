#!/usr/bin/env python3
"""Checks of `aimc3d sweep` (issue 13) through the built program, as a user runs it.

usage: sweep_test.py CASE AIMC3D WORKDIR SPEC
Cases:
  bad_specs       unknown field path, empty axis, wrong type, a value the chip refuses, ...: one error line naming
                  the spec field, exit 2, nothing written
  local_parallel  plan, run on the local pool (2 jobs and 1 job) and on GNU parallel: byte-identical tables; a
                  point's figures equal `aimc3d run` on its resolved chip; the edited chip differs from the preset
                  in the swept fields only; resume skips finished points and retries a failed one keeping its error
  spec_columns    a spec's own columns (formulas over the report and the exact figures), label, tags, findings and
                  plot, against the point results and a second implementation
  slurm           a real single-node Slurm (munge, slurmctld, slurmd started here, stopped by pid): an array sweep
                  with --wait, one array task cancelled mid-run, the sweep run again: complete, and its table
                  byte-identical to the local pool's
Each prints what it checked and exits non-zero on the first failure (77: skipped, the service cannot run here).
"""
import csv
import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

CASE = AIMC3D = WORKDIR = SPEC = None  # set by main(), or by tools/bench_sweep which imports this file
PRESETS = os.environ.get("AIMC3D_PRESETS", os.path.join(os.path.dirname(__file__), "..", "..", "model", "presets"))


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def aimc3d(args, expect=0, env=None):
    p = subprocess.run([AIMC3D] + args, capture_output=True, text=True, env=env)
    if expect is not None and p.returncode != expect:
        fail("aimc3d %s: exit %d (wanted %d)\n%s%s" % (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
    return p


def fresh(name):
    path = os.path.join(WORKDIR, "sweep-" + CASE, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


def load_spec():
    with open(SPEC) as f:
        return json.load(f)


def points_of(folder):
    with open(os.path.join(folder, "points.jsonl")) as f:
        return [json.loads(line) for line in f]


def table_of(folder):
    with open(os.path.join(folder, "table.csv")) as f:
        return list(csv.DictReader(f))


# ---- bad specs -------------------------------------------------------------------------------------------------

def case_bad_specs():
    good = load_spec()
    cases = [
        # (what, edit of the spec, text the message must name)
        ("unknown field path", lambda s: s["axes"][0].update(path="chip.tile.tilez"), "axes[0].path"),
        ("unknown path prefix", lambda s: s["axes"][1].update(path="tile.tiers"), "axes[1].path"),
        ("unknown run option", lambda s: s["axes"][3]["zip"][0].update(path="run.batches"), "axes[3].zip[0].path"),
        ("empty axis", lambda s: s["axes"][2].update(values=[]), "axes[2].values"),
        ("wrong type", lambda s: s["axes"][1].update(values=[2, "eight"]), "axes[1].values[1]"),
        ("wrong run type", lambda s: s["axes"][3]["zip"][0].update(values=[1, 2.5]), "axes[3].zip[0].values[1]"),
        ("a value the chip refuses", lambda s: s["axes"][1].update(values=[1, 8]), "axes[1].values[0]"),
        ("ADC bits the chip refuses", lambda s: s["axes"][2].update(values=[6, 0]), "axes[2].values[1]"),
        ("zip lengths differ", lambda s: s["axes"][3]["zip"][1].update(values=[1, 2, 3]), "axes[3].zip[1].values"),
        ("unknown base run option", lambda s: s["base"]["run"].update(tokenz=2), "base.run.tokenz"),
        ("bad objective", lambda s: s.update(objectives={"tokens_per_s": "most"}), "objectives.tokens_per_s"),
        ("wrong format", lambda s: s.update(format="aimc3d-sweep/9"), "format"),
        ("a tag that is an object", lambda s: s["axes"].append({"path": "tag.k", "values": [{}]}), "axes[4].values"),
        ("a label naming no axis", lambda s: s.update(label="T{chip.tile.tierz}"), "label"),
        ("a column reading nothing known", lambda s: s.update(columns=[{"name": "x", "kind": "real",
                                                                       "value": "figures.tokens / nope"}]),
         "columns[0].value"),
        ("a column formula that does not parse", lambda s: s.update(columns=[{"name": "x", "kind": "real",
                                                                             "value": "figures.tokens /"}]),
         "columns[0].value"),
        ("a column kind", lambda s: s.update(columns=[{"name": "x", "kind": "float", "value": "1"}]),
         "columns[0].kind"),
        ("findings over a missing column", lambda s: s.update(columns=[{"name": "x", "kind": "real", "value": "1"}],
                                                              findings={"kind": "extremes", "columns": ["y"]}),
         "findings.columns[0]"),
        ("an unknown findings kind", lambda s: s.update(findings={"kind": "median"}), "findings.kind"),
        ("a plot script that is not there", lambda s: s.update(plot="nope.gp"), "plot"),
    ]
    tmp = fresh("specs")
    os.makedirs(tmp)
    for what, edit, field in cases:
        spec = json.loads(json.dumps(good))
        edit(spec)
        path = os.path.join(tmp, "bad.json")
        with open(path, "w") as f:
            json.dump(spec, f)
        out = os.path.join(tmp, "out")
        p = aimc3d(["sweep", "plan", path, "--out", out], expect=2)
        lines = p.stderr.strip().splitlines()
        check(len(lines) == 1, "%s: expected one error line, got %r" % (what, p.stderr))
        check(field in lines[0] and path in lines[0], "%s: the message does not name %s in %s: %s" %
              (what, field, path, lines[0]))
        check(not os.path.exists(out), "%s: %s was written" % (what, out))
        check(p.stdout == "", "%s: printed %r" % (what, p.stdout))
        print("ok: %s: exit 2, nothing written: %s" % (what, lines[0][:160]))
    # a planned folder is not touched by a bad spec either
    out = os.path.join(tmp, "planned")
    aimc3d(["sweep", "plan", SPEC, "--out", out])
    before = {f: read(os.path.join(out, f)) for f in ("points.jsonl", "sweep.json")}
    spec = json.loads(json.dumps(good))
    spec["axes"][0]["values"] = []
    with open(os.path.join(tmp, "bad.json"), "w") as f:
        json.dump(spec, f)
    aimc3d(["sweep", "plan", os.path.join(tmp, "bad.json"), "--out", out], expect=2)
    check(all(read(os.path.join(out, f)) == b for f, b in before.items()), "a bad re-plan changed the folder")
    print("ok: a bad re-plan leaves the planned folder as it was")


# ---- local pool and GNU parallel -------------------------------------------------------------------------------

def expected_counts(spec):
    n = 1
    for a in spec["axes"]:
        n *= len(a["zip"][0]["values"]) if "zip" in a else len(a["values"])
    return n


def check_plan(folder, spec):
    pts = points_of(folder)
    check(len(pts) == expected_counts(spec), "points.jsonl: %d points, wanted %d" % (len(pts), expected_counts(spec)))
    check(len({p["id"] for p in pts}) == len(pts), "point ids are not unique")
    # the edited chip: the preset with the swept fields changed, nothing else
    with open(os.path.join(PRESETS, "chips", "paper.json")) as f:
        preset = json.load(f)
    for p in pts:
        with open(os.path.join(folder, p["chip"])) as f:
            chip = json.load(f)
        check(chip["tile"]["tiles"] == p["axes"]["chip.tile.tiles"], "point %d: tiles not applied" % p["index"])
        check(chip["tile"]["tiers"] == p["axes"]["chip.tile.tiers"], "point %d: tiers not applied" % p["index"])
        adc = chip["periphery"]["adc"]["b_out_bits"]
        check(adc["value"] == p["axes"]["chip.periphery.adc.b_out_bits"] and "sweep" in adc["source"],
              "point %d: ADC bits not applied with a source" % p["index"])
        rest = json.loads(json.dumps(chip))
        rest["tile"]["tiles"], rest["tile"]["tiers"] = preset["tile"]["tiles"], preset["tile"]["tiers"]
        rest["periphery"]["adc"]["b_out_bits"] = preset["periphery"]["adc"]["b_out_bits"]
        check(rest == preset, "point %d: the chip differs from the preset beyond the swept fields" % p["index"])
        check(p["run"]["batch"] == p["axes"]["run.batch"] and p["run"]["seed"] == p["axes"]["run.seed"],
              "point %d: zipped run options not applied" % p["index"])
        check(p["run"]["tokens"] == 2 and p["run"]["engine"] == "fast", "point %d: base run options lost" % p["index"])
    print("ok: %d points planned, unique ids, chips edited in the swept fields only" % len(pts))
    return pts


def check_table(folder, pts):
    rows = table_of(folder)
    check(len(rows) == len(pts), "table: %d rows for %d points" % (len(rows), len(pts)))
    for row, p in zip(rows, pts):
        check(row["id"] == p["id"] and int(row["index"]) == p["index"], "table row %s: id/index" % row["index"])
        if p["axes"]["chip.tile.tiles"] == 1:  # 1 tile x 8 tiers cannot hold tiny-moe's matrices
            check(row["status"] == "infeasible" and row["error"], "row %s: one tile should not fit" % row["index"])
        else:
            check(row["status"] == "ok" and not row["error"], "row %s: %s %s" % (row["index"], row["status"],
                                                                                row["error"]))
            for fig in ("tokens_per_s", "energy_per_token_nJ", "tokens_per_s_per_W", "tokens_per_s_per_mm2",
                        "area_mm2", "gpu_tokens_per_s"):
                check(float(row[fig]) > 0, "row %s: %s = %s" % (row["index"], fig, row[fig]))
            check(int(row["tiles"]) == 16 and int(row["tiers"]) == p["axes"]["chip.tile.tiers"],
                  "row %s: tiles/tiers" % row["index"])
    # the Pareto front, by its definition
    ok = [r for r in rows if r["status"] == "ok"]
    for r in ok:
        dominated = any(float(o["tokens_per_s"]) >= float(r["tokens_per_s"]) and
                        float(o["energy_per_token_nJ"]) <= float(r["energy_per_token_nJ"]) and
                        (float(o["tokens_per_s"]) > float(r["tokens_per_s"]) or
                         float(o["energy_per_token_nJ"]) < float(r["energy_per_token_nJ"])) for o in ok)
        check(r["pareto"] == ("0" if dominated else "1"), "row %s: pareto %s" % (r["index"], r["pareto"]))
    front = [r for r in ok if r["pareto"] == "1"]
    with open(os.path.join(folder, "pareto.csv")) as f:
        check(len(list(csv.DictReader(f))) == len(front) > 0, "pareto.csv rows")
    with open(os.path.join(folder, "table.json")) as f:
        js = json.load(f)
    check(js["format"] == "aimc3d-sweep-table/1" and len(js["rows"]) == len(rows), "table.json")
    print("ok: table of %d rows (%d ok, %d infeasible kept with their reason), Pareto front of %d checked" %
          (len(rows), len(ok), len(rows) - len(ok), len(front)))
    return rows


def check_against_run(folder, pts, rows):
    """A point's figures equal what `aimc3d run` reports for its resolved configuration."""
    p = next(q for q in pts if q["axes"]["chip.tile.tiles"] == 16 and q["axes"]["run.batch"] == 2)
    row = rows[p["index"]]
    report = os.path.join(folder, "run-report.json")
    aimc3d(["run", "--engine", "fast", "--model", "tiny-moe", "--chip", os.path.join(folder, p["chip"]),
            "--tokens", "2", "--prompt", "8", "--batch", "2", "--seed", str(p["run"]["seed"]), "--report", report])
    with open(report) as f:
        summary = json.load(f)["summary"]
    for fig in ("tokens_per_s", "energy_per_token_nJ", "tokens_per_s_per_W", "area_mm2"):
        check("%.9g" % summary[fig] == row[fig], "point %d: %s %s in the table, %s from aimc3d run" %
              (p["index"], fig, row[fig], summary[fig]))
    print("ok: point %d's figures equal aimc3d run on its resolved chip" % p["index"])


def case_local_parallel():
    spec = load_spec()
    a = fresh("local2")
    aimc3d(["sweep", "plan", SPEC, "--out", a])
    pts = check_plan(a, spec)
    p = aimc3d(["sweep", "run", a, "--jobs", "2"], expect=0)
    check(p.stderr == "", "sweep run printed on a non-terminal stderr: %r" % p.stderr)
    aimc3d(["sweep", "collect", a])
    rows = check_table(a, pts)
    check_against_run(a, pts, rows)
    for plot in ("front", "vs_chip_tile_tiers", "vs_run_batch"):
        check(os.path.exists(os.path.join(a, "plots", plot + ".gp")), "plot %s missing" % plot)
    print("ok: plots written (front and each figure against each axis)")
    # the same sweep on one job and on GNU parallel
    tables = {"local --jobs 2": read(os.path.join(a, "table.csv"))}
    for name, args in (("local --jobs 1", ["--jobs", "1"]), ("parallel --jobs 2", ["--backend", "parallel", "--jobs", "2"])):
        b = fresh(name.replace(" ", "").replace("-", ""))
        aimc3d(["sweep", "plan", SPEC, "--out", b])
        aimc3d(["sweep", "run", b] + args)
        aimc3d(["sweep", "collect", b, "--no-plots"])
        tables[name] = read(os.path.join(b, "table.csv"))
        check(tables[name] == tables["local --jobs 2"], "%s: table.csv differs from the local pool's" % name)
        check(read(os.path.join(b, "table.json")) == read(os.path.join(a, "table.json")), "%s: table.json differs" % name)
    print("ok: byte-identical tables on %s" % ", ".join(tables))
    # resume: nothing to do on a finished sweep; a failed point is retried and keeps its error line
    p = aimc3d(["sweep", "run", a])
    check(" 0 run in " in p.stdout, "a finished sweep ran points again: %s" % p.stdout)
    victim = next(q for q in pts if q["axes"]["chip.tile.tiles"] == 16)
    result = os.path.join(a, "points", victim["id"] + ".json")
    with open(result) as f:
        good = json.load(f)
    with open(result, "w") as f:
        json.dump({"format": "aimc3d-sweep-result/1", "id": victim["id"], "status": "failed", "attempts": 1,
                   "error": "the point process was killed by signal 9 (Killed)"}, f)
    os.remove(os.path.join(a, "points", pts[-1]["id"] + ".json"))  # and one never ran
    open(os.path.join(a, "points", pts[-1]["id"] + ".json.tmp.12345"), "w").write('{"truncated": ')  # a killed write
    p = aimc3d(["sweep", "run", a, "--jobs", "2"])
    check(" 2 run in " in p.stdout, "the re-run should run the failed and the missing point: %s" % p.stdout)
    with open(result) as f:
        retried = json.load(f)
    check(retried["status"] == "ok" and retried["attempts"] == 2 and
          retried["previous_errors"] == ["the point process was killed by signal 9 (Killed)"],
          "the retried point: %s" % {k: retried.get(k) for k in ("status", "attempts", "previous_errors")})
    check(retried["report"]["summary"] == good["report"]["summary"], "the retried point's figures changed")
    aimc3d(["sweep", "collect", a, "--no-plots"])
    check(read(os.path.join(a, "table.csv")) == tables["local --jobs 2"], "the table after the retry differs")
    print("ok: resume skips finished points, retries the failed one (error line kept) and the missing one")
    # a changed point is a new point: re-planning with another token count keeps no result
    spec2 = load_spec()
    spec2["base"]["run"]["tokens"] = 3
    path2 = os.path.join(os.path.dirname(a), "tokens3.json")
    with open(path2, "w") as f:
        json.dump(spec2, f)
    aimc3d(["sweep", "plan", path2, "--out", a])
    pts2 = points_of(a)
    check(not {q["id"] for q in pts2} & {q["id"] for q in pts}, "a changed configuration kept its point id")
    print("ok: a changed configuration gets new point ids")


# ---- Slurm -----------------------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Slurm:
    """munged, slurmctld and slurmd in the foreground as children of this test, with a generated slurm.conf."""

    def __init__(self, root):
        self.root, self.procs = root, []
        os.makedirs(root)
        host = socket.gethostname().split(".")[0]
        user = getpass.getuser()
        key = os.path.join(root, "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o600)
        self.sock = os.path.join(root, "munge.socket")
        for d in ("state", "spool"):
            os.makedirs(os.path.join(root, d))
        self.conf = os.path.join(root, "slurm.conf")
        with open(self.conf, "w") as f:
            f.write("""ClusterName=aimc3dtest
SlurmctldHost={host}
SlurmctldPort={p1}
SlurmdPort={p2}
AuthType=auth/munge
AuthInfo=socket={sock}
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
SlurmUser={user}
SlurmdUser={user}
ReturnToService=2
MpiDefault=none
KillWait=2
NodeName={host} CPUs={cpus} State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP
""".format(host=host, p1=free_port(), p2=free_port(), sock=self.sock, root=root, user=user,
           cpus=os.cpu_count() or 1))
        self.env = dict(os.environ, SLURM_CONF=self.conf)
        self.start(["munged", "-F", "-f", "--key-file=" + key, "--socket=" + self.sock,
                    "--pid-file=" + os.path.join(root, "munged.pid"), "--log-file=" + os.path.join(root, "munged.log"),
                    "--seed-file=" + os.path.join(root, "munged.seed")])
        self.wait_for(lambda: os.path.exists(self.sock), "munged's socket")
        self.start(["slurmctld", "-D", "-i"])
        self.start(["slurmd", "-D"])
        self.wait_for(lambda: "idle" in self.run(["sinfo", "-h", "-o", "%t"]), "the node to come up idle")

    def start(self, argv):
        log = open(os.path.join(self.root, os.path.basename(argv[0]) + ".stderr"), "w")
        self.procs.append(subprocess.Popen(argv, env=self.env, stdout=log, stderr=log))

    def run(self, argv):
        return subprocess.run(argv, env=self.env, capture_output=True, text=True).stdout

    def wait_for(self, cond, what, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            for p in self.procs:
                if p.poll() is not None:
                    fail("%s exited with %d while waiting for %s (logs in %s)" % (p.args[0], p.returncode, what,
                                                                                 self.root))
            if cond():
                return
            time.sleep(0.2)
        fail("timed out waiting for %s (logs in %s)" % (what, self.root))

    def stop(self):
        for p in reversed(self.procs):  # slurmd, slurmctld, munged: by their pids
            if p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait()


def case_slurm():
    for tool in ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel"):
        if not shutil.which(tool):
            print("SKIP: %s is not installed (tools/setup installs slurm-wlm and munge)" % tool)
            sys.exit(77)
    root = tempfile.mkdtemp(prefix="aimc3d-slurm-")
    shutil.rmtree(root)
    slurm = Slurm(root)
    try:
        slurm_sweep(slurm)
    finally:
        slurm.stop()
    shutil.rmtree(root, ignore_errors=True)
    print("ok: munged, slurmctld and slurmd stopped")


def slurm_sweep(slurm):
    ref = fresh("local")
    aimc3d(["sweep", "plan", SPEC, "--out", ref])
    aimc3d(["sweep", "run", ref])
    aimc3d(["sweep", "collect", ref, "--no-plots"])
    d = fresh("slurm")
    aimc3d(["sweep", "plan", SPEC, "--out", d])
    pts = points_of(d)
    pending = [p for p in pts if p["status"] != "infeasible"]
    check(len(pts) >= 16, "the Slurm sweep has %d points" % len(pts))
    # chunks of 2 points, 2 tasks at a time: the last task is still queued when the first ones run
    run = subprocess.Popen([AIMC3D, "sweep", "run", d, "--backend", "slurm", "--chunk", "2", "--array-max", "2",
                            "--time", "5", "--partition", "test", "--wait"],
                           env=slurm.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    job, tasks = None, (len(pending) + 1) // 2
    end = time.time() + 60
    while job is None and time.time() < end:
        out = slurm.run(["squeue", "-h", "-r", "-o", "%A %K %T"])
        for line in out.split("\n"):
            f = line.split()
            if len(f) == 3 and f[1] == str(tasks - 1) and f[2] == "PENDING":
                job = f[0]
        time.sleep(0.1)
    check(job is not None, "no pending array task %d to cancel" % (tasks - 1))
    # cancel the last array task, and a running one if there is one (killed mid-point)
    running = [l.split() for l in slurm.run(["squeue", "-h", "-r", "-t", "R", "-o", "%A %i"]).split("\n") if l]
    cancel = ["%s_%d" % (job, tasks - 1)] + ([running[0][1]] if running else [])
    subprocess.run(["scancel"] + cancel, env=slurm.env, check=True)
    out, err = run.communicate(timeout=300)
    check(run.returncode == 1 and "unfinished" in err, "the cancelled sweep: exit %d\n%s%s" % (run.returncode, out, err))
    script = [f for f in os.listdir(os.path.join(d, "slurm")) if f.endswith(".sbatch")]
    check(len(script) == 1, "the sbatch script: %s" % script)
    done = [p for p in pending if os.path.exists(os.path.join(d, "points", p["id"] + ".json"))]
    check(len(done) < len(pending), "cancelling a task left no point unfinished")
    for p in done:  # no corrupt result: every one parses and is complete
        with open(os.path.join(d, "points", p["id"] + ".json")) as f:
            r = json.load(f)
        check(r["status"] == "infeasible" if p["axes"]["chip.tile.tiles"] == 1 else
              r["status"] == "ok" and "summary" in r["report"], "point %d: result %s" % (p["index"], r["status"]))
    print("ok: array job %s of %d tasks, %s cancelled: %d of %d points done, every result whole" %
          (job, tasks, " and ".join(cancel), len(done), len(pending)))
    p = subprocess.run([AIMC3D, "sweep", "run", d, "--backend", "slurm", "--chunk", "3", "--wait"], env=slurm.env,
                       capture_output=True, text=True)
    check(p.returncode == 0, "the re-run: exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
    check(" %d run in " % (len(pending) - len(done)) in p.stdout, "the re-run ran other points: %s" % p.stdout)
    aimc3d(["sweep", "collect", d, "--no-plots"])
    check(read(os.path.join(d, "table.csv")) == read(os.path.join(ref, "table.csv")),
          "the Slurm table differs from the local pool's")
    check(read(os.path.join(d, "table.json")) == read(os.path.join(ref, "table.json")), "table.json differs")
    print("ok: the re-run finished the %d missing points; table byte-identical to the local pool's" %
          (len(pending) - len(done)))


# ---- the spec's own columns, labels, tags, findings and plot ------------------------------------------------------

def case_spec_columns():
    """Columns as formulas, checked against the report each point holds and against the result's exact figures
    recomputed here; findings against a second implementation over the table; the label and the tags."""
    spec = load_spec()
    spec["axes"] = [{"path": "chip.tile.tiers", "values": [2, 8]},
                    {"zip": [{"path": "run.batch", "values": [1, 2, 4]}, {"path": "tag.size", "values": ["s", "m", "l"]}]}]
    spec["base"]["run"]["fit"] = True
    spec["label"] = "T{chip.tile.tiers} {tag.size}B{run.batch}"
    spec["columns"] = [
        {"name": "point", "kind": "text", "value": "label"},
        {"name": "size", "kind": "text", "value": "tag.size"},
        {"name": "batch", "kind": "int", "value": "run.batch"},
        {"name": "tiers", "kind": "int", "value": "report.config.tiers"},
        {"name": "mvms_per_token", "kind": "real", "value": "figures.tier_mvms / figures.tokens"},
        {"name": "dram_nJ_per_token", "kind": "real", "value": "figures.energy_fJ.dram / 1e6 / figures.tokens"},
        {"name": "tokens_per_s", "kind": "real", "value": "figures.tokens_per_s"},
        {"name": "neg", "kind": "real", "value": "-(2 + max(1, run.batch)) * 0.5"},
    ]
    spec["objectives"] = {"tokens_per_s": "max", "dram_nJ_per_token": "min"}
    spec["findings"] = {"kind": "steps", "fields": [
        {"name": "from", "column": "point", "value": "text", "row": "previous"},
        {"name": "speedup", "column": "tokens_per_s", "value": "ratio", "digits": 4}]}
    tmp = fresh("columns")
    os.makedirs(tmp)
    with open(os.path.join(tmp, "plot.gp"), "w") as f:
        f.write("set xlabel 'batch'\nplot data using 'batch':'tokens_per_s' with points title 'tokens/s'\n")
    spec["plot"] = "plot.gp"
    path = os.path.join(tmp, "columns.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    out = os.path.join(tmp, "sweep")
    aimc3d(["sweep", "plan", path, "--out", out])
    aimc3d(["sweep", "run", out, "--jobs", "2"])
    aimc3d(["sweep", "collect", out])
    pts = points_of(out)
    labels = ["T%d %sB%d" % (t, sz, b) for t in (2, 8) for sz, b in (("s", 1), ("m", 2), ("l", 4))]
    check([p["label"] for p in pts] == labels, "labels %r, expected %r" % ([p["label"] for p in pts], labels))
    with open(os.path.join(out, "table.csv")) as f:
        header = f.readline().strip().split(",")
    check(header == [c["name"] for c in spec["columns"]] + ["pareto"], "table columns %r" % header)
    rows = table_of(out)
    check(len(rows) == 6, "6 rows expected, %d" % len(rows))
    for p, row in zip(pts, rows):
        with open(os.path.join(out, "points", p["id"] + ".json")) as f:
            res = json.load(f)
        rep, fig = res["report"], res["figures"]
        tokens = rep["summary"]["tokens"]
        check(row["point"] == p["label"] and row["size"] == p["axes"]["tag.size"], "label/tag cells of %s" % p["label"])
        check(int(row["batch"]) == p["run"]["batch"] and int(row["tiers"]) == p["axes"]["chip.tile.tiers"],
              "batch/tiers cells of %s" % p["label"])
        # the exact figures agree with the (rounded) report; the cells are them through the formulas
        check(fig["tier_mvms"] == rep["totals"]["counters"]["tier_mvms"] and fig["tokens"] == tokens,
              "exact counters differ from the report's")
        check(abs(fig["energy_fJ"]["dram"] * 1e-3 - rep["totals"]["energy_pJ"]["dram"]) <= 1e-3,
              "exact DRAM energy %r fJ, report %r pJ" % (fig["energy_fJ"]["dram"], rep["totals"]["energy_pJ"]["dram"]))
        check(abs(fig["tokens_per_s"] - rep["summary"]["tokens_per_s"]) <= 5e-4, "exact tokens/s vs the report")
        check(row["mvms_per_token"] == "%.9g" % (fig["tier_mvms"] / tokens), "mvms_per_token cell")
        check(row["dram_nJ_per_token"] == "%.9g" % (fig["energy_fJ"]["dram"] / 1e6 / tokens), "dram cell")
        check(row["neg"] == "%.9g" % (-(2 + max(1, p["run"]["batch"])) * 0.5), "neg cell %r" % row["neg"])
    with open(os.path.join(out, "findings.json")) as f:
        found = json.load(f)["findings"]
    want = [{"from": rows[k - 1]["point"], "speedup": float(rows[k]["tokens_per_s"]) / float(rows[k - 1]["tokens_per_s"])}
            for k in range(1, len(rows))]
    check(len(found) == len(want) and all(a["from"] == b["from"] and abs(a["speedup"] - b["speedup"]) <= 6e-5
                                          for a, b in zip(found, want)), "findings %r, expected %r" % (found, want))
    gp = os.path.join(out, "plots", "tiny.gp")
    check(os.path.exists(gp) and "data = '../table.csv'" in open(gp).read(), "the spec's plot script")
    if shutil.which("gnuplot"):
        check(os.path.exists(os.path.join(out, "plots", "tiny.svg")), "the spec's plot was not rendered")
    print("ok: labels, tags, %d columns = their formulas over the exact figures (= the report's, rounded), "
          "findings (steps) = a second implementation, the spec's plot" % len(header))


def main():
    global CASE, AIMC3D, WORKDIR, SPEC
    CASE, AIMC3D, WORKDIR, SPEC = sys.argv[1:5]
    {"bad_specs": case_bad_specs, "local_parallel": case_local_parallel, "slurm": case_slurm,
     "spec_columns": case_spec_columns}[CASE]()


if __name__ == "__main__":
    main()
