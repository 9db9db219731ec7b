`timescale 1ns/1ps
// Replays a cosim run's recorded stimulus (aimc3d cosim --record) on the same RTL under iverilog and compares
// every output, every cycle, with what the Verilated model produced.  Prints
// "iverilog replay: <cycles> cycles, <n> mismatches".  Cycle 0 precedes the first (reset) edge, where
// register values are undefined in a four-state simulator, so comparison starts at cycle 1.
module tile_replay_tb;
    parameter int TIERS = 16;
    localparam int TW = $clog2(TIERS);

    logic clk = 1'b0, rst_n, req_valid;
    logic [15:0] switch_cycles, compute_cycles, req_tag;
    logic [TW-1:0] req_tier;
    wire req_ready, mvm_start, done_valid, busy, switching;
    wire [15:0] done_tag, active_tag;
    wire [TIERS-1:0] tier_en;
    wire [TW-1:0] active_tier;
    wire [1:0] fsm_state;
    wire [31:0] switch_count, mvm_count;

    tile #(.TIERS(TIERS)) dut (
        .clk, .rst_n, .switch_cycles, .compute_cycles, .req_valid, .req_ready, .req_tier, .req_tag,
        .mvm_start, .done_valid, .done_tag, .tier_en, .busy, .switching, .fsm_state, .active_tier,
        .active_tag, .switch_count, .mvm_count
    );

    reg [8*1024-1:0] path;
    integer fd, n, cycles, mismatches;
    reg [31:0] i_rst, i_sw, i_comp, i_valid, i_tier, i_tag;
    reg [31:0] e_ready, e_start, e_done, e_dtag, e_en, e_busy, e_swg, e_state, e_atier, e_swc, e_mvc;

    task automatic expect_eq(input [31:0] got, input [31:0] want, input [8*16-1:0] name);
        if (got !== want) begin
            if (mismatches < 10) $display("cycle %0d: %0s iverilog=%h verilator=%h", cycles, name, got, want);
            mismatches = mismatches + 1;
        end
    endtask

    task automatic replay_cycle;
        rst_n = i_rst[0];
        switch_cycles = i_sw[15:0];
        compute_cycles = i_comp[15:0];
        req_valid = i_valid[0];
        req_tier = i_tier[TW-1:0];
        req_tag = i_tag[15:0];
        #1;
        if (cycles > 0) begin
            expect_eq({31'd0, req_ready}, e_ready, "req_ready");
            expect_eq({31'd0, mvm_start}, e_start, "mvm_start");
            expect_eq({31'd0, done_valid}, e_done, "done_valid");
            if (done_valid) expect_eq({16'd0, done_tag}, e_dtag, "done_tag");
            expect_eq(32'(tier_en), e_en, "tier_en");
            expect_eq({31'd0, busy}, e_busy, "busy");
            expect_eq({31'd0, switching}, e_swg, "switching");
            expect_eq({30'd0, fsm_state}, e_state, "state");
            expect_eq(32'(active_tier), e_atier, "active_tier");
            expect_eq(switch_count, e_swc, "switch_count");
            expect_eq(mvm_count, e_mvc, "mvm_count");
        end
        #4 clk = 1'b1;
        #5 clk = 1'b0;
        cycles = cycles + 1;
    endtask

    initial begin
        if (!$value$plusargs("record=%s", path)) begin
            $display("usage: vvp tb +record=<file>");
            $finish;
        end
        fd = $fopen(path, "r");
        cycles = 0;
        mismatches = 0;
        n = 17;
        while (n == 17 && !$feof(fd)) begin
            n = $fscanf(fd, "%h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h\n", i_rst, i_sw, i_comp, i_valid,
                        i_tier, i_tag, e_ready, e_start, e_done, e_dtag, e_en, e_busy, e_swg, e_state, e_atier,
                        e_swc, e_mvc);
            if (n == 17) replay_cycle();
        end
        $display("iverilog replay: %0d cycles, %0d mismatches", cycles, mismatches);
        $finish;
    end
endmodule
