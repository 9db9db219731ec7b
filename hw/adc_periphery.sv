`timescale 1ns/1ps
// ADC column bank of one tile: cfg_adcs successive-approximation converters, each behind an M:1 column mux
// (M = cfg_mux), convert cfg_adcs * M columns.  Converter a serves columns a*M .. a*M+M-1 and converts column
// a*M + j in conversion j (j = 0 .. M-1), all converters in lock step.
//
// One conversion = 1 SAMPLE cycle (track and hold of the muxed column) + b_out DECIDE cycles (b_out =
// cfg_b_out <= B_OUT), MSB first.  Each converter's SAR register holds its trial code (offset binary): the
// sample edge loads 1 << (b_out-1); in the DECIDE cycle of bit k the comparator answers cmp[a] = "column value
// >= decision level of converter a's trial code", and the edge keeps bit k if cmp[a] is 1, clears it
// otherwise, and sets bit k-1 as the next trial.  After the edge of bit 0 the registers hold the results,
// readable during the following cycle: `valid` is high then, with the conversion index in `valid_mux` and
// per-converter saturation flags in `sat` (result 0 or 2^b_out - 1: the converter cannot tell a value in an end
// bin from one beyond it).  The comparator is the analog model's (C, through the cmp port): with cmp all zeros
// the timing is the same, since a SAR takes b_out decisions whatever the answers.
//
// The registers are stored bit-plane-major, as a bank of converters in lock step would update them: plane[k]
// holds bit k of every converter (bit a = converter a), and the port sar[k*NADC +: NADC] shows it.  A decision
// then writes two planes (plane k := cmp, plane k-1 := the converters in use), whatever the number of
// converters; the trace records the planes (two small changes per decision), not the wide port.
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
    /*verilator tracing_off*/
    output logic [B_OUT*NADC-1:0]      sar,         // trial codes (DECIDE), results (valid); plane-major
    /*verilator tracing_on*/
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

    adc_state_t      state;
    logic [31:0]     conv_count, sat_count; // of the MVM in progress
    logic [NADC-1:0] in_use;                // the converters in use
    logic [NADC-1:0] plane [B_OUT];         // the SAR registers, plane k = bit k of every converter
    localparam int KW = $clog2(B_OUT);

    assign in_use   = (32'(cfg_adcs) >= NADC) ? '1 : ((NADC'(1) << cfg_adcs) - NADC'(1));
    assign sampling = start || (state == ADC_SAMPLE);
    assign deciding = (state == ADC_DECIDE);
    assign last     = deciding && (bit_idx == 5'd0) && (mux == cfg_mux - 16'd1);

    always_comb begin
        for (int k = 0; k < B_OUT; k++) sar[k*NADC +: NADC] = plane[k];
    end

    always_ff @(posedge clk) begin : seq
        logic [NADC-1:0] kept, any_one, all_one, sat_n;
        logic [31:0]     nsat;
        if (!rst_n) begin
            state             <= ADC_IDLE;
            for (int k = 0; k < B_OUT; k++) plane[k] <= '0;
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
                for (int k = 0; k < B_OUT; k++) plane[k] <= (k == 32'(cfg_b_out) - 1) ? in_use : '0;
                bit_idx <= cfg_b_out - 5'd1;
                state   <= ADC_DECIDE;
                if (start) begin
                    mux        <= '0;
                    conv_count <= '0;
                    sat_count  <= '0;
                end
            end else if (deciding) begin
                kept = cmp & in_use;
                plane[bit_idx[KW-1:0]] <= kept;                              // keep bit k where the value reaches it
                if (bit_idx != 5'd0) plane[bit_idx[KW-1:0] - KW'(1)] <= in_use;  // next trial: bit k-1
                if (bit_idx != 5'd0) begin
                    bit_idx <= bit_idx - 5'd1;
                end else begin
                    // conversion j done: its results are readable in the next cycle; an end code is all
                    // zeros or all ones over the b_out planes
                    any_one = kept;
                    all_one = kept;
                    for (int k = 1; k < B_OUT; k++) begin
                        if (k < 32'(cfg_b_out)) begin
                            any_one = any_one | plane[k];
                            all_one = all_one & plane[k];
                        end
                    end
                    sat_n = (~any_one | all_one) & in_use;
                    nsat = 32'($countones(sat_n));
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
