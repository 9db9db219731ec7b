#include "engine/dispatch_build.h"

void aimc_unit_numbering_of(const aimc_moe_model *m, uint32_t rows, aimc_unit_numbering *out)
{
    uint32_t e = m->experts;
    uint32_t emb_blocks = (m->vocab + rows - 1) / rows;
    out->experts = e;
    out->shared = e;
    out->attention = e + 1;
    out->dense = e + 2;
    out->router = e + 3;
    out->output_layer = m->layers;
    out->lm_head = 0;
    out->embedding_first = 1;
    out->units = e + 4 > 1 + emb_blocks ? e + 4 : 1 + emb_blocks;
}

/* Which (layer, unit, phase) entry a matrix's blocks belong to; false for matrices no command uses. */
static bool entry_of(const aimc_unit_numbering *n, const aimc_matrix *x, uint32_t *layer, uint32_t *unit,
                     uint32_t *phase)
{
    bool second = x->role == AIMC_ROLE_DOWN || x->role == AIMC_ROLE_O;
    *phase = second ? AIMC_PHASE_OUT : AIMC_PHASE_IN;
    *layer = x->layer < 0 ? n->output_layer : (uint32_t)x->layer;
    switch (x->module) {
    case AIMC_MODULE_EXPERT: *unit = (uint32_t)x->expert; return true;
    case AIMC_MODULE_SHARED_EXPERT: *unit = n->shared; return true;
    case AIMC_MODULE_ATTENTION: *unit = n->attention; return true;
    case AIMC_MODULE_DENSE_FFN: *unit = n->dense; return true;
    case AIMC_MODULE_ROUTER: *unit = n->router; return x->role == AIMC_ROLE_WEIGHT;
    case AIMC_MODULE_LM_HEAD: *unit = n->lm_head; return true;
    default: return false; /* the embedding is handled per row block */
    }
}

static int add_blocks(aimc_dispatch_table *t, const aimc_mapping *mp, const aimc_mapped_matrix *x, uint32_t layer,
                      uint32_t unit, uint32_t phase, uint32_t row_from, uint32_t row_to, aimc_error *err)
{
    for (uint32_t r = row_from; r < row_to; r++)
        for (uint32_t c = 0; c < x->col_blocks; c++) {
            const aimc_block *b = aimc_mapping_block(mp, x, r, c);
            aimc_dispatch_block d = {b->tile, (uint16_t)b->tier, (uint16_t)r, (uint16_t)c};
            if (aimc_dispatch_table_add(t, layer, unit, phase, d, err))
                return -1;
        }
    return 0;
}

aimc_dispatch_table *aimc_dispatch_table_from_mapping(const aimc_mapping *mp, aimc_error *err)
{
    const aimc_moe_model *m = aimc_mapping_model(mp);
    aimc_unit_numbering n;
    aimc_unit_numbering_of(m, aimc_mapping_chip(mp)->tile.rows, &n);
    aimc_dispatch_table *t = aimc_dispatch_table_create(m->layers + 1, n.units, AIMC_PHASES);
    if (!t) {
        aimc_fail(err, "dispatch table: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < aimc_mapping_matrix_count(mp); i++) {
        const aimc_mapped_matrix *x = aimc_mapping_matrix(mp, i);
        if (x->placement != AIMC_PLACE_ANALOG)
            continue;
        uint32_t layer, unit, phase;
        int rc = 0;
        if (x->matrix.module == AIMC_MODULE_EMBEDDING) {
            for (uint32_t r = 0; r < x->row_blocks && !rc; r++)
                rc = add_blocks(t, mp, x, n.output_layer, n.embedding_first + r, AIMC_PHASE_IN, r, r + 1, err);
        } else if (entry_of(&n, &x->matrix, &layer, &unit, &phase)) {
            rc = add_blocks(t, mp, x, layer, unit, phase, 0, x->row_blocks, err);
        }
        if (rc) {
            aimc_dispatch_table_destroy(t);
            return NULL;
        }
    }
    aimc_dispatch_table_finish(t);
    return t;
}
