"""cocotb bench of hw/token_dispatcher.sv: a random dispatch table (engine/dispatch_table.h, built in C: random
entries of 1..4 blocks on random tiles and tiers) loaded into the mapping memory the way the cosim loads it,
then random group commands (random layer, phase, 1..MAX_UNITS distinct units, a free slot; valid held until
accepted) and tile models that accept jobs at random and complete them after random latencies.

Scoreboard, every cycle: the expansion the C dispatch table gives for each accepted command (which job goes to
which tile with which tier and tag {slot, job index}, in order) against every queue head and every pop; the
dispatch timing contract (docs/engines.md "Dispatcher timing": one push per cycle from the cycle after the
accept, a stall exactly when the target queue is full, IDLE after the last push); queue counts, jobs_pushed,
the per-tile stall and OTT-conflict counters; group_open, and group_done in exactly the cycle after a closed
group's last completion."""
from collections import deque

import pyuvm

import aimc_ref
from bench_common import PARAMS, BenchTest, Bins, FsmCoverage, Scoreboard, Stimulus

P = PARAMS
TILES, TIER_W, SLOTS, JOB_W = P["TILES"], P["TIER_W"], P["SLOTS"], P["JOB_W"]
MAX_UNITS, UNIT_W, QDEPTH = P["MAX_UNITS"], P["UNIT_W"], P["QDEPTH"]
SLOT_W = (SLOTS - 1).bit_length()
TAG_W = SLOT_W + JOB_W
QCNT_W = QDEPTH.bit_length()
LAYERS, UNITS, PHASES = 3, 5, 2
D_IDLE, D_PUSH = 0, 1


def lanes(word, width, n):
    return [(word >> (i * width)) & ((1 << width) - 1) for i in range(n)]


def lane_str(binstr, width, i):
    """Lane i of a vector read as a bit string (MSB first); None when it holds X or Z."""
    n = len(binstr)
    s = binstr[n - (i + 1) * width: n - i * width]
    return int(s, 2) if set(s) <= {"0", "1"} else None


