`timescale 1ns/1ps
// Replays a chip cosim's stimulus record (aimc3d run --engine cosim --record) on the same RTL under iverilog:
// the configuration, every cycle's inputs (token markers included) and each tile's DAC codes where an MVM starts;
// compares cmd_ready, group_done, tile_done and tokens_done every cycle with what the Verilated model produced, and
// counts every cycle in which some tile has two tiers enabled (tile_tier_en, the OTT invariant) as a mismatch too:
// the record's outputs do not show a fault that changes no timing.  The invariant is checked here, procedurally at
// the sampling time on a copy of each tile's slice, not through the chip's ott_violation output: iverilog 11's
// $onehot0 / $countones give wrong answers on an indexed part-select (a 16-bit slice with one bit set counts 10),
// which the chip's always_comb monitor uses.  Prints
// "iverilog chip replay: <cycles> cycles, <n> mismatches (<k> OTT-violating cycles)".  The RTL's assertions print
// "ERROR: ..." lines (vvp's $error format), which the driver (tb/engine/run_tools_test.py) counts as mismatches as
// well: vvp exits 0 after them.  Cycle 0 precedes the first (reset) edge, where a four-state simulator's registers
// are undefined, so comparison starts at cycle 1.
module chip_replay_tb;
    parameter int TILES = 16;
    parameter int TIERS = 16;
    parameter int ROWS  = 512;
    parameter int B_IN  = 8;
    parameter int NADC  = 64;
    parameter int B_OUT = 16;
    parameter int SEQS  = 64;
    localparam int CODE_BITS = ROWS * B_IN;

    logic clk = 1'b0, rst_n = 1'b0;
    logic [15:0] cfg_switch_cycles, cfg_rows, cfg_adcs, cfg_mux, cfg_integrate_cycles;
    logic cfg_bit_serial;
    logic [4:0] cfg_b_in, cfg_b_out;
    logic [8:0] cfg_units;
    logic [2:0] cfg_phases;
    logic [47:0] cfg_mvm_energy_fJ, cfg_switch_energy_fJ;
    logic [TILES*CODE_BITS-1:0] tile_in_codes = '0;
    logic map_we, map_is_block, cmd_valid;
    logic [13:0] map_addr;
    logic [31:0] map_wdata;
    logic [4:0] cmd_slot, cmd_nunits;
    logic [7:0] cmd_layer;
    logic [1:0] cmd_phase;
    logic [127:0] cmd_units;
    logic [SEQS-1:0] token_begin, token_end;
    wire [31:0] tokens_done;
    wire cmd_ready;
    wire [31:0] group_done;
    wire [TILES-1:0] tile_done;
    wire [TILES*TIERS-1:0] tile_tier_en;
    logic ott_now;
    logic [TIERS-1:0] tier_en;

    chip #(.TILES(TILES), .TIERS(TIERS), .ROWS(ROWS), .B_IN(B_IN), .NADC(NADC), .B_OUT(B_OUT), .SEQS(SEQS)) dut (
        .clk, .rst_n, .cfg_switch_cycles, .cfg_rows, .cfg_bit_serial, .cfg_b_in, .cfg_b_out, .cfg_adcs, .cfg_mux,
        .cfg_integrate_cycles, .cfg_units, .cfg_phases, .cfg_mvm_energy_fJ, .cfg_switch_energy_fJ, .tile_in_codes,
        .map_we, .map_is_block, .map_addr, .map_wdata, .cmd_valid, .cmd_ready, .cmd_slot, .cmd_layer, .cmd_phase,
        .cmd_nunits, .cmd_units, .group_done, .tile_done, .token_begin, .token_end, .tokens_done,
        /* verilator lint_off PINCONNECTEMPTY */
        .group_open(), .dispatcher_state(), .dispatcher_stalled(), .queue_count(), .tile_tier_en,
        .ott_violation(), .tile_done_tag(), .tile_switch_start(), .jobs_pushed(), .stall_cycles(),
        .conflict_cycles(), .tile_busy(), .tile_mvm_start(), .tile_active_tag(), .tile_switch_count(),
        .tile_mvm_count(), .tile_busy_cycles(), .energy_tile_fJ(), .energy_chip_fJ()
        /* verilator lint_on PINCONNECTEMPTY */
    );

    reg [8*1024-1:0] path;
    reg [8*8-1:0] kind;
    reg [CODE_BITS-1:0] codes;
    integer fd, n, cycles, mismatches, ott_cycles, tile;
    reg [63:0] v [0:11];
    reg [63:0] e_ready, e_done, e_tiles, e_tokens;

    initial begin
        if (!$value$plusargs("record=%s", path)) begin
            $display("usage: vvp tb +record=<file>");
            $finish;
        end
        fd = $fopen(path, "r");
        cycles = 0;
        mismatches = 0;
        ott_cycles = 0;
        while ($fscanf(fd, "%s", kind) == 1) begin
            if (kind == "F") begin
                n = $fscanf(fd, "%h %h %h %h %h %h %h %h %h %h %h %h\n", v[0], v[1], v[2], v[3], v[4], v[5], v[6],
                            v[7], v[8], v[9], v[10], v[11]);
                {cfg_switch_cycles, cfg_rows, cfg_bit_serial, cfg_b_in, cfg_b_out} =
                    {v[0][15:0], v[1][15:0], v[2][0], v[3][4:0], v[4][4:0]};
                {cfg_adcs, cfg_mux, cfg_integrate_cycles, cfg_units, cfg_phases} =
                    {v[5][15:0], v[6][15:0], v[7][15:0], v[8][8:0], v[9][2:0]};
                cfg_mvm_energy_fJ = v[10][47:0];
                cfg_switch_energy_fJ = v[11][47:0];
            end else if (kind == "I") begin
                n = $fscanf(fd, "%h %h %h %h %h %h %h %h %h %h %h %h %h\n", v[0], v[1], v[2], v[3], v[4], v[5],
                            v[6], v[7], v[8], v[9], token_begin, token_end, cmd_units);
                {rst_n, map_we, map_is_block} = {v[0][0], v[1][0], v[2][0]};
                map_addr = v[3][13:0];
                map_wdata = v[4][31:0];
                cmd_valid = v[5][0];
                {cmd_slot, cmd_layer, cmd_phase, cmd_nunits} = {v[6][4:0], v[7][7:0], v[8][1:0], v[9][4:0]};
                #1;
            end else if (kind == "C") begin
                n = $fscanf(fd, "%h %h\n", tile, codes);
                tile_in_codes[tile*CODE_BITS +: CODE_BITS] = codes;
            end else begin  // "O": the outputs seen during the cycle, then the rising edge
                n = $fscanf(fd, "%h %h %h %h\n", e_ready, e_done, e_tiles, e_tokens);
                if (cycles > 0 && ({63'd0, cmd_ready} !== e_ready || {32'd0, group_done} !== e_done ||
                                   64'(tile_done) !== e_tiles || {32'd0, tokens_done} !== e_tokens)) begin
                    if (mismatches < 10)
                        $display("cycle %0d: cmd_ready %b/%h group_done %h/%h tile_done %h/%h tokens_done %h/%h %s",
                                 cycles, cmd_ready, e_ready, group_done, e_done, tile_done, e_tiles, tokens_done,
                                 e_tokens, "(iverilog/verilator)");
                    mismatches = mismatches + 1;
                end
                ott_now = 1'b0;
                for (tile = 0; tile < TILES; tile = tile + 1) begin
                    tier_en = tile_tier_en[tile*TIERS +: TIERS];
                    if (!$onehot0(tier_en)) ott_now = 1'b1;
                end
                if (cycles > 0 && ott_now) begin
                    if (ott_cycles < 10)
                        $display("cycle %0d: two tiers enabled on a tile: tile_tier_en %h", cycles, tile_tier_en);
                    ott_cycles = ott_cycles + 1;
                    mismatches = mismatches + 1;
                end
                #4 clk = 1'b1;
                #5 clk = 1'b0;
                cycles = cycles + 1;
            end
        end
        $display("iverilog chip replay: %0d cycles, %0d mismatches (%0d OTT-violating cycles)", cycles, mismatches,
                 ott_cycles);
        $finish;
    end
endmodule
