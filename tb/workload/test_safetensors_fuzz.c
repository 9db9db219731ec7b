/* Fuzz-style robustness: seeded random mutations of a valid safetensors file are either refused with an
 * error line or accepted as a file whose every tensor lies inside it and can be read.  Run under ASan, an
 * out-of-bounds read fails the test. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/rng.h"
#include "testutil.h"
#include "workload/safetensors.h"

#define ITERATIONS 12000

static uint8_t *valid_file(size_t *len)
{
    static const char *names[4] = {"model.layers.0.mlp.experts.0.up_proj.weight", "model.layers.0.mlp.gate.weight",
                                   "lm_head.weight", "\xc3\xa9t\xc3\xa9"};
    aimc_st_spec specs[4] = {{names[0], AIMC_ST_BF16, 2, {4, 8}}, {names[1], AIMC_ST_F16, 2, {3, 8}},
                             {names[2], AIMC_ST_F32, 2, {2, 5}}, {names[3], AIMC_ST_U8, 1, {7}}};
    char path[600];
    snprintf(path, sizeof path, "%s/valid.safetensors", tu_tempdir());
    aimc_error err;
    aimc_st_writer *w = aimc_st_writer_open(path, specs, 4, &err);
    ck_assert_msg(w != NULL, "%s", err.msg);
    float v[32];
    for (int i = 0; i < 32; i++)
        v[i] = (float)(i - 16) / 8;
    ck_assert_int_eq(aimc_st_writer_put_f32(w, v, 32, &err), 0);
    ck_assert_int_eq(aimc_st_writer_put_f32(w, v, 24, &err), 0);
    ck_assert_int_eq(aimc_st_writer_put_f32(w, v, 10, &err), 0);
    ck_assert_int_eq(aimc_st_writer_put_raw(w, "abcdefg", 7, &err), 0);
    ck_assert_msg(aimc_st_writer_close(w, &err) == 0, "%s", err.msg);
    return (uint8_t *)tu_read(path, len);
}

/* Bytes that matter to a JSON header, or to a length. */
static uint8_t interesting_byte(aimc_rng *r)
{
    static const uint8_t pick[] = {'"', '{', '}', '[', ']', ',', ':', '-', '0', '1', '9', 'e', '.', '\\',
                                   ' ', 0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xe0, 0xed, 0xf4, 0xff};
    return pick[aimc_rng_uniform_int(r, sizeof pick)];
}

/* One random edit of buf (length *len, capacity cap). */
static void mutate(aimc_rng *r, uint8_t *buf, size_t *len, size_t cap)
{
    size_t n = *len, at = n ? aimc_rng_uniform_int(r, (uint32_t)n) : 0;
    switch (aimc_rng_uniform_int(r, 7)) {
    case 0: /* flip a bit */
        if (n)
            buf[at] ^= (uint8_t)(1u << aimc_rng_uniform_int(r, 8));
        break;
    case 1: /* set a byte */
        if (n)
            buf[at] = aimc_rng_uniform_int(r, 2) ? interesting_byte(r) : (uint8_t)aimc_rng_uniform_int(r, 256);
        break;
    case 2: /* truncate */
        *len = at;
        break;
    case 3: /* insert a byte */
        if (n < cap) {
            memmove(buf + at + 1, buf + at, n - at);
            buf[at] = interesting_byte(r);
            *len = n + 1;
        }
        break;
    case 4: /* delete a byte */
        if (n) {
            memmove(buf + at, buf + at + 1, n - at - 1);
            *len = n - 1;
        }
        break;
    case 5: /* change the header length by a little */
        if (n >= 8) {
            int delta = (int)aimc_rng_uniform_int(r, 33) - 16;
            buf[0] = (uint8_t)(buf[0] + delta);
        }
        break;
    default: /* a digit of the header changes (shapes and offsets live there) */
        for (size_t k = 0; k < 64 && n > 8; k++) {
            size_t i = 8 + aimc_rng_uniform_int(r, (uint32_t)(n - 8));
            if (buf[i] >= '0' && buf[i] <= '9') {
                buf[i] = (uint8_t)('0' + aimc_rng_uniform_int(r, 10));
                break;
            }
        }
        break;
    }
}

/* An accepted file must be entirely readable within its bounds (ASan checks the reads). */
static void read_everything(aimc_safetensors *st, size_t file_len)
{
    for (size_t i = 0; i < aimc_safetensors_count(st); i++) {
        const aimc_st_tensor *t = aimc_safetensors_at(st, i);
        ck_assert_uint_le(t->begin, t->end);
        ck_assert_uint_le(t->end, file_len);
        ck_assert_uint_eq(aimc_st_tensor_elements(t) * aimc_st_dtype_size(t->dtype), t->end - t->begin);
        aimc_error err;
        uint64_t n = aimc_st_tensor_elements(t);
        if (t->dtype == AIMC_ST_F32 || t->dtype == AIMC_ST_F16 || t->dtype == AIMC_ST_BF16) {
            float *v = malloc((n ? n : 1) * sizeof *v);
            ck_assert_int_eq(aimc_safetensors_read_f32(st, t, 0, n, v, &err), 0);
            free(v);
        }
        if (t->ndim == 2) {
            double max;
            aimc_safetensors_max_row_norm(st, t, &max, &err); /* may refuse a NaN; must not read out of bounds */
        }
    }
}

START_TEST(random_mutations_never_crash)
{
    unsigned long seed = aimc_test_seed("safetensors fuzz", 20260521);
    aimc_rng *r = aimc_rng_create(seed);
    size_t len0;
    uint8_t *valid = valid_file(&len0);
    size_t cap = len0 + 16;
    uint8_t *buf = malloc(cap);
    long accepted = 0, refused = 0;
    for (int it = 0; it < ITERATIONS; it++) {
        memcpy(buf, valid, len0);
        size_t len = len0;
        uint32_t edits = 1 + aimc_rng_uniform_int(r, 4);
        for (uint32_t e = 0; e < edits; e++)
            mutate(r, buf, &len, cap);
        const char *path = tu_write("mutant.safetensors", buf, len);
        aimc_error err = {{0}};
        aimc_safetensors *st = aimc_safetensors_open(path, &err);
        if (st) {
            accepted++;
            read_everything(st, len);
            aimc_safetensors_close(st);
        } else {
            refused++;
            ck_assert_msg(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL, "iteration %d: no one-line error", it);
        }
    }
    printf("safetensors fuzz: %d mutants, %ld accepted, %ld refused\n", ITERATIONS, accepted, refused);
    ck_assert_int_eq(accepted + refused, ITERATIONS);
    ck_assert_int_gt(refused, ITERATIONS / 2); /* the mutations do reach the checks */
    free(buf);
    free(valid);
    aimc_rng_destroy(r);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("safetensors_fuzz");
    TCase *tc = tcase_create("safetensors_fuzz");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, random_mutations_never_crash);
    suite_add_tcase(s, tc);
    return s;
}