class DispatchStimulus(Stimulus):
    outputs = ["cmd_ready", "job_valid", "group_done", "group_open", "fsm_state", "queue_count", "stalled",
               "jobs_pushed", "stall_cycles", "conflict_cycles"]
    raw = ["job_tier", "job_tag"]  # X in Icarus for empty queues: read as bit strings

    def __init__(self, dut, rng):
        super().__init__(dut, rng)
        r = rng
        self.table = aimc_ref.DispatchTable(LAYERS, UNITS, PHASES)
        for l in range(LAYERS):
            for u in range(UNITS):
                for p in range(PHASES):
                    for _ in range(r.randint(1, 4)):
                        self.table.add(l, u, p, r.randrange(TILES), r.randrange(1 << TIER_W))
        self.table.finish()
        self.writes = deque()  # the cosim's load order: each entry's blocks, then the entry
        for l in range(LAYERS):
            for u in range(UNITS):
                for p in range(PHASES):
                    first, blocks = self.table.first(l, u, p), self.table.entry(l, u, p)
                    for k, (tile, tier) in enumerate(blocks):
                        self.writes.append((1, first + k, tier << 16 | tile))
                    self.writes.append((0, (l * UNITS + u) * PHASES + p, len(blocks) << 16 | first))
        self.cmd = None
        self.busy_slots = set()
        self.tile_left = [0] * TILES   # cycles to the completion of the job a tile runs (0: idle)
        self.tile_tag = [0] * TILES
        self.done_pulse = [None] * TILES
        self.ready_p, self.cmd_p = 0.5, 0.3
        self.latency = [(1, 8)] * TILES
        self.bins = Bins("token_dispatcher.cases", ["stall on a full queue", "push and pop of one queue in a cycle",
                                                    "two completions of one group in a cycle", "group_done",
                                                    "command waits while pushing", "slot reused",
                                                    "group done before its expansion closed (stays open)"])
        self.used_slots = set()

    def reset_inputs(self):
        return {"rst_n": 0, "cfg_units": UNITS, "cfg_phases": PHASES, "map_we": 0, "map_is_block": 0, "map_addr": 0,
                "map_wdata": 0, "cmd_valid": 0, "cmd_slot": 0, "cmd_layer": 0, "cmd_phase": 0, "cmd_nunits": 0,
                "cmd_units": 0, "job_ready": 0, "tile_done": 0, "tile_done_tag": 0}

    def early(self, n):
        r = self.rng
        ports = {"rst_n": 1, "cfg_units": UNITS, "cfg_phases": PHASES, "map_we": 0}
        if self.writes:
            is_block, addr, data = self.writes.popleft()
            ports.update({"map_we": 1, "map_is_block": is_block, "map_addr": addr, "map_wdata": data})
            self.loading = True
            return ports
        self.loading = False
        if n % 300 == 0:  # an epoch: how eager the tiles and the sequencer are, which tiles are slow
            self.ready_p, self.cmd_p = r.choice([0.15, 0.5, 1.0]), r.choice([0.1, 0.4, 0.9])
            self.latency = [r.choice([(1, 2), (1, 8), (6, 14)]) for _ in range(TILES)]
        free = [s for s in range(SLOTS) if s not in self.busy_slots]
        if self.cmd is None and free and r.random() < self.cmd_p:
            nunits = r.randint(1, MAX_UNITS)
            units = r.sample(range(UNITS), nunits) + [r.randrange(1 << UNIT_W) for _ in range(MAX_UNITS - nunits)]
            slot = r.choice(free)
            self.bins.hit("slot reused", slot in self.used_slots)
            self.used_slots.add(slot)
            self.busy_slots.add(slot)
            self.cmd = {"cmd_slot": slot, "cmd_layer": r.randrange(LAYERS), "cmd_phase": r.randrange(PHASES),
                        "cmd_nunits": nunits, "cmd_units": sum(u << (i * UNIT_W) for i, u in enumerate(units))}
        ports["cmd_valid"] = int(self.cmd is not None)
        if self.cmd:
            ports.update(self.cmd)
        ready = done = done_tag = 0
        for t in range(TILES):
            if self.tile_left[t] == 1:
                done |= 1 << t
                done_tag |= self.tile_tag[t] << (t * TAG_W)
            if self.tile_left[t]:
                self.tile_left[t] -= 1
            if self.tile_left[t] == 0 and r.random() < self.ready_p:
                ready |= 1 << t
        ports.update({"job_ready": ready, "tile_done": done, "tile_done_tag": done_tag})
        return ports

    def observe(self, n, item):
        i, o = item.inputs, item.outputs
        if i.get("cmd_valid") and o["cmd_ready"]:
            self.cmd = None
        elif i.get("cmd_valid"):
            self.bins.hit("command waits while pushing")
        for t in range(TILES):
            if (o["job_valid"] >> t) & 1 and (i["job_ready"] >> t) & 1:
                self.tile_tag[t] = lane_str(o["job_tag"], TAG_W, t) or 0
                self.tile_left[t] = self.rng.randint(*self.latency[t])  # completes (tile_done) that many cycles later
        for s in range(SLOTS):
            if (o["group_done"] >> s) & 1:
                self.busy_slots.discard(s)
                self.bins.hit("group_done")

    def read(self, names):
        v = super().read(names)
        if names is self.outputs:
            for k in self.raw:
                v[k] = self.handle(k)._handle.get_signal_val_binstr()
        return v


