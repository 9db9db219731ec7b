`timescale 1ns/1ps
// One 3D tile: the tier-select controller and the compute phase of a tier MVM.
// The compute phase is a fixed `compute_cycles` long until the DAC/ADC periphery RTL replaces it.
module tile #(
    parameter int TIERS = 8,
    parameter int TAG_W = 16
) (
    input  logic                       clk,
    input  logic                       rst_n,
    input  logic [15:0]                switch_cycles,
    input  logic [15:0]                compute_cycles,  // >= 1
    input  logic                       req_valid,
    output logic                       req_ready,
    input  logic [$clog2(TIERS)-1:0]   req_tier,
    input  logic [TAG_W-1:0]           req_tag,
    output logic                       mvm_start,
    output logic                       done_valid,
    output logic [TAG_W-1:0]           done_tag,
    output logic [TIERS-1:0]           tier_en,
    output logic                       busy,
    output logic                       switching,
    output logic [1:0]                 fsm_state,
    output logic [$clog2(TIERS)-1:0]   active_tier,
    output logic [TAG_W-1:0]           active_tag,
    output logic [31:0]                switch_count,
    output logic [31:0]                mvm_count
);
    logic        mvm_done;
    logic        computing;
    logic [15:0] compute_left;

    tier_select_ctrl #(.TIERS(TIERS), .TAG_W(TAG_W)) ctrl (
        .clk, .rst_n, .switch_cycles,
        .req_valid, .req_ready, .req_tier, .req_tag,
        .mvm_start, .mvm_done,
        .done_valid, .done_tag,
        .tier_en, .busy, .active_tier, .active_tag, .switching, .fsm_state, .switch_count, .mvm_count
    );

    // Compute timer: mvm_done in the compute_cycles-th cycle counted from mvm_start.
    assign mvm_done = mvm_start ? (compute_cycles == 16'd1) : (computing && compute_left == 16'd1);

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            computing    <= 1'b0;
            compute_left <= '0;
        end else if (mvm_start && !mvm_done) begin
            computing    <= 1'b1;
            compute_left <= compute_cycles - 16'd1;
        end else if (computing) begin
            compute_left <= compute_left - 16'd1;
            if (compute_left == 16'd1) computing <= 1'b0;
        end
    end
endmodule
