`timescale 1ns/1ps
// One 3D tile: the tier-select controller and the periphery shared by the tier stack.
//   tier_select_ctrl -> DRIVE (dac_periphery, codes from the input buffer) -> INTEGRATE -> CONVERT
//   (adc_periphery) -> results and per-MVM event counts with done_valid.
//
// Parameters are maxima of the build (one build runs every preset that fits; the C side refuses others):
//   TIERS, TAG_W; ROWS and B_IN (the in_codes port), NADC converters with B_OUT-bit SAR registers.
// Runtime configuration (held constant by the C side): cfg_* and switch_cycles.
//
// Ports
//   clk, rst_n (synchronous, active low)
//   switch_cycles[15:0]          tier switch time (tier_select_ctrl)
//   cfg_rows[15:0]               rows in use, 1 .. ROWS (input-buffer reads per MVM; rows beyond are undriven)
//   cfg_bit_serial               DAC mode: 0 PWM, 1 bit-serial
//   cfg_b_in[4:0]                DAC resolution, 2 .. B_IN (signed codes, +-(2^(b_in-1)-1))
//   cfg_b_out[4:0]               ADC resolution, 1 .. B_OUT
//   cfg_adcs[15:0]               converters in use = columns / M, 1 .. NADC
//   cfg_mux[15:0]                M, columns per converter, >= 1
//   cfg_integrate_cycles[15:0]   integration phase after the drive (0 allowed)
//   req_valid, req_ready, req_tier[TW-1:0], req_tag[TAG_W-1:0]   MVM requests (valid/ready)
//   in_codes[ROWS*B_IN-1:0]      the MVM's DAC codes, row r in [r*B_IN +: B_IN]; set in the mvm_start cycle
//                                (the input buffer's read data), registered at the edge that ends it
//   adc_cmp[NADC-1:0]            comparator decisions for the trial codes in adc_sar, set in adc_deciding cycles
//   mvm_start                    first COMPUTE cycle (the codes' load cycle, also the first drive cycle)
//   done_valid, done_tag         the cycle after the last COMPUTE cycle, with the MVM's event counts:
//     done_dac_conversions[31:0] DAC conversions (PWM: cfg_rows; bit-serial: cfg_rows * (b_in - 1))
//     done_drive_pulses[31:0]    row-drive pulses (PWM: sum |code|; bit-serial: set magnitude bits)
//     done_conversions[31:0]     column conversions (= cfg_adcs * cfg_mux)
//     done_saturated[31:0]       converted columns at an end code (clipped)
//     done_buffer_accesses[31:0] input-buffer reads (cfg_rows) + output-buffer writes (one per conversion)
//   tier_en[TIERS-1:0], busy, switching, fsm_state[1:0], active_tier, active_tag, switch_count, mvm_count
//                                (tier_select_ctrl)
//   phase[2:0]                   IDLE=0, LOAD=1 (the mvm_start cycle), DRIVE=2, INTEGRATE=3, CONVERT=4
//   dac_driving, dac_drive_cycle[15:0], dac_drive_len[15:0]
//   adc_sampling, adc_deciding, adc_mux[15:0], adc_bit[4:0], adc_sar[B_OUT*NADC-1:0] (the SAR registers
//   bit-plane-major: bit k of converter a at k*NADC + a), adc_valid, adc_valid_mux[15:0], adc_sat[NADC-1:0]:
//   see adc_periphery.sv
//   dac_conversions_total[63:0], drive_pulses_total[63:0], conversions_total[63:0], saturated_total[63:0]
//                                cumulative event counters
//
// Timing of one MVM (s = the mvm_start cycle; D the drive length: PWM max |code|, bit-serial b_in - 1;
// I = cfg_integrate_cycles; M = cfg_mux; b = cfg_b_out):
//   s .. s+D-1            DRIVE (cycle s, the LOAD cycle, drives with the codes on in_codes)
//   next I cycles         INTEGRATE (from s itself when D = 0)
//   next M(b+1) cycles    CONVERT; mvm_done in the last
// so the COMPUTE phase lasts K = max(D + I, 1) + M(b+1) cycles (D + I + M(b+1) whenever I >= 1, as every
// preset has it; with D = I = 0 the load cycle stands alone), and
//   s+K                   done_valid; the results of the last conversion are in adc_sar (adc_valid)
module tile #(
    parameter int TIERS = 8,
    parameter int TAG_W = 16,
    parameter int ROWS  = 512,
    parameter int B_IN  = 8,
    parameter int NADC  = 64,
    parameter int B_OUT = 16
) (
    input  logic                     clk,
    input  logic                     rst_n,
    input  logic [15:0]              switch_cycles,
    input  logic [15:0]              cfg_rows,
    input  logic                     cfg_bit_serial,
    input  logic [4:0]               cfg_b_in,
    input  logic [4:0]               cfg_b_out,
    input  logic [15:0]              cfg_adcs,
    input  logic [15:0]              cfg_mux,
    input  logic [15:0]              cfg_integrate_cycles,
    input  logic                     req_valid,
    output logic                     req_ready,
    input  logic [$clog2(TIERS)-1:0] req_tier,
    input  logic [TAG_W-1:0]         req_tag,
`ifdef AIMC_UNTRACED_CODES  // chip builds: see chip.sv's tile_in_codes
    /*verilator tracing_off*/