class DispatchScoreboard(Scoreboard):
    """A model of the queues and groups fed with the C table's expansion; see the module's docstring."""

    def setup(self):
        from pyuvm import ConfigDB
        self.stim = ConfigDB().get(self, "", "STIM")
        self.q = [deque() for _ in range(TILES)]   # (tier, tag) queued per tile
        self.jobs = None                             # the command being expanded: [(tile, tier, tag)]
        self.slot = None
        self.pushed = 0
        self.stall = [0] * TILES
        self.conflict = [0] * TILES
        self.outstanding = [0] * SLOTS
        self.open = [False] * SLOTS
        self.want_done = 0
        self.want_state = D_IDLE
        self.groups = 0

    def write(self, item):
        i, o, n = item.inputs, item.outputs, item.n
        e = self.expect
        # outputs against the model's state at the start of the cycle
        e(n, "fsm_state", o["fsm_state"], self.want_state)
        e(n, "cmd_ready", o["cmd_ready"], int(self.want_state == D_IDLE))
        e(n, "jobs_pushed", o["jobs_pushed"], self.pushed)
        e(n, "group_done", o["group_done"], self.want_done)
        e(n, "group_open", o["group_open"], sum(1 << s for s in range(SLOTS) if self.open[s]))
        counts = lanes(o["queue_count"], QCNT_W, TILES)
        e(n, "stall_cycles", lanes(o["stall_cycles"], 32, TILES), self.stall)
        e(n, "conflict_cycles", lanes(o["conflict_cycles"], 32, TILES), self.conflict)
        for t in range(TILES):
            e(n, f"queue_count[{t}]", counts[t], len(self.q[t]))
            e(n, f"job_valid[{t}]", (o["job_valid"] >> t) & 1, int(bool(self.q[t])))
            if self.q[t]:
                head = (lane_str(o["job_tier"], TIER_W, t), lane_str(o["job_tag"], TAG_W, t))
                e(n, f"queue {t} head (tier, tag) (C dispatch table)", head, self.q[t][0])
        if self.stim.loading:
            return
        # the cycle's events
        closing = None
        push_t = None
        if self.want_state == D_PUSH:
            tile, tier, tag = self.jobs[self.idx]
            full = len(self.q[tile]) == QDEPTH
            e(n, "stalled (target queue full)", o["stalled"], int(full))
            if full:
                self.stall[tile] += 1
                self.stim.bins.hit("stall on a full queue")
            else:
                push_t = (tile, tier, tag)
                self.idx += 1
                if self.idx == len(self.jobs):
                    closing = self.slot
        else:
            e(n, "stalled", o["stalled"], 0)
        pops = [(o["job_valid"] >> t) & 1 and (i["job_ready"] >> t) & 1 for t in range(TILES)]
        for t in range(TILES):
            self.conflict[t] += len(self.q[t]) - pops[t]
            if pops[t]:
                self.q[t].popleft()
        if push_t:
            tile, tier, tag = push_t
            self.stim.bins.hit("push and pop of one queue in a cycle", pops[tile])
            self.q[tile].append((tier, tag))
            self.pushed += 1
            self.outstanding[self.slot] += 1
        done_now = [0] * SLOTS
        for t in range(TILES):
            if (i["tile_done"] >> t) & 1:
                done_now[((i["tile_done_tag"] >> (t * TAG_W)) & ((1 << TAG_W) - 1)) >> JOB_W] += 1
        accept = self.want_state == D_IDLE and i["cmd_valid"]
        next_state = self.want_state
        if accept:
            self.slot, self.idx = i["cmd_slot"], 0
            units = lanes(i["cmd_units"], UNIT_W, MAX_UNITS)[:i["cmd_nunits"]]
            blocks = [b for u in units for b in self.stim.table.entry(i["cmd_layer"], u, i["cmd_phase"])]
            self.jobs = [(tile, tier, (self.slot << JOB_W) | j) for j, (tile, tier) in enumerate(blocks)]
            next_state = D_PUSH
        elif closing is not None:
            next_state = D_IDLE
        self.want_done = 0
        for s in range(SLOTS):
            self.outstanding[s] -= done_now[s]
            open_after = (self.open[s] or (accept and i["cmd_slot"] == s)) and closing != s
            if done_now[s] > 1:
                self.stim.bins.hit("two completions of one group in a cycle")
            if done_now[s] and self.outstanding[s] == 0 and open_after:
                self.stim.bins.hit("group done before its expansion closed (stays open)")
            if done_now[s] and self.outstanding[s] == 0 and not open_after:
                self.want_done |= 1 << s
                self.groups += 1
            self.open[s] = open_after
        self.want_state = next_state

    def summary(self):
        return super().summary() + [f"scoreboard: {self.pushed} jobs, {self.groups} groups completed"]


@pyuvm.test()
class TokenDispatcherTest(BenchTest):
    cycles = 4000
    scoreboard = DispatchScoreboard

    def stimulus(self, dut, rng):
        return DispatchStimulus(dut, rng)

    def fsms(self):
        return [FsmCoverage("token_dispatcher.state", "fsm_state", {D_IDLE: "D_IDLE", D_PUSH: "D_PUSH"},
                            legal=[(D_IDLE, D_IDLE), (D_IDLE, D_PUSH), (D_PUSH, D_PUSH), (D_PUSH, D_IDLE)],
                            unreachable={})]
