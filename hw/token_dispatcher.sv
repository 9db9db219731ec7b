`timescale 1ns/1ps
// Token dispatcher: turns a routing decision into tier-MVM jobs for the tiles.
//
// A command is one group: for one token, one layer and one phase, up to MAX_UNITS mapping units (the k routed
// experts and the shared expert, or the attention projections).  The mapping memory, loaded from C before the
// run, gives each (layer, unit, phase) entry a run of blocks, each block a (tile, tier).  The dispatcher pushes
// one job per cycle into the per-tile queues (depth QDEPTH, with backpressure), tags each job {slot, job index},
// counts the jobs of each group slot still outstanding, and pulses group_done[slot] in the cycle after the last
// of them completes.  Exact timing: model/engine/mvm_backend.h, docs/architecture.md ("Dispatcher timing").
//   accept cycle c (IDLE, cmd_valid) -> pushes in cycles c+1, c+2, ... (one per cycle; a job whose tile queue
//   holds QDEPTH jobs at the start of the cycle waits: a stall) -> IDLE after the last push.
module token_dispatcher #(
    parameter int TILES     = 16,
    parameter int TIER_W    = 4,
    parameter int SLOTS     = 32,
    parameter int JOB_W     = 10,
    parameter int MAX_UNITS = 16,
    parameter int UNIT_W    = 8,
    parameter int LAYER_W   = 8,
    parameter int PHASE_W   = 2,
    parameter int ENTRIES   = 4096,
    parameter int BLOCKS    = 16384,
    parameter int QDEPTH    = 4,
    parameter int TILE_W    = $clog2(TILES),
    parameter int SLOT_W    = $clog2(SLOTS),
    parameter int TAG_W     = SLOT_W + JOB_W,
    parameter int EADDR_W   = $clog2(ENTRIES),
    parameter int BADDR_W   = $clog2(BLOCKS),
    parameter int QCNT_W    = $clog2(QDEPTH + 1),
    parameter int NUNITS_W  = $clog2(MAX_UNITS + 1)
) (
    input  logic                          clk,
    input  logic                          rst_n,
    // runtime shape of the mapping table: entry = (layer * cfg_units + unit) * cfg_phases + phase
    input  logic [UNIT_W:0]               cfg_units,
    input  logic [PHASE_W:0]              cfg_phases,
    // mapping memory write port: entries {count[15:0], first[15:0]}, blocks {tier[15:0], tile[15:0]}
    input  logic                          map_we,
    input  logic                          map_is_block,
    input  logic [BADDR_W-1:0]            map_addr,
    input  logic [31:0]                   map_wdata,
    // commands
    input  logic                          cmd_valid,
    output logic                          cmd_ready,
    input  logic [SLOT_W-1:0]             cmd_slot,
    input  logic [LAYER_W-1:0]            cmd_layer,
    input  logic [PHASE_W-1:0]            cmd_phase,
    input  logic [NUNITS_W-1:0]           cmd_nunits,
    input  logic [MAX_UNITS*UNIT_W-1:0]   cmd_units,
    // tiles: the head of each queue, and completions
    output logic [TILES-1:0]              job_valid,
    input  logic [TILES-1:0]              job_ready,
    output logic [TILES*TIER_W-1:0]       job_tier,
    output logic [TILES*TAG_W-1:0]        job_tag,
    input  logic [TILES-1:0]              tile_done,
    input  logic [TILES*TAG_W-1:0]        tile_done_tag,
    // groups
    output logic [SLOTS-1:0]              group_done,
    output logic [SLOTS-1:0]              group_open,      // being expanded
    // observability
    output logic [1:0]                    fsm_state,
    output logic [TILES*QCNT_W-1:0]       queue_count,
    output logic                          stalled,         // holding a job for a full queue this cycle
    output logic [31:0]                   jobs_pushed,
    output logic [TILES*32-1:0]           stall_cycles,    // per tile: cycles a job for it waited on a full queue
    output logic [TILES*32-1:0]           conflict_cycles  // per tile: job-cycles queued while the tile was busy
);
    typedef enum logic [1:0] {
        D_IDLE = 2'd0,
        D_PUSH = 2'd1
    } dstate_t;

    dstate_t state;
    assign fsm_state = state;

    // ---- mapping memory ------------------------------------------------------------------------------------
    logic [31:0] entry_mem [ENTRIES];
    logic [31:0] block_mem [BLOCKS];

    always_ff @(posedge clk) begin
        if (map_we) begin
            if (map_is_block) block_mem[map_addr] <= map_wdata;
            else entry_mem[map_addr[EADDR_W-1:0]] <= map_wdata;
        end
    end

    // ---- the command being expanded -------------------------------------------------------------------------
    logic [SLOT_W-1:0]           c_slot;
    logic [LAYER_W-1:0]          c_layer;
    logic [PHASE_W-1:0]          c_phase;
    logic [NUNITS_W-1:0]         c_nunits;
    logic [MAX_UNITS*UNIT_W-1:0] c_units;
    logic [NUNITS_W-1:0]         unit_i;
    logic [15:0]                 block_i;
    logic [JOB_W-1:0]            job_i;

    // Address arithmetic is done at full width; bits above the memories' depth are zero by construction
    // (the C loader checks the table fits), and the block word's spare bits are reserved.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [UNIT_W-1:0]  unit      = c_units[unit_i * UNIT_W +: UNIT_W];
    wire [31:0]        entry_idx = ({24'd0, c_layer} * {23'd0, cfg_units} + {24'd0, unit}) * {29'd0, cfg_phases}
                                   + {30'd0, c_phase};
    wire [31:0]        entry     = entry_mem[entry_idx[EADDR_W-1:0]];
    wire [15:0]        e_first   = entry[15:0];
    wire [15:0]        e_count   = entry[31:16];
    wire [15:0]        b_addr    = e_first + block_i;
    wire [31:0]        block     = block_mem[b_addr[BADDR_W-1:0]];
    wire [TILE_W-1:0]  b_tile    = block[TILE_W-1:0];
    wire [TIER_W-1:0]  b_tier    = block[16 +: TIER_W];
    /* verilator lint_on UNUSEDSIGNAL */
    wire               last_block = (block_i + 16'd1 == e_count);
    wire               last_unit  = ({1'b0, unit_i} + 1 == {1'b0, c_nunits});

    // ---- per-tile queues ---------------------------------------------------------------------------------------
    logic [TIER_W+TAG_W-1:0] q_mem   [TILES][QDEPTH];
    logic [QCNT_W-1:0]       q_count [TILES];
    logic [$clog2(QDEPTH)-1:0] q_rd  [TILES];
    logic [$clog2(QDEPTH)-1:0] q_wr  [TILES];

    // Per-tile counters live in unpacked arrays: each non-blocking write to a slice of a wide packed vector
    // would copy the whole vector in the Verilated model, a cost that grows with TILES squared.
    logic [31:0] stall_t    [TILES];
    logic [31:0] conflict_t [TILES];

    wire target_full = (q_count[b_tile] == QCNT_W'(QDEPTH));
    wire push        = (state == D_PUSH) && !target_full;
    assign stalled   = (state == D_PUSH) && target_full;
    assign cmd_ready = (state == D_IDLE);

    always_comb begin
        for (int t = 0; t < TILES; t++) begin
            job_valid[t] = (q_count[t] != '0);
            {job_tier[t*TIER_W +: TIER_W], job_tag[t*TAG_W +: TAG_W]} = q_mem[t][q_rd[t]];
            queue_count[t*QCNT_W +: QCNT_W] = q_count[t];
            stall_cycles[t*32 +: 32]        = stall_t[t];
            conflict_cycles[t*32 +: 32]     = conflict_t[t];
        end
    end

    // Queues: a push and a pop of the same queue may share a cycle.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            for (int t = 0; t < TILES; t++) begin
                q_count[t] <= '0;
                q_rd[t]    <= '0;
                q_wr[t]    <= '0;
                stall_t[t]    <= '0;
                conflict_t[t] <= '0;
            end
        end else begin
            for (int t = 0; t < TILES; t++) begin
                logic pop_t, push_t;
                pop_t  = job_valid[t] && job_ready[t];
                push_t = push && (b_tile == TILE_W'(t));
                if (push_t) begin
                    q_mem[t][q_wr[t]] <= {b_tier, c_slot, job_i};
                    q_wr[t] <= (q_wr[t] == $clog2(QDEPTH)'(QDEPTH - 1)) ? '0 : q_wr[t] + 1'b1;
                end
                if (pop_t) q_rd[t] <= (q_rd[t] == $clog2(QDEPTH)'(QDEPTH - 1)) ? '0 : q_rd[t] + 1'b1;
                q_count[t] <= q_count[t] + QCNT_W'(push_t) - QCNT_W'(pop_t);
                // every job queued at the start of the cycle and not accepted in it waits one more cycle
                conflict_t[t] <= conflict_t[t] + 32'(q_count[t]) - 32'(pop_t);
                if (stalled && b_tile == TILE_W'(t)) stall_t[t] <= stall_t[t] + 32'd1;
            end
        end
    end

    // ---- expansion FSM ---------------------------------------------------------------------------------------
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            state       <= D_IDLE;
            unit_i      <= '0;
            block_i     <= '0;
            job_i       <= '0;
            jobs_pushed <= '0;
        end else if (state == D_IDLE) begin
            if (cmd_valid) begin
                c_slot   <= cmd_slot;
                c_layer  <= cmd_layer;
                c_phase  <= cmd_phase;
                c_nunits <= cmd_nunits;
                c_units  <= cmd_units;
                unit_i   <= '0;
                block_i  <= '0;
                job_i    <= '0;
                state    <= D_PUSH;
            end
        end else begin
            if (push) begin
                jobs_pushed <= jobs_pushed + 32'd1;
                job_i <= job_i + 1'b1;
                if (!last_block) begin
                    block_i <= block_i + 16'd1;
                end else begin
                    block_i <= '0;
                    unit_i  <= unit_i + 1'b1;
                    if (last_unit) state <= D_IDLE;
                end
            end
        end
    end

    // ---- group bookkeeping --------------------------------------------------------------------------------------
    logic [JOB_W:0] outstanding [SLOTS];
    logic [JOB_W:0] done_now    [SLOTS];

    always_comb begin
        logic [SLOT_W-1:0] done_slot;
        done_slot = '0;
        for (int s = 0; s < SLOTS; s++) done_now[s] = '0;
        if (|tile_done) begin
            for (int t = 0; t < TILES; t++)
                if (tile_done[t]) begin
                    done_slot = tile_done_tag[t*TAG_W + JOB_W +: SLOT_W];
                    done_now[done_slot] = done_now[done_slot] + 1'b1;
                end
        end
    end

    wire closing = push && last_block && last_unit;

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            for (int s = 0; s < SLOTS; s++) outstanding[s] <= '0;
            group_done <= '0;
            group_open <= '0;
        end else begin
            for (int s = 0; s < SLOTS; s++) begin
                logic pushed_s, open_after;
                logic [JOB_W:0] left;
                pushed_s   = push && (c_slot == SLOT_W'(s));
                open_after = (group_open[s] || (state == D_IDLE && cmd_valid && cmd_slot == SLOT_W'(s)))
                             && !(closing && c_slot == SLOT_W'(s));
                left = outstanding[s] + (JOB_W+1)'(pushed_s) - done_now[s];
                outstanding[s] <= left;
                group_open[s]  <= open_after;
                group_done[s]  <= (done_now[s] != '0) && (left == '0) && !open_after;
            end
        end
    end

endmodule