`endif
    input  logic [ROWS*B_IN-1:0]     in_codes,
`ifdef AIMC_UNTRACED_CODES
    /*verilator tracing_on*/
`endif
    input  logic [NADC-1:0]          adc_cmp,
    output logic                     mvm_start,
    output logic                     done_valid,
    output logic [TAG_W-1:0]         done_tag,
    output logic [31:0]              done_dac_conversions,
    output logic [31:0]              done_drive_pulses,
    output logic [31:0]              done_conversions,
    output logic [31:0]              done_saturated,
    output logic [31:0]              done_buffer_accesses,
    output logic [TIERS-1:0]         tier_en,
    output logic                     busy,
    output logic                     switching,
    output logic [1:0]               fsm_state,
    output logic [$clog2(TIERS)-1:0] active_tier,
    output logic [TAG_W-1:0]         active_tag,
    output logic [31:0]              switch_count,
    output logic [31:0]              mvm_count,
    output logic [2:0]               phase,
    output logic                     dac_driving,
    output logic [15:0]              dac_drive_cycle,
    output logic [15:0]              dac_drive_len,
    output logic                     adc_sampling,
    output logic                     adc_deciding,
    output logic [15:0]              adc_mux,
    output logic [4:0]               adc_bit,
    /*verilator tracing_off*/  // the trace shows the ADC's SAR bit planes (adc.plane) instead
    output logic [B_OUT*NADC-1:0]    adc_sar,
    /*verilator tracing_on*/
    output logic                     adc_valid,
    output logic [15:0]              adc_valid_mux,
    output logic [NADC-1:0]          adc_sat,
    output logic [63:0]              dac_conversions_total,
    output logic [63:0]              drive_pulses_total,
    output logic [63:0]              conversions_total,
    output logic [63:0]              saturated_total
);
    // Not inlined: a chip has up to 64 tiles, and a copy of this module's logic in each makes the Verilated
    // chip several times larger and slower to compile.
    /* verilator no_inline_module */
    typedef enum logic [2:0] {
        PH_IDLE      = 3'd0,
        PH_LOAD      = 3'd1,
        PH_DRIVE     = 3'd2,
        PH_INTEGRATE = 3'd3,
        PH_CONVERT   = 3'd4
    } phase_t;

    logic        mvm_done;
    logic        dac_done, dac_empty;
    logic [31:0] dac_conversions, dac_pulses, dac_max_code;
    logic [15:0] integrate_todo;  // INTEGRATE cycles from the cycle the drive is known to be over
    logic        dac_range_error;
    logic        integrating;     // INTEGRATE cycles after the first one
    logic [15:0] integrate_left;
    logic        adc_go;          // registered start of the conversion phase
    logic        adc_start;
    logic [31:0] adc_mvm_conversions, adc_mvm_saturated;
    phase_t      ph;

    tier_select_ctrl #(.TIERS(TIERS), .TAG_W(TAG_W)) ctrl (
        .clk, .rst_n, .switch_cycles,
        .req_valid, .req_ready, .req_tier, .req_tag,
        .mvm_start, .mvm_done,
        .done_valid, .done_tag,
        .tier_en, .busy, .active_tier, .active_tag, .switching, .fsm_state, .switch_count, .mvm_count
    );

    dac_periphery #(.ROWS(ROWS), .B_IN(B_IN)) dac (
        .clk, .rst_n, .cfg_bit_serial, .cfg_b_in, .cfg_rows,
        .load(mvm_start), .in_codes,
        .driving(dac_driving), .drive_cycle(dac_drive_cycle), .drive_len(dac_drive_len),
        .drive_done(dac_done), .drive_empty(dac_empty), .conversions(dac_conversions), .pulses(dac_pulses),
        .max_code(dac_max_code), .conversions_total(dac_conversions_total), .pulses_total(drive_pulses_total),
        .range_error(dac_range_error)
    );

    // Integration: after a drive, from the cycle dac_done flags, I cycles; after an empty drive, cycle s
    // already integrated, so I - 1 more from the cycle dac_empty flags.  The conversion phase starts right after
    // the last integration cycle, or in the flagged cycle itself when nothing is left to integrate.
    assign integrate_todo = dac_done ? cfg_integrate_cycles
                          : (cfg_integrate_cycles == 16'd0 ? 16'd0 : cfg_integrate_cycles - 16'd1);
    assign adc_start = adc_go || ((dac_done || dac_empty) && integrate_todo == 16'd0);

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            integrating    <= 1'b0;
            integrate_left <= '0;
            adc_go         <= 1'b0;
        end else begin
            adc_go <= 1'b0;
            if (dac_done || dac_empty) begin
                if (integrate_todo == 16'd1) begin
                    adc_go <= 1'b1;
                end else if (integrate_todo > 16'd1) begin
                    integrating    <= 1'b1;
                    integrate_left <= integrate_todo - 16'd1;
                end
            end else if (integrating) begin
                integrate_left <= integrate_left - 16'd1;
                if (integrate_left == 16'd1) begin
                    integrating <= 1'b0;
                    adc_go      <= 1'b1;
                end
            end
        end
    end

    adc_periphery #(.NADC(NADC), .B_OUT(B_OUT)) adc (
        .clk, .rst_n, .cfg_b_out, .cfg_adcs, .cfg_mux,
        .start(adc_start), .cmp(adc_cmp),
        .sampling(adc_sampling), .deciding(adc_deciding), .last(mvm_done),
        .sar(adc_sar), .mux(adc_mux), .bit_idx(adc_bit),
        .valid(adc_valid), .valid_mux(adc_valid_mux), .sat(adc_sat),
        .mvm_conversions(adc_mvm_conversions), .mvm_saturated(adc_mvm_saturated),
        .conversions_total, .saturated_total
    );

    // Event counts of the MVM that completes, valid with done_valid (the ADC's are final from the same edge).
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            done_dac_conversions <= '0;
            done_drive_pulses    <= '0;
            done_buffer_accesses <= '0;
        end else if (mvm_done) begin
            done_dac_conversions <= dac_conversions;
            done_drive_pulses    <= dac_pulses;
            done_buffer_accesses <= 32'(cfg_rows) + 32'(cfg_adcs) * 32'(cfg_mux);
        end
    end
    assign done_conversions = adc_mvm_conversions;
    assign done_saturated   = adc_mvm_saturated;

    always_comb begin
        if (mvm_start)                                                 ph = PH_LOAD;
        else if (dac_driving)                                          ph = PH_DRIVE;
        else if (integrating || ((dac_done || dac_empty) && integrate_todo != 16'd0)) ph = PH_INTEGRATE;
        else if (adc_sampling || adc_deciding)                         ph = PH_CONVERT;
        else                                                           ph = PH_IDLE;
    end
    assign phase = ph;

    // The runtime configuration must fit the build (the C side checks it before the run; this catches a
    // testbench that does not).
`ifndef SYNTHESIS  // simulation-only check (Yosys defines SYNTHESIS)
    always @(posedge clk) begin
        if (rst_n && mvm_start) begin
            assert (cfg_rows >= 16'd1 && 32'(cfg_rows) <= ROWS) else $error("tile: cfg_rows=%0d outside 1..%0d", cfg_rows, ROWS);
            assert (cfg_b_in >= 5'd2 && 32'(cfg_b_in) <= B_IN) else $error("tile: cfg_b_in=%0d outside 2..%0d", cfg_b_in, B_IN);
            assert (cfg_b_out >= 5'd1 && 32'(cfg_b_out) <= B_OUT) else $error("tile: cfg_b_out=%0d outside 1..%0d", cfg_b_out, B_OUT);
            assert (cfg_adcs >= 16'd1 && 32'(cfg_adcs) <= NADC) else $error("tile: cfg_adcs=%0d outside 1..%0d", cfg_adcs, NADC);
            assert (cfg_mux >= 16'd1) else $error("tile: cfg_mux=0");
        end
    end
`endif

    wire unused_ok = &{1'b0, dac_max_code, dac_range_error};
endmodule
