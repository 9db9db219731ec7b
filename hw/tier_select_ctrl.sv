`timescale 1ns/1ps
// One-Tier-at-a-Time (OTT) controller of one 3D tile.
//
// The tile's DAC/ADC periphery is shared by every tier of the stack, so at most one tier may be connected
// to it. The controller accepts MVM requests (tier, token tag) with a valid/ready handshake, keeps one
// tier selected, and switches to another tier only between MVMs; a switch disconnects the old tier first
// (break-before-make) and takes `switch_cycles` cycles. Selecting a tier when none is selected (after
// reset) is a switch too.
//
// Timing (cycle = one clk period; "accept" = the cycle in which req_valid && req_ready):
//   accept cycle a -> SWITCH for switch_cycles cycles if the tier changes -> COMPUTE from the next cycle
//   until the periphery raises mvm_done (its last compute cycle) -> done_valid in the following cycle.
//   req_ready is also high in the last COMPUTE cycle, so back-to-back MVMs on one tier leave no bubble.
module tier_select_ctrl #(
    parameter int TIERS  = 8,
    parameter int TAG_W  = 16,
    parameter int TIER_W = $clog2(TIERS)
) (
    input  logic              clk,
    input  logic              rst_n,
    input  logic [15:0]       switch_cycles,
    // MVM requests
    input  logic              req_valid,
    output logic              req_ready,
    input  logic [TIER_W-1:0] req_tier,
    input  logic [TAG_W-1:0]  req_tag,
    // compute phase, run by the periphery
    output logic              mvm_start,  // first COMPUTE cycle
    input  logic              mvm_done,   // last COMPUTE cycle
    // completions
    output logic              done_valid,
    output logic [TAG_W-1:0]  done_tag,
    // status
    output logic [TIERS-1:0]  tier_en,    // one-hot (or zero) connection of a tier to the periphery
    output logic              busy,
    output logic [TIER_W-1:0] active_tier,
    output logic [TAG_W-1:0]  active_tag,
    output logic              switching,  // a tier switch is in progress this cycle
    output logic [1:0]        fsm_state,  // IDLE=0, SWITCH=1, COMPUTE=2 (for scoreboards)
    output logic [31:0]       switch_count,
    output logic [31:0]       mvm_count
);
    typedef enum logic [1:0] {
        IDLE    = 2'd0,
        SWITCH  = 2'd1,
        COMPUTE = 2'd2
    } state_t;

    state_t      state;
    logic        tier_selected;  // a tier is connected (false after reset and during a switch)
    logic        first_compute;  // the next COMPUTE cycle is the first of its MVM
    logic [15:0] switch_left;

    wire accept      = req_valid && req_ready;
    wire need_switch = !tier_selected || (req_tier != active_tier);

    assign req_ready  = (state == IDLE) || (state == COMPUTE && mvm_done);
    assign busy       = (state != IDLE);
    assign fsm_state  = state;
    assign switching  = (state == SWITCH);
    assign mvm_start  = (state == COMPUTE) && first_compute;

`ifdef INJECT_SECOND_TIER_ENABLE
    // Fault injection for the invariant test only: a broken decoder that also enables the next tier.
    wire [TIERS-1:0] one_hot = TIERS'(1) << active_tier;
    assign tier_en = tier_selected ? one_hot | {one_hot[TIERS-2:0], one_hot[TIERS-1]} : '0;
`else
    assign tier_en = tier_selected ? (TIERS'(1) << active_tier) : '0;
`endif

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            state         <= IDLE;
            tier_selected <= 1'b0;
            first_compute <= 1'b0;
            switch_left   <= '0;
            active_tier   <= '0;
            active_tag    <= '0;
            done_valid    <= 1'b0;
            done_tag      <= '0;
            switch_count  <= '0;
            mvm_count     <= '0;
        end else begin
            done_valid <= 1'b0;
            if (state == COMPUTE) begin
                first_compute <= 1'b0;
                if (mvm_done) begin
                    done_valid <= 1'b1;
                    done_tag   <= active_tag;
                    mvm_count  <= mvm_count + 32'd1;
                    state      <= IDLE;
                end
            end
            if (state == SWITCH) begin
                switch_left <= switch_left - 16'd1;
                if (switch_left == 16'd1) begin
                    tier_selected <= 1'b1;
                    first_compute <= 1'b1;
                    state         <= COMPUTE;
                end
            end
            if (accept) begin
                active_tag    <= req_tag;
                active_tier   <= req_tier;
                first_compute <= 1'b1;
                state         <= COMPUTE;
                if (need_switch) begin
                    switch_count <= switch_count + 32'd1;
                    if (switch_cycles != 16'd0) begin
                        tier_selected <= 1'b0;
                        switch_left   <= switch_cycles;
                        state         <= SWITCH;
                    end else begin
                        tier_selected <= 1'b1;
                    end
                end
            end
        end
    end

    // OTT invariant: never two tiers connected to the shared periphery.
    // (a plain always: simulation-only check, not logic to synthesize)
`ifndef SYNTHESIS  // simulation-only check (Yosys defines SYNTHESIS)
    always @(posedge clk) begin
        if (rst_n) assert ($onehot0(tier_en)) else $error("OTT violated: tier_en=%b", tier_en);
    end
`endif
endmodule
