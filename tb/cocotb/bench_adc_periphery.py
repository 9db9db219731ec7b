"""cocotb bench of hw/adc_periphery.sv: conversion phases started at random (back to back, from the cycle the
previous results are valid, or after gaps), a random resolution, converter count and mux ratio per epoch, and
random column values answered by the C analog model's comparator (analog/periphery_analog.h,
aimc_adc_compare) for the trial codes the RTL shows; unused converters get random comparator bits (masked).
Scoreboard: the ADC part of the cycle-exact C tile reference (engine/tile_ref.h, aimc_tile_ref_adc_cycle),
every output and the SAR registers every cycle; per conversion, every result against the C SAR
(aimc_adc_sar_convert) and its saturation flag against the C quantizer."""
import pyuvm

import aimc_ref
from bench_common import PARAMS, Bins, BenchTest, CycleScoreboard, FsmCoverage, Stimulus

NADC, B_OUT = PARAMS["NADC"], PARAMS["B_OUT"]
B_IN = 5  # the DAC resolution the ADC's full scale is expressed in (analog/periphery_analog.h)
A_IDLE, A_SAMPLE, A_DECIDE = 0, 1, 2


def adc_fsm(signal="state", name="adc_periphery.state"):
    return FsmCoverage(
        name, signal, {A_IDLE: "ADC_IDLE", A_SAMPLE: "ADC_SAMPLE", A_DECIDE: "ADC_DECIDE"},
        legal=[(A_IDLE, A_IDLE), (A_IDLE, A_DECIDE), (A_SAMPLE, A_DECIDE), (A_DECIDE, A_DECIDE),
               (A_DECIDE, A_SAMPLE), (A_DECIDE, A_IDLE)],
        unreachable={(A_IDLE, A_SAMPLE): "the start cycle is the first conversion's sample cycle: the state goes "
                                         "straight to DECIDE",
                     (A_SAMPLE, A_SAMPLE): "a sample cycle is always followed by its b_out >= 1 decisions",
                     (A_SAMPLE, A_IDLE): "a sample cycle is always followed by its b_out >= 1 decisions"})


def sar_codes(word, nadc, b_out):
    """The SAR port (bit k of converter a at k*NADC + a) as one code per converter."""
    return [sum(((word >> (k * nadc + a)) & 1) << k for k in range(b_out)) for a in range(nadc)]


class AdcStimulus(Stimulus):
    outputs = ["sampling", "deciding", "last", "mux", "bit_idx", "valid", "valid_mux", "sat", "mvm_conversions",
               "mvm_saturated", "conversions_total", "saturated_total", "sar", "state"]

    def __init__(self, dut, rng):
        super().__init__(dut, rng)
        self.cfg = {"cfg_b_out": B_OUT, "cfg_adcs": NADC, "cfg_mux": 1}
        self.adc = aimc_ref.Adc(B_IN, B_OUT)
        self.rec = self.prev_rec = None  # the conversion phase in progress / before: values, config, model
        self.started = False
        self.bins = Bins("adc_periphery.cases", ["b_out = 1", "M = 1", "M > 1", "converters < NADC",
                                                 "low end code (saturated)", "high end code (saturated)",
                                                 "start in the results' cycle"])

    def reset_inputs(self):
        return {"rst_n": 0, "cfg_b_out": B_OUT, "cfg_adcs": NADC, "cfg_mux": 1, "start": 0, "cmp": 0}

    def new_values(self):
        """One analog value per column converted (charge units), over the range and a little beyond."""
        r, half, lsb = self.rng, 1 << (self.adc.b_out - 1), self.adc.lsb
        n = self.cfg["cfg_adcs"] * self.cfg["cfg_mux"]
        vals = []
        for _ in range(n):
            u = r.random()
            if u < 0.1:
                vals.append(r.uniform(-half - 3, -half) * lsb)
            elif u < 0.2:
                vals.append(r.uniform(half - 1, half + 3) * lsb)
            else:
                vals.append(r.uniform(-half, half) * lsb)
        return vals

    def early(self, n):
        r = self.rng
        o = self.read(["state", "valid"])
        idle = o["state"] == A_IDLE
        if idle and n % 113 < 3:  # a new epoch, between conversion phases
            self.cfg = {"cfg_b_out": r.choice([1, r.randint(1, B_OUT), B_OUT]), "cfg_adcs": r.randint(1, NADC),
                        "cfg_mux": r.choice([1, 2, 3])}
            self.adc = aimc_ref.Adc(B_IN, self.cfg["cfg_b_out"])
        self.started = idle and r.random() < 0.4
        if self.started:
            c = self.cfg
            self.prev_rec, self.rec = self.rec, {"values": self.new_values(), "m": c["cfg_mux"],
                                                 "adcs": c["cfg_adcs"], "adc": self.adc}
            self.bins.hit("b_out = 1", c["cfg_b_out"] == 1)
            self.bins.hit("M = 1" if c["cfg_mux"] == 1 else "M > 1")
            self.bins.hit("converters < NADC", c["cfg_adcs"] < NADC)
            self.bins.hit("start in the results' cycle", o["valid"])
        return {"rst_n": 1, **self.cfg, "start": int(self.started)}

    def late(self, n):
        o = self.read(["deciding", "mux", "sar"])
        cmp = 0
        if o["deciding"]:
            m, adcs = self.cfg["cfg_mux"], self.cfg["cfg_adcs"]
            trial = sar_codes(o["sar"], NADC, B_OUT)
            for a in range(NADC):
                bit = self.adc.compare(self.rec["values"][a * m + o["mux"]], trial[a]) if a < adcs else \
                    self.rng.getrandbits(1)
                cmp |= bit << a
        return {"cmp": cmp}, {"cmp": cmp, "results_of": self.prev_rec if self.started else self.rec}


class AdcScoreboard(CycleScoreboard):
    def compare_now(self, name, item, want):
        return name != "sat" or want["valid"]  # the port holds the flags of the last results

    def more(self, item, want):
        o, i = item.outputs, item.inputs
        adcs, m = i["cfg_adcs"], i["cfg_mux"]
        if want["deciding"] or want["valid"]:
            got = sar_codes(o["sar"], NADC, B_OUT)[:adcs]
            self.expect(item.n, "SAR registers", got, self.ref.sar(adcs))
        if o["valid"]:
            rec, j = item.late["results_of"], o["valid_mux"]
            adc, vals, m, adcs = rec["adc"], rec["values"], rec["m"], rec["adcs"]
            got = sar_codes(o["sar"], NADC, B_OUT)
            bins = self.cdb_bins
            for a in range(adcs):
                v = vals[a * m + j]
                self.expect(item.n, f"converter {a} result (C SAR)", got[a], adc.sar_code(v))
                sat = adc.saturated(v)
                self.expect(item.n, f"converter {a} saturation (C quantizer)", (o["sat"] >> a) & 1, int(sat))
                if sat:
                    bins.hit("low end code (saturated)" if got[a] == 0 else "high end code (saturated)")

    def setup(self):
        super().setup()
        from pyuvm import ConfigDB
        self.cdb_bins = ConfigDB().get(self, "", "STIM").bins


@pyuvm.test()
class AdcPeripheryTest(BenchTest):
    cycles = 4000
    scoreboard = AdcScoreboard

    def stimulus(self, dut, rng):
        return AdcStimulus(dut, rng)

    def ref(self):
        return aimc_ref.BlockRef(aimc_ref.ADC, 1)

    def fsms(self):
        return [adc_fsm()]
