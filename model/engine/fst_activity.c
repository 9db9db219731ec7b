/* The FST reader of switching activity: the hierarchy and every value change of an FST trace, read with the
 * fstapi that Verilator bundles (compiled into its runtime, which the cosim links), registered under "fst". */
#include <stdint.h>
#include <stdio.h>

#include "engine/switching_activity.h"
#include <gtkwave/fstapi.h>

typedef struct {
    aimc_activity *a;
} reader;

static int is_net(unsigned char typ)
{
    switch (typ) {
    case FST_VT_VCD_EVENT: case FST_VT_VCD_PARAMETER: case FST_VT_VCD_REAL: case FST_VT_VCD_REAL_PARAMETER:
    case FST_VT_VCD_REALTIME: case FST_VT_GEN_STRING: case FST_VT_SV_SHORTREAL:
        return 0;
    default:
        return 1;
    }
}

static int read_hierarchy(void *ctx, aimc_activity *a)
{
    struct fstHier *h;
    while ((h = fstReaderIterateHier(ctx))) {
        if (h->htyp == FST_HT_SCOPE) {
            if (aimc_activity_scope_begin(a, h->u.scope.name))
                return -1;
        } else if (h->htyp == FST_HT_UPSCOPE) {
            aimc_activity_scope_end(a);
        } else if (h->htyp == FST_HT_VAR && is_net(h->u.var.typ)) {
            if (aimc_activity_net(a, h->u.var.name, h->u.var.length, (uint32_t)h->u.var.handle))
                return -1;
        }
    }
    return 0;
}

static void on_change(void *user, uint64_t time, fstHandle handle, const unsigned char *value)
{
    aimc_activity_change(((reader *)user)->a, time, (uint32_t)handle, (const char *)value);
}

static int read_fst(const char *path, aimc_activity *a, aimc_error *err)
{
    void *ctx = fstReaderOpen(path);
    if (!ctx)
        return aimc_fail(err, "%s: cannot read the trace as FST", path);
    aimc_activity_set_timescale(a, fstReaderGetTimescale(ctx));
    aimc_activity_note_time(a, fstReaderGetEndTime(ctx));
    int rc = read_hierarchy(ctx, a) ? aimc_fail(err, "%s: malformed FST hierarchy (or out of memory)", path) : 0;
    if (!rc) {
        reader r = {a};
        fstReaderSetFacProcessMaskAll(ctx);
        if (!fstReaderIterBlocks(ctx, on_change, &r, NULL))
            rc = aimc_fail(err, "%s: cannot read the FST value changes", path);
    }
    fstReaderClose(ctx);
    return rc;
}

__attribute__((constructor)) static void register_fst_activity(void) { aimc_activity_reader_register("fst", read_fst); }
