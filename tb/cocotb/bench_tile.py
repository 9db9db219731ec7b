"""cocotb bench of hw/tile.sv (controller, DAC, integration, ADC): random MVM requests on random tiers, a random
runtime configuration per epoch (rows, PWM/bit-serial, b_in, b_out, converters, mux ratio, integration and
switch times; changed while the tile is idle), random DAC codes at each mvm_start, and random column values
answered by the C analog model's comparator.

Scoreboards (pyuvm subscribers of the monitor's cycles):
  cycle     the cycle-exact C tile reference (engine/tile_ref.h, aimc_tile_ref_cycle): every output and the SAR
            registers, every cycle;
  per MVM   the cost model (engine/tile_cost.h): latency from accept to done_valid, and every event count of
            done_*; every conversion result against the C SAR (analog/periphery_analog.h) and the saturated
            count against the C quantizer."""
import pyuvm
from pyuvm import ConfigDB

import aimc_ref
from bench_adc_periphery import adc_fsm, sar_codes
from bench_common import PARAMS, BenchTest, Bins, CycleScoreboard, FsmCoverage, Stimulus
from bench_dac_periphery import dac_fsm, pack, random_codes
from bench_tier_select_ctrl import COMPUTE, ctrl_fsm

TIERS, TAG_W, ROWS, B_IN, NADC, B_OUT = (PARAMS[k] for k in ("TIERS", "TAG_W", "ROWS", "B_IN", "NADC", "B_OUT"))
PH = {0: "IDLE", 1: "LOAD", 2: "DRIVE", 3: "INTEGRATE", 4: "CONVERT"}
P_IDLE, P_LOAD, P_DRIVE, P_INT, P_CONV = range(5)


def phase_fsm():
    legal = [(P_IDLE, P_IDLE), (P_IDLE, P_LOAD), (P_LOAD, P_DRIVE), (P_LOAD, P_INT), (P_LOAD, P_CONV),
             (P_DRIVE, P_DRIVE), (P_DRIVE, P_INT), (P_DRIVE, P_CONV), (P_INT, P_INT), (P_INT, P_CONV),
             (P_CONV, P_CONV), (P_CONV, P_IDLE), (P_CONV, P_LOAD)]
    why = {}
    for b in (P_DRIVE, P_INT, P_CONV):
        why[(P_IDLE, b)] = "the datapath starts only with a load (mvm_start)"
    why[(P_LOAD, P_LOAD)] = "an MVM lasts K >= 3 cycles (a load, then at least one conversion of >= 2 cycles)"
    why[(P_LOAD, P_IDLE)] = "a load is always followed by its conversions"
    for a in (P_DRIVE, P_INT):
        why[(a, P_IDLE)] = "a drive or integration is always followed by the conversions"
        why[(a, P_LOAD)] = "the next MVM can start only in the cycle after the last conversion"
    why[(P_INT, P_DRIVE)] = "integration comes after the drive"
    why[(P_CONV, P_DRIVE)] = why[(P_CONV, P_INT)] = "the conversions end the MVM; the next begins with LOAD"
    return FsmCoverage("tile.phase", "phase", PH, legal, why)


