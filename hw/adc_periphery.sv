`timescale 1ns/1ps
// ADC column bank of one tile: cfg_adcs successive-approximation converters, each behind an M:1 column mux
// (M = cfg_mux), convert cfg_adcs * M columns.  Converter a serves columns a*M .. a*M+M-1 and converts column
// a*M + j in conversion j (j = 0 .. M-1), all converters in lock step.
//
// One conversion = 1 SAMPLE cycle (track and hold of the muxed column) + b_out DECIDE cycles (b_out =
// cfg_b_out <= B_OUT), MSB first.  The SAR register of converter a, sar[a] = sar[a*B_OUT +: B_OUT], holds its
// trial code (offset binary): the sample edge loads 1 << (b_out-1); in the DECIDE cycle of bit k the comparator
// answers cmp[a] = "column value >= decision level of the trial code sar[a]", and the edge keeps bit k if cmp[a]
// is 1, clears it otherwise, and sets bit k-1 as the next trial.  After the edge of bit 0, sar[a] holds the
// result, which stays
// readable during the following cycle: `valid` is high then, with the conversion index in `valid_mux` and
// per-converter saturation flags in `sat` (result 0 or 2^b_out - 1: the converter cannot tell a value in an
// end bin from one beyond it).  The comparator is the analog model's (C, through the cmp port): with cmp all
// zeros the timing is the same, since a SAR takes b_out decisions whatever the answers.
//
// Timing (c0 = the cycle `start` is high, which is the first SAMPLE cycle):
//   conversion j: SAMPLE c0 + j(b_out+1), DECIDE bits b_out-1 .. 0 in the next b_out cycles;
//   `last` in the final DECIDE cycle of conversion M-1, c0 + M(b_out+1) - 1.
module adc_periphery #(
    parameter int NADC  = 64,
    parameter int B_OUT = 16
) (
    input  logic                       clk,
    input  logic                       rst_n,
    input  logic [4:0]                 cfg_b_out,   // 1 .. B_OUT
    input  logic [15:0]                cfg_adcs,    // converters in use, 1 .. NADC
    input  logic [15:0]                cfg_mux,     // M >= 1
    input  logic                       start,       // first SAMPLE cycle of an MVM's conversion phase
    input  logic [NADC-1:0]            cmp,         // comparator decisions, read in DECIDE cycles
    output logic                       sampling,
    output logic                       deciding,
    output logic                       last,        // final DECIDE cycle of the MVM
    output logic [NADC*B_OUT-1:0]      sar,         // trial codes (DECIDE), results (valid): converter a in
                                                    // [a*B_OUT +: B_OUT]
    output logic [15:0]                mux,         // conversion index j in progress
    output logic [4:0]                 bit_idx,     // bit k decided this cycle
    output logic                       valid,       // sar holds the results of conversion valid_mux
    output logic [15:0]                valid_mux,
    output logic [NADC-1:0]            sat,         // per converter, with valid
    output logic [31:0]                mvm_conversions,  // of the last completed MVM (from its last edge on)
    output logic [31:0]                mvm_saturated,
    output logic [63:0]                conversions_total,
    output logic [63:0]                saturated_total
);
    // Not inlined: a chip has up to 64 tiles, and a copy of this module's logic in each makes the Verilated
    // chip several times larger and slower to compile.
    /* verilator no_inline_module */
    typedef enum logic [1:0] {
        ADC_IDLE   = 2'd0,
        ADC_SAMPLE = 2'd1,
        ADC_DECIDE = 2'd2
    } adc_state_t;

    adc_state_t       state;
    logic [31:0]      conv_count, sat_count; // of the MVM in progress
    logic [31:0]      adcs;

    assign adcs     = (32'(cfg_adcs) < NADC) ? 32'(cfg_adcs) : NADC;
    assign sampling = start || (state == ADC_SAMPLE);
    assign deciding = (state == ADC_DECIDE);
    assign last     = deciding && (bit_idx == 5'd0) && (mux == cfg_mux - 16'd1);

    // The loops run over the converters in use only (a run-time bound, so Verilator keeps them loops instead of
    // unrolling NADC copies of the body per tile); the registers of unused converters stay 0.
    always_ff @(posedge clk) begin : seq
        logic [B_OUT-1:0]           code, msb, top, kbit;
        logic [NADC*B_OUT-1:0]      sar_n;
        logic [NADC-1:0]            sat_n;
        logic [31:0]                nsat;
        if (!rst_n) begin
            state             <= ADC_IDLE;
            sar               <= '0;
            mux               <= '0;
            bit_idx           <= '0;
            valid             <= 1'b0;
            valid_mux         <= '0;
            sat               <= '0;
            conv_count        <= '0;
            sat_count         <= '0;
            mvm_conversions   <= '0;
            mvm_saturated     <= '0;
            conversions_total <= '0;
            saturated_total   <= '0;
        end else begin
            valid <= 1'b0;
            if (sampling) begin
                // track and hold; every converter in use starts from the mid-scale trial
                msb = B_OUT'(1) << (cfg_b_out - 5'd1);
                sar_n = '0;
                for (int a = 0; a < adcs; a++) sar_n[a*B_OUT +: B_OUT] = msb;
                sar     <= sar_n;
                bit_idx <= cfg_b_out - 5'd1;
                state   <= ADC_DECIDE;
                if (start) begin
                    mux        <= '0;
                    conv_count <= '0;
                    sat_count  <= '0;
                end
            end else if (deciding) begin
                top = B_OUT'((32'd1 << cfg_b_out) - 32'd1);
                kbit = B_OUT'(1) << bit_idx;
                nsat = '0;
                sar_n = sar;
                sat_n = '0;
                for (int a = 0; a < adcs; a++) begin
                    code = sar[a*B_OUT +: B_OUT];
                    if (!cmp[a]) code = code & ~kbit;  // keep bit k only if the value reaches the trial
                    code = code | (kbit >> 1);           // next trial: bit k-1 (nothing after bit 0)
                    sar_n[a*B_OUT +: B_OUT] = code;
                    sat_n[a] = (code == '0 || code == top);
                    nsat = nsat + 32'(sat_n[a]);
                end
                sar <= sar_n;
                if (bit_idx != 5'd0) begin
                    bit_idx <= bit_idx - 5'd1;
                end else begin
                    // conversion j done: its results are readable in the next cycle
                    valid             <= 1'b1;
                    valid_mux         <= mux;
                    sat               <= sat_n;
                    conv_count        <= conv_count + 32'(cfg_adcs);
                    sat_count         <= sat_count + nsat;
                    conversions_total <= conversions_total + 64'(cfg_adcs);
                    saturated_total   <= saturated_total + 64'(nsat);
                    if (mux == cfg_mux - 16'd1) begin
                        mvm_conversions <= conv_count + 32'(cfg_adcs);
                        mvm_saturated   <= sat_count + nsat;
                        state           <= ADC_IDLE;
                    end else begin
                        mux   <= mux + 16'd1;
                        state <= ADC_SAMPLE;
                    end
                end
            end
        end
    end
endmodule
