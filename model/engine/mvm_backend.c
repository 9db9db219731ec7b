#include "engine/mvm_backend.h"

#include <string.h>


int aimc_mvm_backend_submit(aimc_mvm_backend *b, uint64_t cycle, const aimc_mvm_command *cmd, aimc_error *err)
{
    return b->ops->submit(b, cycle, cmd, err);
}

int aimc_mvm_backend_advance(aimc_mvm_backend *b, uint64_t until, uint32_t *done_slots, uint32_t *ndone,
                             uint64_t *done_cycle, aimc_error *err)
{
    return b->ops->advance(b, until, done_slots, ndone, done_cycle, err);
}

int aimc_mvm_backend_mark_token(aimc_mvm_backend *b, uint64_t cycle, uint32_t seq, bool end, aimc_error *err)
{
    return b->ops->mark_token ? b->ops->mark_token(b, cycle, seq, end, err) : 0;
}

uint64_t aimc_mvm_backend_now(const aimc_mvm_backend *b) { return b->ops->now(b); }

const aimc_backend_stats *aimc_mvm_backend_stats(const aimc_mvm_backend *b) { return b->ops->stats(b); }

int aimc_mvm_backend_register_stats(const aimc_mvm_backend *b, aimc_stats *s)
{
    const aimc_backend_stats *st = b->ops->stats(b);
    return aimc_stats_set(s, "tier_mvms", "MVMs", "tier MVM jobs the tiles ran", st->jobs) ||
           aimc_stats_set(s, "tier_switches", "switches", "tier switches (a tile's periphery moved to another tier)",
                          st->tier_switches);
}

void aimc_mvm_backend_checks_of(aimc_mvm_backend *b, aimc_mvm_backend_checks *out)
{
    memset(out, 0, sizeof *out);
    if (b->ops->checks)
        b->ops->checks(b, out);
}

void aimc_mvm_backend_destroy(aimc_mvm_backend *b)
{
    if (b)
        b->ops->destroy(b);
}
