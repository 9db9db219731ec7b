/* A model's checkpoint: one safetensors file, or a folder of safetensors shards, read with the tensor names
 * of the model's family:
 *   OLMoE, DeepSeekMoE, Qwen-MoE, project models   model.layers.{l}.mlp.experts.{e}.{gate,up,down}_proj.weight,
 *                                                  router model.layers.{l}.mlp.gate.weight
 *   Mixtral                                        model.layers.{l}.block_sparse_moe.experts.{e}.{w1,w3,w2}.weight,
 *                                                  router model.layers.{l}.block_sparse_moe.gate.weight
 *   shared experts   DeepSeekMoE mlp.shared_experts.*, Qwen1.5-MoE mlp.shared_expert.* and mlp.shared_expert_gate
 *   attention        model.layers.{l}.self_attn.{q,k,v,o}_proj.weight; dense FFN model.layers.{l}.mlp.*_proj.weight
 *   embedding        model.embed_tokens.weight; LM head lm_head.weight (the embedding when tied)
 * docs/file-formats-models.md lists them all. */
#ifndef AIMC_WEIGHTS_H
#define AIMC_WEIGHTS_H

#include <stddef.h>

#include "core/aimc_error.h"
#include "workload/matrices.h"
#include "workload/moe_model.h"
#include "workload/safetensors.h"

typedef struct aimc_weights aimc_weights;

/* Opens a .safetensors file or every *.safetensors file of a folder; a tensor name in two shards is an
 * error. */
aimc_weights *aimc_weights_open(const char *path, aimc_error *err);
void aimc_weights_close(aimc_weights *w);

/* The path the checkpoint was opened from (file or folder). */
const char *aimc_weights_path(const aimc_weights *w);
/* A tensor by its checkpoint name and the shard holding it; NULL (no error) when no shard has it. */
const aimc_st_tensor *aimc_weights_find(const aimc_weights *w, const char *name, const aimc_safetensors **st);

/* The checkpoint tensor name of matrix x of model m. */
void aimc_weight_name(const aimc_moe_model *m, const aimc_matrix *x, char *buf, size_t size);

/* The tensor of matrix x, checked to be 2-D with shape [out_dim, in_dim] ([vocab, d_model] for the
 * embedding and a tied LM head).  Errors name the file and the tensor. */
int aimc_weights_matrix(const aimc_weights *w, const aimc_moe_model *m, const aimc_matrix *x,
                        const aimc_safetensors **st, const aimc_st_tensor **t, aimc_error *err);

#endif
