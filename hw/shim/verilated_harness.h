// The one harness every Verilator shim uses (in the spirit of Verilator's make_tracing_c and ZipCPU's TESTB):
// it owns the context, the model and the trace, and runs the cycle protocol both shims document:
//   eval_low()  the cycle's inputs are on the ports: evaluate with the clock low (outputs of the cycle);
//   mark_late() a late input (DAC codes, comparator decisions) was set after eval_low, from its outputs;
//   edge()      trace the cycle (re-evaluated first when a late input came, so the trace shows it in the cycle
//               it belongs to), take the rising edge, trace it; one cycle is two half periods of the clock.
#ifndef AIMC_VERILATED_HARNESS_H
#define AIMC_VERILATED_HARNESS_H

#include <cstdint>
#include <memory>

#include "trace_sink.h"
#include "verilated.h"

template <class Top> class AimcHarness {
public:
    explicit AimcHarness(uint32_t clock_period_ps)
        : context_(std::make_unique<VerilatedContext>()), half_period_ps_(clock_period_ps / 2)
    {
        context_->traceEverOn(true);
        // RTL assertion failures ($error) are counted and reported by the cosim instead of stopping the run,
        // so the trace is closed properly and the scoreboards can say what went wrong.
        context_->errorLimit(1 << 30);
        top_ = std::make_unique<Top>(context_.get(), "top");
        top_->clk = 0;
        top_->rst_n = 0;
    }

    ~AimcHarness()
    {
        top_->final();
        if (trace_)
            trace_->close();
    }

    AimcHarness(const AimcHarness &) = delete;
    AimcHarness &operator=(const AimcHarness &) = delete;

    Top &top() { return *top_; }
    const Top &top() const { return *top_; }

    // Opens an FST or VCD trace (the format the build chose); false if it cannot be created.
    bool trace_open(const char *path)
    {
        trace_ = std::make_unique<AimcTraceSink>();
        top_->trace(trace_.get(), 99);
        trace_->open(path);
        if (!trace_->isOpen()) {
            trace_.reset();
            return false;
        }
        return true;
    }

    void eval_low()
    {
        top_->clk = 0;
        top_->eval();
        late_ = false;
    }

    void mark_late() { late_ = true; }

    void edge()
    {
        if (trace_) {
            if (late_)
                top_->eval();
            trace_->dump(context_->time());
        }
        context_->timeInc(half_period_ps_);
        top_->clk = 1;
        top_->eval();
        if (trace_)
            trace_->dump(context_->time());
        context_->timeInc(half_period_ps_);
        cycles_++;
    }

    uint64_t cycles() const { return cycles_; }
    uint64_t rtl_errors() const { return context_->errorCount(); }

private:
    std::unique_ptr<VerilatedContext> context_;
    std::unique_ptr<Top> top_;
    std::unique_ptr<AimcTraceSink> trace_;
    uint64_t half_period_ps_;
    uint64_t cycles_ = 0;
    bool late_ = false;
};

#endif
