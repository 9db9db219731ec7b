`timescale 1ns/1ps
// Replays a cosim run's recorded stimulus (aimc3d cosim --record; docs/file-formats.md) on the same RTL under
// iverilog and compares every output, every cycle, with what the Verilated model produced: the narrow outputs
// on each "c" line, the SAR registers on each "s" line; "k" lines carry the DAC codes of an mvm_start cycle.
// Prints "iverilog replay: <cycles> cycles, <n> mismatches".  Cycle 0 precedes the first (reset) edge, where
// register values are undefined in a four-state simulator, so comparison starts at cycle 1.
module tile_replay_tb;
    parameter int TIERS = 16;
    parameter int ROWS  = 512;
    parameter int B_IN  = 8;
    parameter int NADC  = 64;
    parameter int B_OUT = 16;
    localparam int TW = $clog2(TIERS);

    logic clk = 1'b0, rst_n, req_valid, cfg_bit_serial;
    logic [15:0] switch_cycles, cfg_rows, cfg_adcs, cfg_mux, cfg_integrate_cycles, req_tag;
    logic [4:0] cfg_b_in, cfg_b_out;
    logic [TW-1:0] req_tier;
    logic [ROWS*B_IN-1:0] in_codes = '0;
    logic [NADC-1:0] adc_cmp;
    wire req_ready, mvm_start, done_valid, busy, switching;
    wire [15:0] done_tag, active_tag;
    wire [TIERS-1:0] tier_en;
    wire [TW-1:0] active_tier;
    wire [1:0] fsm_state;
    wire [31:0] switch_count, mvm_count;
    wire [31:0] done_dac_conversions, done_drive_pulses, done_conversions, done_saturated, done_buffer_accesses;
    wire [2:0] phase;
    wire dac_driving, adc_sampling, adc_deciding, adc_valid;
    wire [15:0] dac_drive_cycle, dac_drive_len, adc_mux, adc_valid_mux;
    wire [4:0] adc_bit;
    wire [B_OUT*NADC-1:0] adc_sar;
    wire [NADC-1:0] adc_sat;
    wire [63:0] dac_conversions_total, drive_pulses_total, conversions_total, saturated_total;

    tile #(.TIERS(TIERS), .ROWS(ROWS), .B_IN(B_IN), .NADC(NADC), .B_OUT(B_OUT)) dut (
        .clk, .rst_n, .switch_cycles, .cfg_rows, .cfg_bit_serial, .cfg_b_in, .cfg_b_out, .cfg_adcs, .cfg_mux,
        .cfg_integrate_cycles, .req_valid, .req_ready, .req_tier, .req_tag, .in_codes, .adc_cmp,
        .mvm_start, .done_valid, .done_tag, .done_dac_conversions, .done_drive_pulses, .done_conversions,
        .done_saturated,
        .done_buffer_accesses, .tier_en, .busy, .switching, .fsm_state, .active_tier, .active_tag,
        .switch_count, .mvm_count, .phase, .dac_driving, .dac_drive_cycle, .dac_drive_len, .adc_sampling,
        .adc_deciding, .adc_mux, .adc_bit, .adc_sar, .adc_valid, .adc_valid_mux, .adc_sat,
        .dac_conversions_total, .drive_pulses_total, .conversions_total, .saturated_total
    );

    reg [8*1024-1:0] path;
    reg [8*8-1:0] tag;
    integer fd, n, cycles, mismatches;
    logic have_sar;
    reg [B_OUT*NADC-1:0] e_sar;
    reg [NADC-1:0] i_cmp, e_sat;
    reg [31:0] i_rst, i_sw, i_rows, i_bs, i_bin, i_bout, i_adcs, i_mux, i_int, i_valid, i_tier, i_tag;
    reg [31:0] e_ready, e_start, e_done, e_dtag, e_en, e_busy, e_swg, e_state, e_atier, e_swc, e_mvc;
    reg [31:0] e_phase, e_drv, e_dcyc, e_dlen, e_smp, e_dec, e_mux, e_bit, e_aval, e_vmux;
    reg [31:0] e_ddac, e_dpul, e_dconv, e_dsat, e_dbuf;
    reg [63:0] e_dact, e_pult, e_convt, e_satt;

    task automatic expect_eq(input [63:0] got, input [63:0] want, input [8*24-1:0] name);
        if (got !== want) begin
            if (mismatches < 10) $display("cycle %0d: %0s iverilog=%h verilator=%h", cycles, name, got, want);
            mismatches = mismatches + 1;
        end
    endtask

    task automatic replay_cycle;
        rst_n = i_rst[0];
        switch_cycles = i_sw[15:0];
        cfg_rows = i_rows[15:0];
        cfg_bit_serial = i_bs[0];
        cfg_b_in = i_bin[4:0];
        cfg_b_out = i_bout[4:0];
        cfg_adcs = i_adcs[15:0];
        cfg_mux = i_mux[15:0];
        cfg_integrate_cycles = i_int[15:0];
        req_valid = i_valid[0];
        req_tier = i_tier[TW-1:0];
        req_tag = i_tag[15:0];
        adc_cmp = i_cmp;
        #1;
        if (cycles > 0) begin
            expect_eq(64'(req_ready), 64'(e_ready), "req_ready");
            expect_eq(64'(mvm_start), 64'(e_start), "mvm_start");
            expect_eq(64'(done_valid), 64'(e_done), "done_valid");
            if (done_valid) expect_eq(64'(done_tag), 64'(e_dtag), "done_tag");
            expect_eq(64'(tier_en), 64'(e_en), "tier_en");
            expect_eq(64'(busy), 64'(e_busy), "busy");
            expect_eq(64'(switching), 64'(e_swg), "switching");
            expect_eq(64'(fsm_state), 64'(e_state), "state");
            expect_eq(64'(active_tier), 64'(e_atier), "active_tier");
            expect_eq(64'(switch_count), 64'(e_swc), "switch_count");
            expect_eq(64'(mvm_count), 64'(e_mvc), "mvm_count");
            expect_eq(64'(phase), 64'(e_phase), "phase");
            expect_eq(64'(dac_driving), 64'(e_drv), "dac_driving");
            expect_eq(64'(dac_drive_cycle), 64'(e_dcyc), "dac_drive_cycle");
            expect_eq(64'(dac_drive_len), 64'(e_dlen), "dac_drive_len");
            expect_eq(64'(adc_sampling), 64'(e_smp), "adc_sampling");
            expect_eq(64'(adc_deciding), 64'(e_dec), "adc_deciding");
            expect_eq(64'(adc_mux), 64'(e_mux), "adc_mux");
            expect_eq(64'(adc_bit), 64'(e_bit), "adc_bit");
            expect_eq(64'(adc_valid), 64'(e_aval), "adc_valid");
            expect_eq(64'(adc_valid_mux), 64'(e_vmux), "adc_valid_mux");
            if (adc_valid && adc_sat !== e_sat) expect_eq(1, 0, "adc_sat");
            expect_eq(64'(done_dac_conversions), 64'(e_ddac), "done_dac_conversions");
            expect_eq(64'(done_drive_pulses), 64'(e_dpul), "done_drive_pulses");
            expect_eq(64'(done_conversions), 64'(e_dconv), "done_conversions");
            expect_eq(64'(done_saturated), 64'(e_dsat), "done_saturated");
            expect_eq(64'(done_buffer_accesses), 64'(e_dbuf), "done_buffer_accesses");
            expect_eq(dac_conversions_total, e_dact, "dac_conversions_total");
            expect_eq(drive_pulses_total, e_pult, "drive_pulses_total");
            expect_eq(conversions_total, e_convt, "conversions_total");
            expect_eq(saturated_total, e_satt, "saturated_total");
            if (have_sar && adc_sar !== e_sar) expect_eq(1, 0, "adc_sar");
        end
        have_sar = 1'b0;
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
        have_sar = 1'b0;
        n = 1;
        while (n == 1 && !$feof(fd)) begin
            n = $fscanf(fd, "%s", tag);
            if (n != 1) begin
            end else if (tag == "k") begin
                n = $fscanf(fd, "%h\n", in_codes);
            end else if (tag == "s") begin
                n = $fscanf(fd, "%h\n", e_sar);
                have_sar = 1'b1;
            end else if (tag == "c") begin
                n = $fscanf(fd, "%h %h %h %h %h %h %h %h %h %h %h %h %h", i_rst, i_sw, i_rows, i_bs, i_bin, i_bout,
                            i_adcs, i_mux, i_int, i_valid, i_tier, i_tag, i_cmp);
                n = n + $fscanf(fd, "%h %h %h %h %h %h %h %h %h %h %h", e_ready, e_start, e_done, e_dtag, e_en,
                                e_busy, e_swg, e_state, e_atier, e_swc, e_mvc);
                n = n + $fscanf(fd, "%h %h %h %h %h %h %h %h %h %h %h", e_phase, e_drv, e_dcyc, e_dlen, e_smp,
                                e_dec, e_mux, e_bit, e_aval, e_vmux, e_sat);
                n = n + $fscanf(fd, "%h %h %h %h %h %h %h %h %h\n", e_ddac, e_dpul, e_dconv, e_dsat, e_dbuf,
                                e_dact, e_pult, e_convt, e_satt);
                if (n == 44) begin
                    replay_cycle();
                    n = 1;
                end else begin
                    $display("malformed record line after cycle %0d", cycles);
                    mismatches = mismatches + 1;
                end
            end else begin
                $display("unknown record line kind \"%0s\" after cycle %0d", tag, cycles);
                mismatches = mismatches + 1;
                n = 0;
            end
        end
        $display("iverilog replay: %0d cycles, %0d mismatches", cycles, mismatches);
        $finish;
    end
endmodule
