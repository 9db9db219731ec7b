"""What the five cocotb benches share: the cycle protocol, a pyuvm environment (agent = stimulus + monitor,
scoreboard and coverage as analysis subscribers), FSM coverage, and the run settings.

One bench cycle (clock period 10 ns, the RTL samples at the rising edge):
  falling edge    the stimulus drives the cycle's early inputs (requests, configuration, start/load pulses);
  +1 ns           it reads what it needs of the registered outputs and drives the late inputs that depend on
                  them (the DAC codes in an mvm_start cycle, the comparator decisions for the SAR trial codes);
  +2 ns           the monitor samples every output and publishes the cycle (inputs and outputs) to the
                  subscribers: the scoreboard runs the C reference on the same inputs and compares.
"""
import ast
import json
import os
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, Timer
from pyuvm import ConfigDB, uvm_agent, uvm_analysis_port, uvm_env, uvm_subscriber, uvm_test

PARAMS = ast.literal_eval(os.environ.get("AIMC_BENCH_PARAMS", "{}"))


def bench_cycles(default):
    return int(os.environ.get("AIMC_BENCH_CYCLES", default))


def sig(dut, name):
    """A port, or a block's internal signal by dotted path (e.g. "dac.state")."""
    h = dut
    for part in name.split("."):
        h = getattr(h, part)
    return h


class CycleItem:
    """One cycle: inputs (early and late, by port name), the late vectors the reference needs, outputs."""

    def __init__(self, n, inputs, outputs, late=None):
        self.n = n
        self.inputs = inputs
        self.outputs = outputs
        self.late = late or {}


class Stimulus:
    """Constrained-random stimulus of one block; subclasses fill the three hooks."""

    outputs = []  # the ports the monitor samples every cycle

    def __init__(self, dut, rng):
        self.dut = dut
        self.rng = rng
        self._handles = {}
        self._driven = {}

    def reset_inputs(self):
        """Values of every input during reset."""
        raise NotImplementedError

    def early(self, n):
        """Inputs of cycle n before the outputs are known (a dict by port name)."""
        raise NotImplementedError

    def late(self, n):
        """Late inputs of cycle n, from the registered outputs (self.read): (ports by name, extra for the
        reference: "codes" a list of DAC codes, "cmp" the comparator bits as an int)."""
        return {}, {}

    def observe(self, n, item):
        """After the cycle's outputs are sampled (handshakes completed...)."""

    def handle(self, name):
        h = self._handles.get(name)
        if h is None:
            h = self._handles[name] = sig(self.dut, name)
        return h

    def read(self, names):
        # the value's bit string straight from the GPI handle: BinaryValue objects (handle.value) made for some
        # 40 signals a cycle are most of a bench's run time; an X or Z bit still fails int()
        return {k: int(self.handle(k)._handle.get_signal_val_binstr(), 2) for k in names}

    def write(self, ports):
        """Drives the ports whose value changes (an unchanged port keeps its value)."""
        for k, v in ports.items():
            if self._driven.get(k) != v:
                self.handle(k).value = v
                self._driven[k] = v


class CycleAgent(uvm_agent):
    """Drives the stimulus and publishes every sampled cycle on `ap`."""

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.dut = ConfigDB().get(self, "", "DUT")
        self.stim = ConfigDB().get(self, "", "STIM")
        self.cycles = ConfigDB().get(self, "", "CYCLES")

    async def run_phase(self):
        self.raise_objection()
        dut, stim = self.dut, self.stim
        cocotb.start_soon(Clock(dut.clk, 10, units="ns").start())
        stim.write(stim.reset_inputs())
        for _ in range(3):
            await FallingEdge(dut.clk)
        for n in range(self.cycles):
            await FallingEdge(dut.clk)
            early = stim.early(n)
            stim.write(early)
            await Timer(1, units="ns")
            late_ports, extra = stim.late(n)
            stim.write(late_ports)
            await Timer(1, units="ns")
            item = CycleItem(n, {**early, **late_ports}, stim.read(stim.outputs), extra)
            stim.observe(n, item)
            self.ap.write(item)
        self.drop_objection()


class FsmCoverage:
    """Coverage of one FSM: every state and every legal transition (pairs of consecutive cycles' states).
    Transitions not listed as legal must be declared unreachable, with the reason; seeing one fails."""

    def __init__(self, name, signal, states, legal, unreachable):
        self.name, self.signal, self.states = name, signal, states
        self.legal = set(legal)
        self.unreachable = dict(unreachable)
        every = {(a, b) for a in states for b in states}
        assert self.legal | set(self.unreachable) == every and not (self.legal & set(self.unreachable)), \
            f"{name}: every transition must be legal or declared unreachable"
        self.state_hits = {s: 0 for s in states}
        self.hits = {t: 0 for t in every}
        self.prev = None

    def sample(self, value):
        if value not in self.states:
            self.hits.setdefault(("?", value), 0)
            self.hits[("?", value)] += 1
        else:
            self.state_hits[value] += 1
            if self.prev is not None:
                self.hits[(self.prev, value)] += 1
        self.prev = value

    def tname(self, t):
        return f"{self.states.get(t[0], t[0])}->{self.states.get(t[1], t[1])}"

    def report(self):
        s_cov = sum(1 for v in self.state_hits.values() if v)
        t_cov = sum(1 for t in self.legal if self.hits[t])
        lines = [f"coverage {self.name}: states {s_cov}/{len(self.states)}, transitions {t_cov}/{len(self.legal)} "
                 f"({100.0 * (s_cov + t_cov) / (len(self.states) + len(self.legal)):.1f} %)"]
        for t in sorted(self.legal):
            lines.append(f"  {self.tname(t):24s} {self.hits[t]:7d} cycles")
        for t, why in sorted(self.unreachable.items()):
            lines.append(f"  {self.tname(t):24s} unreachable: {why}")
        return lines

    def problems(self):
        p = [f"{self.name}: state {self.states[s]} never reached" for s, v in self.state_hits.items() if not v]
        p += [f"{self.name}: transition {self.tname(t)} never taken" for t in sorted(self.legal) if not self.hits[t]]
        p += [f"{self.name}: transition {self.tname(t)} declared unreachable was taken {self.hits[t]} times"
              for t in sorted(self.unreachable) if self.hits[t]]
        p += [f"{self.name}: undeclared state value {k[1]}" for k in self.hits if k[0] == "?"]
        return p


