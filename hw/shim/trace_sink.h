// The trace writer chosen at build time (FST by default, VCD with -Dtrace_format=vcd), shared by the shims.
#ifndef AIMC_TRACE_SINK_H
#define AIMC_TRACE_SINK_H

#ifdef AIMC_TRACE_VCD
#include "verilated_vcd_c.h"
typedef VerilatedVcdC AimcTraceSink;
#define AIMC_TRACE_FORMAT "vcd"
#else
#include "verilated_fst_c.h"
typedef VerilatedFstC AimcTraceSink;
#define AIMC_TRACE_FORMAT "fst"
#endif

#endif
