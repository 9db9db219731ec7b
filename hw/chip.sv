`timescale 1ns/1ps
// The chip: TILES 3D tiles fed by the token dispatcher, with energy monitor counters.
//
// The C side loads the dispatcher's mapping memory, presents group commands, and reacts to group_done; the
// digital units, the interconnect and DRAM are C models around it.  The energy monitor accumulates, per tile
// and for the chip, the energy of the events the tiles signal (tier switches, completed MVMs), in fixed point
// with 1 fJ per LSB, so GTKWave shows energy on the same time axis as the control.
module chip #(
    parameter int TILES   = 16,
    parameter int TIERS   = 16,
    parameter int SLOTS   = 32,
    parameter int JOB_W   = 10,
    parameter int QDEPTH  = 4,
    parameter int MAX_UNITS = 16,
    parameter int UNIT_W  = 8,
    parameter int LAYER_W = 8,
    parameter int PHASE_W = 2,
    parameter int ENTRIES = 4096,
    parameter int BLOCKS  = 16384,
    parameter int ROWS    = 512,   // the tiles' periphery maxima (tile.sv)
    parameter int B_IN    = 8,
    parameter int NADC    = 64,
    parameter int B_OUT   = 16,
    parameter int SEQS    = 64,    // sequences the token markers can show (the cosim's largest batch)
    parameter int TIER_W  = $clog2(TIERS),
    parameter int SLOT_W  = $clog2(SLOTS),
    parameter int TAG_W   = SLOT_W + JOB_W,
    parameter int BADDR_W = $clog2(BLOCKS),
    parameter int QCNT_W  = $clog2(QDEPTH + 1),
    parameter int NUNITS_W = $clog2(MAX_UNITS + 1)
) (
    input  logic                        clk,
    input  logic                        rst_n,
    // configuration (static during a run)
    input  logic [15:0]                 cfg_switch_cycles,
    // the tiles' periphery (tile.sv): rows, DAC mode and bits, ADC bits, converters (columns / M), M, integration
    input  logic [15:0]                 cfg_rows,
    input  logic                        cfg_bit_serial,
    input  logic [4:0]                  cfg_b_in,
    input  logic [4:0]                  cfg_b_out,
    input  logic [15:0]                 cfg_adcs,
    input  logic [15:0]                 cfg_mux,
    input  logic [15:0]                 cfg_integrate_cycles,
    input  logic [UNIT_W:0]             cfg_units,
    input  logic [PHASE_W:0]            cfg_phases,
    input  logic [47:0]                 cfg_mvm_energy_fJ,
    input  logic [47:0]                 cfg_switch_energy_fJ,
    // each tile's DAC codes, set by C in the cycle the tile's mvm_start is high (sampled at that edge).  Left out
    // of the waveform (here, and in the tiles when built with AIMC_UNTRACED_CODES): comparing TILES x 4096 bits
    // for changes at every dump took two thirds of a traced run, and the DAC's drive statistics show the codes'
    // effect; the single-tile trace keeps its codes port.
    /*verilator tracing_off*/
    input  logic [TILES*ROWS*B_IN-1:0]  tile_in_codes,
    /*verilator tracing_on*/
    // mapping memory load
    input  logic                        map_we,
    input  logic                        map_is_block,
    input  logic [BADDR_W-1:0]          map_addr,
    input  logic [31:0]                 map_wdata,
    // group commands
    input  logic                        cmd_valid,
    output logic                        cmd_ready,
    input  logic [SLOT_W-1:0]           cmd_slot,
    input  logic [LAYER_W-1:0]          cmd_layer,
    input  logic [PHASE_W-1:0]          cmd_phase,
    input  logic [NUNITS_W-1:0]         cmd_nunits,
    input  logic [MAX_UNITS*UNIT_W-1:0] cmd_units,
    output logic [SLOTS-1:0]            group_done,
    output logic [SLOTS-1:0]            group_open,
    // token markers: the decode sequencer's token boundaries, driven by C, so that every token's window is on
    // the waveform's time axis (the digital units that run between MVMs are C models, not RTL)
    input  logic [SEQS-1:0]             token_begin,     // sequence s starts a token in this cycle
    input  logic [SEQS-1:0]             token_end,       // sequence s finishes a token in this cycle
    output logic [31:0]                 tokens_done,     // tokens finished before this cycle
    // observability
    output logic [1:0]                  dispatcher_state,
    output logic                        dispatcher_stalled,
    output logic [TILES*QCNT_W-1:0]     queue_count,
    output logic [TILES*TIERS-1:0]      tile_tier_en,
    output logic                        ott_violation,   // some tile has two tiers enabled this cycle
    output logic [TILES-1:0]            tile_done,       // a job completed on the tile this cycle
    output logic [TILES*TAG_W-1:0]      tile_done_tag,
    output logic [TILES-1:0]            tile_switch_start, // the tile started a tier switch (previous cycle's accept)
    output logic [31:0]                 jobs_pushed,
    output logic [TILES*32-1:0]         stall_cycles,
    output logic [TILES*32-1:0]         conflict_cycles,
    output logic [TILES-1:0]            tile_busy,
    output logic [TILES-1:0]            tile_mvm_start,
    output logic [TILES*TAG_W-1:0]      tile_active_tag,
    output logic [TILES*32-1:0]         tile_switch_count,
    output logic [TILES*32-1:0]         tile_mvm_count,
    output logic [TILES*32-1:0]         tile_busy_cycles,
    output logic [TILES*64-1:0]         energy_tile_fJ,
    output logic [63:0]                 energy_chip_fJ
);
    logic [TILES-1:0]          job_valid, job_ready;
    logic [TILES*TIER_W-1:0]   job_tier;
    logic [TILES*TAG_W-1:0]    job_tag;

    token_dispatcher #(
        .TILES(TILES), .TIER_W(TIER_W), .SLOTS(SLOTS), .JOB_W(JOB_W), .MAX_UNITS(MAX_UNITS), .UNIT_W(UNIT_W),
        .LAYER_W(LAYER_W), .PHASE_W(PHASE_W), .ENTRIES(ENTRIES), .BLOCKS(BLOCKS), .QDEPTH(QDEPTH)
    ) dispatcher (
        .clk, .rst_n, .cfg_units, .cfg_phases, .map_we, .map_is_block, .map_addr, .map_wdata,
        .cmd_valid, .cmd_ready, .cmd_slot, .cmd_layer, .cmd_phase, .cmd_nunits, .cmd_units,
        .job_valid, .job_ready, .job_tier, .job_tag, .tile_done, .tile_done_tag,
        .group_done, .group_open, .fsm_state(dispatcher_state), .queue_count, .stalled(dispatcher_stalled),
        .jobs_pushed, .stall_cycles, .conflict_cycles
    );

    for (genvar t = 0; t < TILES; t++) begin : tiles
        // Seen in the waveform (and tier_en by the C invariant monitor), not used by other logic:
        /* verilator lint_off UNUSEDSIGNAL */
        logic              switching;
        logic [1:0]        fsm_state;
        logic [TIER_W-1:0] active_tier;
        logic [2:0]        phase;
        logic              dac_driving, adc_sampling, adc_deciding, adc_valid;
        logic [15:0]       dac_drive_cycle, dac_drive_len, adc_mux, adc_valid_mux;
        logic [4:0]        adc_bit;
        logic [B_OUT*NADC-1:0] adc_sar;
        logic [NADC-1:0]   adc_sat;
        logic [31:0]       done_dac_conversions, done_drive_pulses, done_conversions, done_saturated,
                           done_buffer_accesses;
        logic [63:0]       dac_conversions_total, drive_pulses_total, conversions_total, saturated_total;
        /* verilator lint_on UNUSEDSIGNAL */
        logic              mvm_start;
        logic [31:0]       switch_count, mvm_count, busy_cycles, switch_seen;
        logic [63:0]       energy_fJ;

        // Clock gating, as a chip would gate an idle tile: the tile and its energy monitor see a clock edge
        // only when one can change them (reset, a job waiting, an MVM in flight, its completion pulses to
        // clear; a counted switch is always followed by busy cycles).  The enable is latched while clk is low (a
        // glitch-free clock gate), so the gated edge is the same edge as clk's, and an idle tile costs no
        // evaluation in the Verilated model.
        logic              clk_en, clk_en_latched, gclk;
        assign clk_en = !rst_n || job_valid[t] || tile_busy[t] || tile_done[t] || adc_valid;
        always_latch if (!clk) clk_en_latched = clk_en;
        assign gclk = clk && clk_en_latched;

        // The DAC codes come from C (the job's activation codes); the comparators answer 0: the SAR's timing
        // does not depend on its decisions, and the chip-level cosim books the data-independent event energies.
        tile #(.TIERS(TIERS), .TAG_W(TAG_W), .ROWS(ROWS), .B_IN(B_IN), .NADC(NADC), .B_OUT(B_OUT)) tile (
            .clk(gclk), .rst_n, .switch_cycles(cfg_switch_cycles),
            .cfg_rows, .cfg_bit_serial, .cfg_b_in, .cfg_b_out, .cfg_adcs, .cfg_mux, .cfg_integrate_cycles,
            .in_codes(tile_in_codes[t*ROWS*B_IN +: ROWS*B_IN]), .adc_cmp({NADC{1'b0}}),
            .done_dac_conversions, .done_drive_pulses, .done_conversions, .done_saturated, .done_buffer_accesses,
            .phase, .dac_driving, .dac_drive_cycle, .dac_drive_len, .adc_sampling, .adc_deciding, .adc_mux,
            .adc_bit, .adc_sar, .adc_valid, .adc_valid_mux, .adc_sat,
            .dac_conversions_total, .drive_pulses_total, .conversions_total, .saturated_total,
            .req_valid(job_valid[t]), .req_ready(job_ready[t]),
            .req_tier(job_tier[t*TIER_W +: TIER_W]), .req_tag(job_tag[t*TAG_W +: TAG_W]),
            .mvm_start, .done_valid(tile_done[t]), .done_tag(tile_done_tag[t*TAG_W +: TAG_W]),
            .tier_en(tile_tier_en[t*TIERS +: TIERS]), .busy(tile_busy[t]), .switching, .fsm_state, .active_tier,
            .active_tag(tile_active_tag[t*TAG_W +: TAG_W]), .switch_count, .mvm_count
        );

        // Energy monitor: a completed MVM and a started tier switch each add their energy.
        always_ff @(posedge gclk) begin
            if (!rst_n) begin
                busy_cycles <= '0;
                switch_seen <= '0;
                energy_fJ   <= '0;
            end else begin
                busy_cycles <= busy_cycles + 32'(tile_busy[t]);
                switch_seen <= switch_count;
                energy_fJ   <= energy_fJ + (tile_done[t] ? {16'd0, cfg_mvm_energy_fJ} : 64'd0)
                                         + (tile_switch_start[t] ? {16'd0, cfg_switch_energy_fJ} : 64'd0);
            end
        end

        assign tile_mvm_start[t]              = mvm_start;
        assign tile_switch_start[t]           = (switch_count != switch_seen);
        assign tile_switch_count[t*32 +: 32]  = switch_count;
        assign tile_mvm_count[t*32 +: 32]     = mvm_count;
        assign tile_busy_cycles[t*32 +: 32]   = busy_cycles;
        assign energy_tile_fJ[t*64 +: 64]     = energy_fJ;
    end

    // A sequence has a token in flight from its begin cycle to the cycle before its end; its next token begins
    // in the cycle its previous one ends, so begin wins and the level stays high.
    logic [SEQS-1:0] seq_in_token, seq_held;
    assign seq_in_token = token_begin | (seq_held & ~token_end);
    always_ff @(posedge clk) seq_held <= rst_n ? seq_in_token : '0;
    for (genvar s = 0; s < SEQS; s++) begin : seqs
        /* verilator lint_off UNUSEDSIGNAL */
        wire in_token = seq_in_token[s];  // one waveform row per sequence (seen in the waveform only)
        /* verilator lint_on UNUSEDSIGNAL */
    end

    always_ff @(posedge clk) begin
        if (!rst_n) tokens_done <= '0;
        else        tokens_done <= tokens_done + 32'($countones(token_end));
    end

    always_comb begin
        ott_violation = 1'b0;
        for (int t = 0; t < TILES; t++) ott_violation = ott_violation || !$onehot0(tile_tier_en[t*TIERS +: TIERS]);
    end

    always_comb begin
        energy_chip_fJ = '0;
        for (int t = 0; t < TILES; t++) energy_chip_fJ = energy_chip_fJ + energy_tile_fJ[t*64 +: 64];
    end
endmodule
