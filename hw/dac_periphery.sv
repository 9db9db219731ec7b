`timescale 1ns/1ps
// DAC row-driver bank of one tile: drives the activation codes of a tier MVM onto the word lines.
//
// Codes: one signed (two's complement) B_IN-bit lane per row in in_codes, row r in in_codes[r*B_IN +: B_IN];
// the runtime resolution cfg_b_in <= B_IN bounds them to [-(2^(b_in-1)-1), 2^(b_in-1)-1] (checked by an
// assertion).  Rows >= cfg_rows are not connected and ignored.  The codes are on in_codes during the `load`
// cycle (the input buffer's read data drives the row drivers directly in that cycle, which is the first drive
// cycle) and are registered at the edge that ends it; the drive statistics are computed there, once per MVM,
// so that a drive cycle costs a counter update only.
//
// Modes (cfg_bit_serial):
//   PWM        row r is driven at sign(c_r) V_read for |c_r| cycles: the phase lasts D = max_r |c_r| cycles (0
//              for an all-zero input), up to 2^(b_in-1)-1.
//   bit-serial one cycle per magnitude bit plane, LSB first: D = b_in - 1 cycles whatever the codes; in cycle k
//              row r is driven when bit k of |c_r| is set, and the integrator weighs cycle k by 2^k
//              (shift-and-add).
// Events of an MVM:
//   conversions  DAC conversions, one per row (PWM: one pulse-width conversion) or one per row and bit plane
//                (bit-serial: cfg_rows * (b_in - 1)): the energy event of the preset (docs/energy-model.md).
//   pulses       row-drive pulses actually applied: PWM sum_r |c_r| (row x cycle pulses), bit-serial the set
//                magnitude bits sum_r popcount(|c_r|); data-dependent, reported for activity studies.
//
// Timing ("load cycle" s = the cycle `load` is high):
//   s .. s+D-1   DRIVE (cycle s is drive cycle 0; `driving` is high from s+1, drive_cycle = 1 .. D-1)
//   s+D          drive_done, when D >= 1: the first cycle after the drive
//   s+1          drive_empty, when D = 0: there was nothing to drive, so cycle s was already past the drive
module dac_periphery #(
    parameter int ROWS = 512,
    parameter int B_IN = 8
) (
    input  logic                 clk,
    input  logic                 rst_n,
    input  logic                 cfg_bit_serial,  // 0: PWM, 1: bit-serial
    input  logic [4:0]           cfg_b_in,        // 2 .. B_IN
    input  logic [15:0]          cfg_rows,        // rows in use, 1 .. ROWS
    input  logic                 load,            // codes on in_codes: register them, drive cycle 0
`ifdef AIMC_UNTRACED_CODES  // chip builds: see chip.sv's tile_in_codes
    /*verilator tracing_off*/
`endif
    input  logic [ROWS*B_IN-1:0] in_codes,
`ifdef AIMC_UNTRACED_CODES
    /*verilator tracing_on*/
`endif
    output logic                 driving,         // a DRIVE cycle after the load cycle
    output logic [15:0]          drive_cycle,     // PWM: pulse time; bit-serial: the bit plane driven
    output logic [15:0]          drive_len,       // D of the current MVM
    output logic                 drive_done,      // the first cycle after a drive of D >= 1 cycles
    output logic                 drive_empty,     // the cycle after a load with D = 0
    output logic [31:0]          conversions,     // DAC conversions of the current MVM
    output logic [31:0]          pulses,          // row-drive pulses of the current MVM
    output logic [31:0]          max_code,        // max |code| of the current MVM (PWM phase length)
    output logic [63:0]          conversions_total,
    output logic [63:0]          pulses_total,
    output logic                 range_error      // a code loaded at the last edge was outside cfg_b_in bits
);
    // Not inlined: a chip has up to 64 tiles, and a copy of this module's logic in each makes the Verilated
    // chip several times larger and slower to compile.
    /* verilator no_inline_module */
    typedef enum logic [1:0] {  // two bits: GTKWave shows enum names of vectors only
        DAC_IDLE  = 2'd0,
        DAC_DRIVE = 2'd1
    } dac_state_t;

    dac_state_t state;

    assign driving = (state == DAC_DRIVE);

    always_ff @(posedge clk) begin : seq
        // Per-row statistics of the codes being loaded (temporaries of the load edge).
        logic signed [B_IN-1:0] code;
        logic [B_IN-1:0]        mag, code_max;
        logic [31:0]            mx, sum, ones, len, npulses, nconv;
        logic                   bad;
        if (!rst_n) begin
            state              <= DAC_IDLE;
            drive_cycle        <= '0;
            drive_len          <= '0;
            drive_done         <= 1'b0;
            drive_empty        <= 1'b0;
            conversions        <= '0;
            pulses             <= '0;
            max_code           <= '0;
            conversions_total  <= '0;
            pulses_total       <= '0;
            range_error        <= 1'b0;
        end else begin
            drive_done  <= 1'b0;
            drive_empty <= 1'b0;
            range_error <= 1'b0;
            if (load) begin
                mx = '0;
                sum = '0;
                ones = '0;
                bad = 1'b0;
                code_max = B_IN'((32'd1 << (cfg_b_in - 5'd1)) - 32'd1);
                for (int r = 0; r < ROWS; r++) begin
                    if (r < 32'(cfg_rows)) begin
                        code = in_codes[r*B_IN +: B_IN];
                        mag = code[B_IN-1] ? B_IN'(-code) : B_IN'(code);
                        bad = bad | (mag > code_max);
                        if (32'(mag) > mx) mx = 32'(mag);
                        sum = sum + 32'(mag);
                        ones = ones + 32'($countones(mag));
                    end
                end
                len = cfg_bit_serial ? 32'(cfg_b_in) - 32'd1 : mx;
                npulses = cfg_bit_serial ? ones : sum;
                nconv = cfg_bit_serial ? 32'(cfg_rows) * (32'(cfg_b_in) - 32'd1) : 32'(cfg_rows);
                range_error        <= bad;
                max_code           <= mx;
                drive_len          <= len[15:0];
                conversions        <= nconv;
                pulses             <= npulses;
                conversions_total  <= conversions_total + 64'(nconv);
                pulses_total       <= pulses_total + 64'(npulses);
                drive_cycle        <= 16'd1;  // this cycle was drive cycle 0
                if (len >= 32'd2) begin
                    state <= DAC_DRIVE;
                end else begin
                    state       <= DAC_IDLE;
                    drive_done  <= (len == 32'd1);
                    drive_empty <= (len == 32'd0);
                end
            end else if (state == DAC_DRIVE) begin
                drive_cycle <= drive_cycle + 16'd1;
                if (drive_cycle == drive_len - 16'd1) begin
                    state      <= DAC_IDLE;
                    drive_done <= 1'b1;
                end
            end
        end
    end

    // The codes must fit the configured resolution (the C side quantizes them so; this catches one that does
    // not).  Simulation-only check, one cycle after the load.
`ifndef SYNTHESIS  // simulation-only check (Yosys defines SYNTHESIS)
    always @(posedge clk) begin
        if (rst_n) assert (!range_error) else $error("DAC: a code outside the %0d-bit range was loaded", cfg_b_in);
    end
`endif
endmodule
