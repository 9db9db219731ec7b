// Thin shim over the Verilated tile: owns the context, the model and the trace; nothing else.
#include "vtile.h"

#include <memory>

// The fault-injected build compiles this same file against the Vtile_fault model.
#ifndef AIMC_VTILE_CLASS
#define AIMC_VTILE_CLASS Vtile
#define AIMC_VTILE_HEADER "Vtile.h"
#endif
#include AIMC_VTILE_HEADER
#include "trace_sink.h"
#include "verilated.h"

struct aimc_vtile {
    std::unique_ptr<VerilatedContext> context;
    std::unique_ptr<AIMC_VTILE_CLASS> top;
    std::unique_ptr<AimcTraceSink> trace;
    uint64_t half_period_ps;
    uint64_t cycles;
};

extern "C" uint32_t aimc_vtile_tiers(void) { return AIMC_VTILE_TIERS; }

extern "C" const char *aimc_vtile_trace_format(void) { return AIMC_TRACE_FORMAT; }

extern "C" aimc_vtile *aimc_vtile_create(uint32_t clock_period_ps)
{
    auto *t = new aimc_vtile;
    t->context = std::make_unique<VerilatedContext>();
    t->context->traceEverOn(true);
    // RTL assertion failures ($error) are counted and reported by the cosim instead of stopping the run,
    // so the trace is closed properly and the scoreboards can say what went wrong.
    t->context->errorLimit(1 << 30);
    t->top = std::make_unique<AIMC_VTILE_CLASS>(t->context.get(), "top");
    t->half_period_ps = clock_period_ps / 2;
    t->cycles = 0;
    t->top->clk = 0;
    t->top->rst_n = 0;
    t->top->eval();
    return t;
}

extern "C" void aimc_vtile_destroy(aimc_vtile *t)
{
    if (!t)
        return;
    t->top->final();
    if (t->trace)
        t->trace->close();
    delete t;
}

extern "C" bool aimc_vtile_trace_open(aimc_vtile *t, const char *path)
{
    t->trace = std::make_unique<AimcTraceSink>();
    t->top->trace(t->trace.get(), 99);
    t->trace->open(path);
    if (!t->trace->isOpen()) {
        t->trace.reset();
        return false;
    }
    return true;
}

extern "C" uint64_t aimc_vtile_rtl_errors(const aimc_vtile *t) { return t->context->errorCount(); }

extern "C" uint64_t aimc_vtile_cycles(const aimc_vtile *t) { return t->cycles; }

extern "C" void aimc_vtile_cycle(aimc_vtile *t, const aimc_vtile_in *in, aimc_vtile_out *out)
{
    AIMC_VTILE_CLASS &top = *t->top;
    top.rst_n = in->rst_n;
    top.switch_cycles = in->switch_cycles;
    top.compute_cycles = in->compute_cycles;
    top.req_valid = in->req_valid;
    top.req_tier = in->req_tier;
    top.req_tag = in->req_tag;
    top.clk = 0;
    top.eval();
    if (t->trace)
        t->trace->dump(t->context->time());

    out->req_ready = top.req_ready;
    out->mvm_start = top.mvm_start;
    out->done_valid = top.done_valid;
    out->done_tag = top.done_tag;
    out->tier_en = top.tier_en;
    out->busy = top.busy;
    out->switching = top.switching;
    out->active_tier = top.active_tier;
    out->active_tag = top.active_tag;
    out->state = top.fsm_state;
    out->switch_count = top.switch_count;
    out->mvm_count = top.mvm_count;

    t->context->timeInc(t->half_period_ps);
    top.clk = 1;
    top.eval();
    if (t->trace)
        t->trace->dump(t->context->time());
    t->context->timeInc(t->half_period_ps);
    t->cycles++;
}
