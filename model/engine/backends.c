#include "engine/backends.h"

#include <stdio.h>
#include <string.h>

#include "engine/fast_backend.h"
#include "params/chip_params.h"

enum { MAX_KINDS = 8 };

static aimc_mvm_backend *create_fast(const aimc_mvm_backend_params *p, aimc_error *err)
{
    return aimc_fast_backend_create(p->chip, p->table, AIMC_CHIP_QUEUE_DEPTH, AIMC_CHIP_SLOTS, p->codes_seed,
                                    p->chip->periphery.b_in_bits, p->ledger, err);
}

static const aimc_mvm_backend_kind fast_kind = {"fast", create_fast};
static const aimc_mvm_backend_kind *kinds[MAX_KINDS] = {&fast_kind};
static size_t nkinds = 1;
static char names[MAX_KINDS * 32];

void aimc_mvm_backend_register(const aimc_mvm_backend_kind *kind)
{
    if (nkinds < MAX_KINDS)
        kinds[nkinds++] = kind;
}

static const aimc_mvm_backend_kind *find(const char *engine)
{
    for (size_t i = 0; engine && i < nkinds; i++)
        if (strcmp(kinds[i]->name, engine) == 0)
            return kinds[i];
    return NULL;
}

bool aimc_mvm_backend_available(const char *engine) { return find(engine) != NULL; }

/* In name order, so messages do not depend on the order the libraries registered in. */
const char *aimc_mvm_backend_names(void)
{
    names[0] = 0;
    const char *last = "";
    for (size_t n = 0; n < nkinds; n++) {
        const char *next = NULL;
        for (size_t i = 0; i < nkinds; i++)
            if (strcmp(kinds[i]->name, last) > 0 && (!next || strcmp(kinds[i]->name, next) < 0))
                next = kinds[i]->name;
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", n ? ", " : "", next);
        last = next;
    }
    return names;
}

aimc_mvm_backend *aimc_mvm_backend_create(const char *engine, const aimc_mvm_backend_params *p, aimc_error *err)
{
    const aimc_mvm_backend_kind *k = find(engine);
    if (!k) {
        aimc_fail(err, "engine: expected one of %s, found \"%s\"", aimc_mvm_backend_names(), engine ? engine : "");
        return NULL;
    }
    return k->create(p, err);
}