class TileStimulus(Stimulus):
    outputs = ["req_ready", "mvm_start", "done_valid", "done_tag", "done_dac_conversions", "done_drive_pulses",
               "done_conversions", "done_saturated", "done_buffer_accesses", "tier_en", "busy", "switching",
               "fsm_state", "active_tier", "active_tag", "switch_count", "mvm_count", "phase", "dac_driving",
               "dac_drive_cycle", "dac_drive_len", "adc_sampling", "adc_deciding", "adc_mux", "adc_bit", "adc_sar",
               "adc_valid", "adc_valid_mux", "adc_sat", "dac_conversions_total", "drive_pulses_total",
               "conversions_total", "saturated_total", "dac.state", "adc.state"]

    def __init__(self, dut, rng):
        super().__init__(dut, rng)
        self.cfg = self.random_cfg()
        self.adc = aimc_ref.Adc(B_IN, self.cfg["cfg_b_out"])
        self.req = None
        self.new_epoch, self.rate = False, 0.3
        self.tag = 0
        self.last_tier = 0
        self.codes = [0] * ROWS
        self.rec = self.prev_rec = None
        self.bins = Bins("tile.cases", ["bit-serial", "PWM", "D = 0", "D = 1", "I = 0", "b_out = 1", "M > 1",
                                        "back-to-back same tier", "back-to-back other tier", "switch_cycles = 0"])

    def random_cfg(self):
        r = self.rng
        return {"switch_cycles": r.choice([0, 1, 2, 3]), "cfg_rows": r.randint(1, ROWS),
                "cfg_bit_serial": int(r.random() < 0.4), "cfg_b_in": r.randint(2, B_IN),
                "cfg_b_out": r.choice([1, r.randint(1, B_OUT), B_OUT]), "cfg_adcs": r.randint(1, NADC),
                "cfg_mux": r.choice([1, 2, 3]), "cfg_integrate_cycles": r.choice([0, 0, 1, 2, 3])}

    def reset_inputs(self):
        return {"rst_n": 0, **self.cfg, "req_valid": 0, "req_tier": 0, "req_tag": 0, "in_codes": 0, "adc_cmp": 0}

    def early(self, n):
        r = self.rng
        o = self.read(["busy", "phase"])
        if n % 150 == 0:
            self.new_epoch = True  # no more requests until the tile is idle, then another configuration
        if self.new_epoch and self.req is None and not o["busy"] and o["phase"] == P_IDLE:
            self.cfg = self.random_cfg()
            self.adc = aimc_ref.Adc(B_IN, self.cfg["cfg_b_out"])
            self.rate = r.choice([0.05, 0.2, 0.5, 0.9])
            self.new_epoch = False
        if self.req is None and not self.new_epoch and r.random() < self.rate:
            tier = self.last_tier if r.random() < 0.5 else r.randrange(TIERS)
            self.tag = (self.tag + 1) % (1 << TAG_W)
            self.req = (tier, self.tag)
        tier, tag = self.req if self.req else (0, 0)
        return {"rst_n": 1, **self.cfg, "req_valid": int(self.req is not None), "req_tier": tier, "req_tag": tag}

    def late(self, n):
        o = self.read(["mvm_start", "adc_deciding", "adc_mux", "adc_sar"])
        c, ports, extra = self.cfg, {}, {}
        self.started = o["mvm_start"]
        if o["mvm_start"]:
            self.codes = random_codes(self.rng, c["cfg_rows"], c["cfg_b_in"], B_IN, ROWS)
            ports["in_codes"] = pack(self.codes, B_IN)
            extra["codes"] = self.codes
            r, half, lsb = self.rng, 1 << (self.adc.b_out - 1), self.adc.lsb
            vals = [r.uniform(-half - 2, half + 2) * lsb for _ in range(c["cfg_adcs"] * c["cfg_mux"])]
            self.prev_rec, self.rec = self.rec, {"values": vals, "adc": self.adc, "m": c["cfg_mux"],
                                                 "adcs": c["cfg_adcs"], "codes": self.codes[:c["cfg_rows"]]}
            used = self.codes[:c["cfg_rows"]]
            d = max(abs(x) for x in used)
            b = self.bins
            b.hit("bit-serial" if c["cfg_bit_serial"] else "PWM")
            b.hit("D = 0", not c["cfg_bit_serial"] and d == 0)
            b.hit("D = 1", (not c["cfg_bit_serial"] and d == 1) or (c["cfg_bit_serial"] and c["cfg_b_in"] == 2))
            b.hit("I = 0", c["cfg_integrate_cycles"] == 0)
            b.hit("b_out = 1", c["cfg_b_out"] == 1)
            b.hit("M > 1", c["cfg_mux"] > 1)
        if o["adc_deciding"]:
            trial = sar_codes(o["adc_sar"], NADC, B_OUT)
            cmp = 0
            for a in range(NADC):
                bit = self.rec["adc"].compare(self.rec["values"][a * self.rec["m"] + o["adc_mux"]], trial[a]) \
                    if a < self.rec["adcs"] else self.rng.getrandbits(1)
                cmp |= bit << a
            ports["adc_cmp"] = cmp
            extra["cmp"] = cmp
        extra["results_of"] = self.prev_rec if self.started else self.rec
        return ports, extra

    def observe(self, n, item):
        i, o = item.inputs, item.outputs
        if i["req_valid"] and o["req_ready"]:
            if o["fsm_state"] == COMPUTE:
                self.bins.hit("back-to-back same tier" if i["req_tier"] == o["active_tier"] else
                              "back-to-back other tier")
            self.bins.hit("switch_cycles = 0", i["switch_cycles"] == 0 and
                          (i["req_tier"] != o["active_tier"] or o["tier_en"] == 0))
            self.last_tier = i["req_tier"]
            self.req = None


