"""cocotb bench of hw/dac_periphery.sv: random loads of random codes (all-zero, |code| <= 1 and full-range
vectors, junk in the unconnected rows), PWM and bit-serial, random resolution and row count per epoch, and
loads that restart a drive in progress.  Scoreboard: the DAC part of the cycle-exact C tile reference
(engine/tile_ref.h, aimc_tile_ref_dac_cycle), every output every cycle; per MVM, the drive length against the
cost model (engine/tile_cost.h, the drive phase of an MVM with those codes)."""
import pyuvm

import aimc_ref
from bench_common import PARAMS, Bins, BenchTest, CycleScoreboard, FsmCoverage, Stimulus

ROWS, B_IN = PARAMS["ROWS"], PARAMS["B_IN"]
D_IDLE, D_DRIVE = 0, 1


def pack(codes, width):
    word = 0
    for r, c in enumerate(codes):
        word |= (c & ((1 << width) - 1)) << (r * width)
    return word


def dac_fsm(signal="state", name="dac_periphery.state"):
    return FsmCoverage(name, signal, {D_IDLE: "DAC_IDLE", D_DRIVE: "DAC_DRIVE"},
                       legal=[(D_IDLE, D_IDLE), (D_IDLE, D_DRIVE), (D_DRIVE, D_DRIVE), (D_DRIVE, D_IDLE)],
                       unreachable={})


def random_codes(rng, rows_used, b_in, lane_bits, rows_total):
    """rows_used codes within +-(2^(b_in-1)-1), the unconnected rows anything the lane holds."""
    cmax = (1 << (b_in - 1)) - 1
    kind = rng.random()
    if kind < 0.12:
        used = [0] * rows_used
    elif kind < 0.27:
        used = [rng.choice([-1, 0, 1]) for _ in range(rows_used)]
    else:
        used = [rng.randint(-cmax, cmax) for _ in range(rows_used)]
    junk = [rng.randint(-(1 << (lane_bits - 1)), (1 << (lane_bits - 1)) - 1) for _ in range(rows_total - rows_used)]
    return used + junk


class DacStimulus(Stimulus):
    outputs = ["driving", "drive_cycle", "drive_len", "drive_done", "drive_empty", "conversions", "pulses",
               "max_code", "conversions_total", "pulses_total", "range_error", "state"]

    def __init__(self, dut, rng):
        super().__init__(dut, rng)
        self.cfg = {"cfg_bit_serial": 0, "cfg_b_in": B_IN, "cfg_rows": ROWS}
        self.codes = [0] * ROWS
        self.bins = Bins("dac_periphery.cases", ["PWM D = 0", "PWM D = 1", "PWM D >= 2", "bit-serial b_in = 2",
                                                 "bit-serial b_in > 2", "load during a drive",
                                                 "rows < ROWS (junk ignored)"])

    def reset_inputs(self):
        return {"rst_n": 0, "cfg_bit_serial": 0, "cfg_b_in": B_IN, "cfg_rows": ROWS, "load": 0, "in_codes": 0}

    def early(self, n):
        r = self.rng
        if n % 97 == 0:
            self.cfg = {"cfg_bit_serial": int(r.random() < 0.4), "cfg_b_in": r.randint(2, B_IN),
                        "cfg_rows": r.choice([1, r.randint(1, ROWS), ROWS])}
        driving = self.read(["driving"])["driving"]
        load = r.random() < (0.06 if driving else 0.35)
        if load:
            self.codes = random_codes(r, self.cfg["cfg_rows"], self.cfg["cfg_b_in"], B_IN, ROWS)
            self.note(driving)
        self.loaded = load
        return {"rst_n": 1, **self.cfg, "load": int(load), "in_codes": pack(self.codes, B_IN)}

    def note(self, driving):
        c = self.cfg
        used = self.codes[:c["cfg_rows"]]
        d = max(abs(x) for x in used)
        b = self.bins
        if c["cfg_bit_serial"]:
            b.hit("bit-serial b_in = 2" if c["cfg_b_in"] == 2 else "bit-serial b_in > 2")
        else:
            b.hit("PWM D = 0" if d == 0 else "PWM D = 1" if d == 1 else "PWM D >= 2")
        b.hit("load during a drive", driving)
        b.hit("rows < ROWS (junk ignored)", c["cfg_rows"] < ROWS)

    def late(self, n):
        return {}, ({"codes": self.codes} if self.loaded else {})  # the reference reads them at a load only


class DacScoreboard(CycleScoreboard):
    def setup(self):
        super().setup()
        self.want_len = None

    def more(self, item, want):
        # per MVM: the drive length D the cost model gives for the loaded codes (engine/tile_cost.h), on the
        # drive_len port from the cycle after the load
        if self.want_len is not None:
            self.expect(item.n, "drive length D (tile_cost)", item.outputs["drive_len"], self.want_len)
            self.want_len = None
        i = item.inputs
        if i["load"]:
            used = item.late["codes"][:i["cfg_rows"]]
            self.want_len = aimc_ref.mvm_phases(i["cfg_bit_serial"], i["cfg_b_in"], 1, 1, 0, used)["drive"]


@pyuvm.test()
class DacPeripheryTest(BenchTest):
    cycles = 4000
    scoreboard = DacScoreboard

    def stimulus(self, dut, rng):
        return DacStimulus(dut, rng)

    def ref(self):
        return aimc_ref.BlockRef(aimc_ref.DAC, 1)

    def fsms(self):
        return [dac_fsm()]
