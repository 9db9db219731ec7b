/* config.json texts of a small model of every family the numeric pass supports (tests and benchmarks). */
#ifndef AIMC_TB_FAMILIES_H
#define AIMC_TB_FAMILIES_H

static const char *const tb_family_names[] = {"olmoe", "mixtral", "qwen2_moe", "qwen3_moe", "deepseek"};
static const char *const tb_family_configs[] = {
    "{\"model_type\": \"olmoe\", \"hidden_size\": 16, \"intermediate_size\": 8, \"num_hidden_layers\": 2,"
    " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 32, \"hidden_act\": \"silu\","
    " \"num_experts\": 4, \"num_experts_per_tok\": 2, \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-05,"
    " \"rope_theta\": 10000.0, \"norm_topk_prob\": false, \"tie_word_embeddings\": false, \"clip_qkv\": null}",
    "{\"model_type\": \"mixtral\", \"hidden_size\": 16, \"intermediate_size\": 8, \"num_hidden_layers\": 2,"
    " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 32, \"hidden_act\": \"silu\","
    " \"num_local_experts\": 4, \"num_experts_per_tok\": 2, \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-05,"
    " \"rope_theta\": 1000000.0, \"sliding_window\": null, \"tie_word_embeddings\": false}",
    "{\"model_type\": \"qwen2_moe\", \"hidden_size\": 16, \"intermediate_size\": 24, \"moe_intermediate_size\": 8,"
    " \"shared_expert_intermediate_size\": 12, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
    " \"num_key_value_heads\": 2, \"vocab_size\": 32, \"hidden_act\": \"silu\", \"num_experts\": 4,"
    " \"num_experts_per_tok\": 2, \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-06, \"rope_theta\": 10000.0,"
    " \"norm_topk_prob\": false, \"decoder_sparse_step\": 1, \"mlp_only_layers\": [], \"use_sliding_window\": false,"
    " \"sliding_window\": 16, \"tie_word_embeddings\": false}",
    "{\"model_type\": \"qwen3_moe\", \"hidden_size\": 16, \"intermediate_size\": 24, \"moe_intermediate_size\": 8,"
    " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 8,"
    " \"vocab_size\": 32, \"hidden_act\": \"silu\", \"num_experts\": 4, \"num_experts_per_tok\": 2,"
    " \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-06, \"rope_theta\": 10000.0, \"norm_topk_prob\": true,"
    " \"decoder_sparse_step\": 1, \"mlp_only_layers\": [], \"attention_bias\": false, \"tie_word_embeddings\": true}",
    "{\"model_type\": \"deepseek\", \"hidden_size\": 16, \"intermediate_size\": 24, \"moe_intermediate_size\": 8,"
    " \"num_hidden_layers\": 3, \"num_attention_heads\": 4, \"num_key_value_heads\": 4, \"vocab_size\": 32,"
    " \"hidden_act\": \"silu\", \"n_routed_experts\": 4, \"n_shared_experts\": 2, \"num_experts_per_tok\": 2,"
    " \"first_k_dense_replace\": 1, \"moe_layer_freq\": 1, \"norm_topk_prob\": true, \"scoring_func\": \"softmax\","
    " \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-06, \"rope_theta\": 10000.0, \"tie_word_embeddings\": false}",
};
#define TB_FAMILIES (sizeof tb_family_names / sizeof tb_family_names[0])

#endif