class TileScoreboard(CycleScoreboard):
    """Cycle by cycle against tile_ref; per MVM against tile_cost and the C SAR."""

    def setup(self):
        super().setup()
        self.accepted = []  # MVMs accepted, not started: (tag, accept cycle, switches, switch_cycles)
        self.running = []   # started, not done: + codes, config
        self.mvms = 0

    def compare_now(self, name, item, want):
        return name != "adc_sat" or want["adc_valid"]

    def more(self, item, want):
        o, i, n = item.outputs, item.inputs, item.n
        if want["adc_deciding"] or want["adc_valid"]:
            adcs = i["cfg_adcs"]
            self.expect(n, "adc_sar (SAR registers)", sar_codes(o["adc_sar"], NADC, B_OUT)[:adcs], self.ref.sar(adcs))
        if o["adc_valid"]:
            rec, j = item.late["results_of"], o["adc_valid_mux"]
            got = sar_codes(o["adc_sar"], NADC, B_OUT)
            for a in range(rec["adcs"]):
                v = rec["values"][a * rec["m"] + j]
                self.expect(n, f"converter {a} result (C SAR)", got[a], rec["adc"].sar_code(v))
                rec["saturated"] = rec.get("saturated", 0) + int(rec["adc"].saturated(v))
        # per MVM
        if i["req_valid"] and o["req_ready"]:
            switches = o["tier_en"] == 0 or i["req_tier"] != o["active_tier"]
            self.accepted.append((i["req_tag"], n, switches, i["switch_cycles"]))
        if o["mvm_start"]:
            self.running.append(self.accepted.pop(0) + (dict(i), item.late["codes"][:i["cfg_rows"]]))
        if o["done_valid"]:
            tag, acc, sw, s_cyc, cfg, codes = self.running.pop(0)
            self.mvms += 1
            bs, b_in = cfg["cfg_bit_serial"], cfg["cfg_b_in"]
            k = aimc_ref.compute_cycles(bs, b_in, cfg["cfg_b_out"], cfg["cfg_mux"], cfg["cfg_integrate_cycles"],
                                        codes)
            self.expect(n, "done_tag", o["done_tag"], tag)
            self.expect(n, "latency accept -> done_valid (tile_cost)", n - acc, aimc_ref.latency_cycles(sw, s_cyc, k))
            ev = aimc_ref.mvm_events(bs, b_in, cfg["cfg_rows"], cfg["cfg_adcs"], cfg["cfg_mux"], codes)
            self.expect(n, "done_dac_conversions (tile_cost)", o["done_dac_conversions"], ev["dac_conversions"])
            self.expect(n, "done_drive_pulses (tile_cost)", o["done_drive_pulses"], ev["drive_pulses"])
            self.expect(n, "done_conversions (tile_cost)", o["done_conversions"], ev["conversions"])
            self.expect(n, "done_buffer_accesses (tile_cost)", o["done_buffer_accesses"], ev["buffer_accesses"])
            rec = item.late["results_of"]
            self.expect(n, "done_saturated (C quantizer)", o["done_saturated"], rec.get("saturated", 0))

    def summary(self):
        return super().summary() + [f"scoreboard: {self.mvms} MVMs checked against the cost model"]

    def problems(self):
        return super().problems() + ([] if self.mvms else ["no MVM completed"])


@pyuvm.test()
class TileTest(BenchTest):
    cycles = 5000
    scoreboard = TileScoreboard

    def stimulus(self, dut, rng):
        return TileStimulus(dut, rng)

    def ref(self):
        return aimc_ref.BlockRef(aimc_ref.TILE, TIERS)

    def fsms(self):
        return [ctrl_fsm("fsm_state", "tile.ctrl.state"), phase_fsm(), dac_fsm("dac.state", "tile.dac.state"),
                adc_fsm("adc.state", "tile.adc.state")]