class Bins:
    """Named cover points of the stimulus (corner cases the FSM coverage does not name)."""

    def __init__(self, name, names):
        self.name = name
        self.hits = {n: 0 for n in names}

    def hit(self, n, cond=True):
        if cond:
            self.hits[n] += 1

    def report(self):
        c = sum(1 for v in self.hits.values() if v)
        return [f"coverage {self.name}: {c}/{len(self.hits)} bins"] + \
               [f"  {k:40s} {v:7d}" for k, v in self.hits.items()]

    def problems(self):
        return [f"{self.name}: bin '{k}' never hit" for k, v in self.hits.items() if not v]


class Coverage(uvm_subscriber):
    """Samples the FSMs each cycle; reports and requires complete coverage."""

    def build_phase(self):
        self.fsms = ConfigDB().get(self, "", "FSMS")
        self.bins = ConfigDB().get(self, "", "BINS")

    def write(self, item):
        for f in self.fsms:
            f.sample(item.outputs[f.signal])

    def check_phase(self):
        for f in self.fsms + self.bins:
            for line in f.report():
                print(line, flush=True)

    def problems(self):
        p = [p for f in self.fsms + self.bins for p in f.problems()]
        return ["coverage incomplete: " + "; ".join(p)] if p else []


class Scoreboard(uvm_subscriber):
    """Base: counts checks, keeps the first mismatches; the environment fails the test on them."""

    def build_phase(self):
        self.checks = 0
        self.errors = []
        self.setup()

    def setup(self):
        pass

    def expect(self, n, what, got, want):
        self.checks += 1
        if got != want:
            if len(self.errors) < 10:
                self.errors.append(f"cycle {n}: {what}: DUT {got}, reference {want}")
                self.logger.error(self.errors[-1])

    def summary(self):
        return [f"scoreboard: {self.checks} checks, {len(self.errors)} mismatches"
                + (" (first 10 kept)" if len(self.errors) >= 10 else "")]

    def check_phase(self):
        for line in self.summary():
            print(line, flush=True)

    def problems(self):
        p = [] if self.checks else ["the scoreboard checked nothing"]
        return p + (["scoreboard mismatches: " + "; ".join(self.errors[:3])] if self.errors else [])


class CycleScoreboard(Scoreboard):
    """The DUT's outputs against a cycle-by-cycle C reference (aimc_ref.BlockRef) fed the same inputs.
    Subclasses may skip outputs in some cycles (`compare_now`) and add checks (`more`)."""

    def setup(self):
        self.ref = ConfigDB().get(self, "", "REF")

    def compare_now(self, name, item, want):
        return True

    def write(self, item):
        if "codes" in item.late:
            self.ref.set_codes(item.late["codes"])
        if "cmp" in item.late:
            self.ref.set_cmp(item.late["cmp"])
        want = self.ref.cycle(item.inputs)
        for name, v in want.items():
            if name in item.outputs and self.compare_now(name, item, want):
                self.expect(item.n, name, item.outputs[name], v)
        self.more(item, want)

    def more(self, item, want):
        pass


class BenchEnv(uvm_env):
    def build_phase(self):
        self.agent = CycleAgent("agent", self)
        self.cov = Coverage("coverage", self)
        sb_cls = ConfigDB().get(self, "", "SCOREBOARD")
        self.sb = sb_cls("scoreboard", self)

    def connect_phase(self):
        self.agent.ap.connect(self.sb.analysis_export)
        self.agent.ap.connect(self.cov.analysis_export)

    def report_phase(self):
        # after every component's check_phase printed its report: fail on mismatches and on missing coverage
        problems = self.sb.problems() + self.cov.problems()
        if os.environ.get("AIMC_BENCH_REPORT"):  # for run_bench.py (cocotb 1.8's results.xml has no message)
            with open(os.environ["AIMC_BENCH_REPORT"], "w") as f:
                json.dump({"checks": self.sb.checks, "problems": problems}, f)
        assert not problems, " | ".join(problems)


class BenchTest(uvm_test):
    """Subclasses set: stimulus(dut, rng), scoreboard class, fsms(), bins(), ref() (or None), cycles."""

    cycles = 3000

    def build_phase(self):
        dut = cocotb.top
        seed = cocotb.RANDOM_SEED
        rng = random.Random(seed)
        print(f"{type(self).__name__}: seed {seed}, {PARAMS}", flush=True)
        stim = self.stimulus(dut, rng)
        ConfigDB().set(None, "*", "DUT", dut)
        ConfigDB().set(None, "*", "STIM", stim)
        ConfigDB().set(None, "*", "CYCLES", bench_cycles(self.cycles))
        ConfigDB().set(None, "*", "FSMS", self.fsms())
        ConfigDB().set(None, "*", "BINS", [stim.bins] if getattr(stim, "bins", None) else [])
        ConfigDB().set(None, "*", "REF", self.ref())
        ConfigDB().set(None, "*", "SCOREBOARD", self.scoreboard)
        self.env = BenchEnv("env", self)

    def ref(self):
        return None
