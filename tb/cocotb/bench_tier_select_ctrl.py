"""cocotb bench of hw/tier_select_ctrl.sv: random MVM requests (valid held until accepted, random tiers biased
to repeat, random gaps), a random tier-switch time per epoch, and a periphery model that ends each MVM's COMPUTE
phase after a random number of cycles (mvm_done).  Scoreboard: the controller part of the cycle-exact C tile
reference (engine/tile_ref.h, aimc_tile_ref_ctrl_cycle), every output every cycle; plus the OTT invariant
(tier_en one-hot or zero)."""
import pyuvm

import aimc_ref
from bench_common import PARAMS, Bins, BenchTest, CycleScoreboard, FsmCoverage, Stimulus

TIERS = PARAMS["TIERS"]
TAG_W = PARAMS["TAG_W"]
IDLE, SWITCH, COMPUTE = 0, 1, 2


def ctrl_fsm(signal="fsm_state", name="tier_select_ctrl.state"):
    return FsmCoverage(name, signal, {IDLE: "IDLE", SWITCH: "SWITCH", COMPUTE: "COMPUTE"},
                       legal=[(IDLE, IDLE), (IDLE, SWITCH), (IDLE, COMPUTE), (SWITCH, SWITCH), (SWITCH, COMPUTE),
                              (COMPUTE, COMPUTE), (COMPUTE, IDLE), (COMPUTE, SWITCH)],
                       unreachable={(SWITCH, IDLE): "a switch always ends in the MVM's first COMPUTE cycle "
                                                    "(switch_left counts down; nothing aborts it)"})


class CtrlStimulus(Stimulus):
    outputs = ["req_ready", "mvm_start", "done_valid", "done_tag", "tier_en", "busy", "switching", "active_tier",
               "active_tag", "fsm_state", "switch_count", "mvm_count"]

    def __init__(self, dut, rng):
        super().__init__(dut, rng)
        self.req = None          # (tier, tag) being presented
        self.switch_cycles = 0
        self.new_epoch, self.deck = False, []
        self.left = 0            # COMPUTE cycles left of the MVM in progress (mvm_done when it reaches 1)
        self.tag = 0
        self.bins = Bins("tier_select_ctrl.cases", ["switch_cycles = 0 switch", "back-to-back same tier",
                                                    "back-to-back other tier", "mvm_done in the first cycle",
                                                    "request waits while busy"])
        self.last_tier = 0

    def reset_inputs(self):
        return {"rst_n": 0, "switch_cycles": 0, "req_valid": 0, "req_tier": 0, "req_tag": 0, "mvm_done": 0}

    def early(self, n):
        r = self.rng
        if n % 200 == 0:
            self.new_epoch = True
        if self.new_epoch and self.req is None:  # a new epoch: the next switch time (changed between requests)
            if not self.deck:  # every value once in each round of epochs, in random order
                self.deck = [0, 1, 2, 3, 5]
                r.shuffle(self.deck)
            self.switch_cycles = self.deck.pop()
            self.new_epoch = False
        if self.req is None and r.random() < 0.45:
            tier = self.last_tier if r.random() < 0.5 else r.randrange(TIERS)
            self.tag = (self.tag + 1) % (1 << TAG_W)
            self.req = (tier, self.tag)
        tier, tag = self.req if self.req else (r.randrange(TIERS), r.randrange(1 << TAG_W))  # junk when not valid
        return {"rst_n": 1, "switch_cycles": self.switch_cycles, "req_valid": int(self.req is not None),
                "req_tier": tier, "req_tag": tag}

    def late(self, n):
        o = self.read(["mvm_start", "fsm_state"])
        if o["mvm_start"]:
            self.left = self.rng.choice([1, 1, 2, 3, 4, 6])  # the compute phase length K of this MVM
            self.bins.hit("mvm_done in the first cycle", self.left == 1)
        done = o["fsm_state"] == COMPUTE and self.left == 1
        if o["fsm_state"] == COMPUTE and self.left > 0:
            self.left -= 1
        return {"mvm_done": int(done)}, {}

    def observe(self, n, item):
        i, o = item.inputs, item.outputs
        if i["req_valid"] and o["req_ready"]:
            if o["fsm_state"] == COMPUTE:
                self.bins.hit("back-to-back same tier" if i["req_tier"] == o["active_tier"] else
                              "back-to-back other tier")
            if self.switch_cycles == 0 and (i["req_tier"] != o["active_tier"] or o["tier_en"] == 0):
                self.bins.hit("switch_cycles = 0 switch")
            self.last_tier = i["req_tier"]
            self.req = None
        elif i["req_valid"]:
            self.bins.hit("request waits while busy")


class CtrlScoreboard(CycleScoreboard):
    def more(self, item, want):
        t = item.outputs["tier_en"]
        self.expect(item.n, "OTT: tier_en one-hot or zero", t & (t - 1), 0)


@pyuvm.test()
class TierSelectCtrlTest(BenchTest):
    cycles = 4000
    scoreboard = CtrlScoreboard

    def stimulus(self, dut, rng):
        return CtrlStimulus(dut, rng)

    def ref(self):
        return aimc_ref.BlockRef(aimc_ref.CTRL, TIERS)

    def fsms(self):
        return [ctrl_fsm()]
