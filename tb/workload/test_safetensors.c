#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "testutil.h"
#include "workload/safetensors.h"

/* A file assembled by hand: 8-byte little-endian length, header text, data bytes. */
static const char *raw_file(const char *name, const char *header, const void *data, size_t data_len)
{
    size_t h = strlen(header);
    uint8_t *buf = malloc(8 + h + data_len + 1);
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)((uint64_t)h >> (8 * i));
    memcpy(buf + 8, header, h);
    if (data_len)
        memcpy(buf + 8 + h, data, data_len);
    const char *path = tu_write(name, buf, 8 + h + data_len);
    free(buf);
    return path;
}

static void expect_refused(const char *path, const char *fragment)
{
    aimc_error err = {{0}};
    aimc_safetensors *st = aimc_safetensors_open(path, &err);
    ck_assert_msg(st == NULL, "%s was accepted", path);
    ck_assert_msg(strstr(err.msg, fragment) && strncmp(err.msg, path, strlen(path)) == 0, "got: %s\nwant: %s",
                  err.msg, fragment);
}

static const uint8_t zeros[64];

/* ---- conversions ---- */

START_TEST(half_and_bfloat16_round_trip_every_bit_pattern)
{
    for (uint32_t h = 0; h < 65536; h++) {
        float f = aimc_f16_to_f32((uint16_t)h), b = aimc_bf16_to_f32((uint16_t)h);
        if (isnan(f))
            ck_assert(isnan(aimc_f16_to_f32(aimc_f32_to_f16(f))));
        else
            ck_assert_uint_eq(aimc_f32_to_f16(f), h);
        if (isnan(b))
            ck_assert(isnan(aimc_bf16_to_f32(aimc_f32_to_bf16(b))));
        else
            ck_assert_uint_eq(aimc_f32_to_bf16(b), h);
    }
}
END_TEST

START_TEST(conversions_of_known_values)
{
    ck_assert_float_eq(aimc_f16_to_f32(0x3c00), 1.0f);
    ck_assert_float_eq(aimc_f16_to_f32(0xc000), -2.0f);
    ck_assert_float_eq(aimc_f16_to_f32(0x7bff), 65504.0f);
    ck_assert_float_eq(aimc_f16_to_f32(0x0001), 0x1p-24f); /* smallest subnormal */
    ck_assert_float_eq(aimc_f16_to_f32(0x0400), 0x1p-14f); /* smallest normal */
    ck_assert(isinf(aimc_f16_to_f32(0x7c00)));
    ck_assert_float_eq(aimc_bf16_to_f32(0x3f80), 1.0f);
    ck_assert_float_eq(aimc_bf16_to_f32(0xc140), -12.0f);
    /* round to nearest even */
    ck_assert_uint_eq(aimc_f32_to_f16(1.0f + 0x1p-11f), 0x3c00);         /* tie, even stays */
    ck_assert_uint_eq(aimc_f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3c02);     /* tie, odd rounds up */
    ck_assert_uint_eq(aimc_f32_to_f16(65519.0f), 0x7bff);
    ck_assert_uint_eq(aimc_f32_to_f16(65520.0f), 0x7c00);                /* overflows to infinity */
    ck_assert_uint_eq(aimc_f32_to_f16(0x1p-25f), 0x0000);                /* tie to even zero */
    ck_assert_uint_eq(aimc_f32_to_f16(3 * 0x1p-26f), 0x0001);
    ck_assert_uint_eq(aimc_f32_to_bf16(1.0f + 0x1p-8f), 0x3f80);
    ck_assert_uint_eq(aimc_f32_to_bf16(1.0f + 3 * 0x1p-8f), 0x3f82);
}
END_TEST

/* ---- a valid file ---- */

START_TEST(written_files_read_back_in_every_float_dtype)
{
    static const float w[2][3] = {{3, 4, 0}, {-1.5f, 2, 6}}; /* row norms 5 and 6.5 */
    const aimc_st_dtype dt[3] = {AIMC_ST_F32, AIMC_ST_F16, AIMC_ST_BF16};
    aimc_st_spec specs[3];
    char names[3][32];
    for (int i = 0; i < 3; i++) {
        snprintf(names[i], sizeof names[i], "layer.%d/w", i);
        specs[i] = (aimc_st_spec){names[i], dt[i], 2, {2, 3}};
    }
    char path[600];
    snprintf(path, sizeof path, "%s/ok.safetensors", tu_tempdir());
    aimc_error err;
    aimc_st_writer *wr = aimc_st_writer_open(path, specs, 3, &err);
    ck_assert_msg(wr != NULL, "%s", err.msg);
    for (int i = 0; i < 3; i++)
        ck_assert_msg(aimc_st_writer_put_f32(wr, &w[0][0], 6, &err) == 0, "%s", err.msg);
    ck_assert_msg(aimc_st_writer_close(wr, &err) == 0, "%s", err.msg);

    aimc_safetensors *st = aimc_safetensors_open(path, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    ck_assert_uint_eq(aimc_safetensors_count(st), 3);
    for (int i = 0; i < 3; i++) {
        const aimc_st_tensor *t = aimc_safetensors_find(st, names[i]);
        ck_assert_ptr_nonnull(t);
        ck_assert_uint_eq(t->dtype, dt[i]);
        ck_assert_uint_eq(t->ndim, 2);
        ck_assert_uint_eq(aimc_st_tensor_elements(t), 6);
        float back[6];
        ck_assert_int_eq(aimc_safetensors_read_f32(st, t, 0, 6, back, &err), 0);
        ck_assert_mem_eq(back, &w[0][0], sizeof back);
        double norms[2], max;
        ck_assert_int_eq(aimc_safetensors_row_norms(st, t, norms, &err), 0);
        ck_assert_double_eq(norms[0], 5.0);
        ck_assert_double_eq(norms[1], 6.5);
        ck_assert_int_eq(aimc_safetensors_max_row_norm(st, t, &max, &err), 0);
        ck_assert_double_eq(max, 6.5);
        ck_assert_int_eq(aimc_safetensors_read_f32(st, t, 4, 3, back, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.msg, "elements [4, 7) asked for, it has 6"));
    }
    ck_assert_ptr_null(aimc_safetensors_find(st, "layer.3/w"));
    aimc_safetensors_close(st);
}
END_TEST

START_TEST(metadata_and_empty_tensors_are_accepted)
{
    const char *path = raw_file("meta.safetensors",
                                "{\"__metadata__\": {\"format\": \"pt\"}, \"e\": {\"dtype\": \"F32\", \"shape\": [0, 4],"
                                " \"data_offsets\": [0, 0]}, \"b\": {\"dtype\": \"U8\", \"shape\": [3], \"data_offsets\": [0, 3]}}",
                                "abc", 3);
    aimc_error err;
    aimc_safetensors *st = aimc_safetensors_open(path, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    ck_assert_uint_eq(aimc_safetensors_count(st), 2);
    const aimc_st_tensor *b = aimc_safetensors_find(st, "b");
    float x;
    ck_assert_int_eq(aimc_safetensors_read_f32(st, b, 0, 1, &x, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "dtype U8: expected F32, F16 or BF16 to read as float"));
    aimc_safetensors_close(st);
}
END_TEST

/* ---- every malformed case, one test each ---- */

#define ONE_F32(offsets) "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": " offsets "}}"

START_TEST(refuses_a_file_shorter_than_the_length_field)
{
    expect_refused(tu_write("short.safetensors", "\x10\x00\x00\x00\x00", 5),
                   "truncated: 5 bytes, shorter than the 8-byte header length");
}
END_TEST

START_TEST(refuses_a_truncated_data_section)
{
    expect_refused(raw_file("cut.safetensors", ONE_F32("[0, 8]"), zeros, 5),
                   "truncated: the header describes 8 bytes of data, the file holds 5");
}
END_TEST

START_TEST(refuses_a_header_length_past_the_end)
{
    uint8_t buf[8 + 20] = {200, 0, 0, 0, 0, 0, 0, 0};
    memcpy(buf + 8, "{}                  ", 20);
    expect_refused(tu_write("hlen.safetensors", buf, sizeof buf),
                   "header length 200 runs past the end of the file (20 bytes after the length)");
    uint8_t huge[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    expect_refused(tu_write("hlen2.safetensors", huge, sizeof huge), "header length 18446744073709551615 runs past");
}
END_TEST

START_TEST(refuses_overlapping_offsets)
{
    expect_refused(raw_file("overlap.safetensors",
                            "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                            " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", zeros, 12),
                   "tensors \"a\" and \"b\" overlap: data_offsets [0, 8] and [4, 12]");
}
END_TEST

START_TEST(refuses_out_of_range_offsets)
{
    expect_refused(raw_file("inverted.safetensors",
                            "{\"w\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 0]}}", zeros, 8),
                   "tensor \"w\": data_offsets [8, 0] out of range: begin after end");
    expect_refused(raw_file("negative.safetensors", ONE_F32("[-8, 0]"), zeros, 8),
                   "tensor \"w\": data_offsets: expected [begin, end], two non-negative integers");
    expect_refused(raw_file("beyond.safetensors",
                            "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                            " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [1000, 1008]}}", zeros, 16),
                   "tensor \"b\": data_offsets [1000, 1008] out of range: the data holds 16 bytes");
}
END_TEST

START_TEST(refuses_a_shape_dtype_size_mismatch)
{
    expect_refused(raw_file("size.safetensors", "{\"w\": {\"dtype\": \"BF16\", \"shape\": [2, 3], \"data_offsets\": [0, 8]}}",
                            zeros, 8),
                   "tensor \"w\": shape and dtype make 6 x 2 bytes, data_offsets [0, 8] hold 8");
    expect_refused(raw_file("overflow.safetensors",
                            "{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 8]}}",
                            zeros, 8),
                   "tensor \"w\": shape: expected dimensions whose product (zeros left out) times 4 bytes stays below "
                   "2^63 bytes");
}
END_TEST

START_TEST(refuses_a_non_utf8_header)
{
    expect_refused(raw_file("utf8.safetensors", "{\"w\xff\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}",
                            zeros, 8),
                   ":1:4: malformed JSON: expected valid UTF-8");
    expect_refused(raw_file("overlong.safetensors", "{\"\xc0\xaf\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}",
                            zeros, 8),
                   ":1:3: malformed JSON: expected valid UTF-8");
}
END_TEST

START_TEST(refuses_names_with_nul_or_empty)
{
    expect_refused(raw_file("nul.safetensors", "{\"a\\u0000b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}",
                            zeros, 8),
                   ":1:4: malformed JSON: expected no \\u0000 in a string");
    expect_refused(raw_file("empty-name.safetensors", "{\"\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}",
                            zeros, 8),
                   "header: tensor name #1 is empty");
    expect_refused(raw_file("newline.safetensors", "{\"a\\nb\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}",
                            zeros, 8),
                   "header: tensor name #1 is not free of control characters: \"a\\x0Ab\"");
}
END_TEST

START_TEST(refuses_duplicate_names)
{
    expect_refused(raw_file("dup.safetensors",
                            "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                            " \"\\u0077\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}", zeros, 16),
                   ":1:63: malformed JSON: key \"w\" appears twice in an object");
}
END_TEST

START_TEST(refuses_an_unknown_dtype)
{
    expect_refused(raw_file("dtype.safetensors", "{\"w\": {\"dtype\": \"F12\", \"shape\": [2], \"data_offsets\": [0, 8]}}",
                            zeros, 8),
                   "tensor \"w\": dtype: expected one of F64, F32");
}
END_TEST

START_TEST(refuses_data_that_belongs_to_no_tensor)
{
    expect_refused(raw_file("hole.safetensors", ONE_F32("[8, 16]"), zeros, 16), "data bytes [0, 8) belong to no tensor");
    expect_refused(raw_file("trailing.safetensors", ONE_F32("[0, 8]"), zeros, 12), "4 bytes after the last tensor's data");
}
END_TEST

START_TEST(refuses_a_malformed_or_misshapen_header)
{
    expect_refused(raw_file("json.safetensors", "{\"w\": {\"dtype\": \"F32\",, }}", zeros, 0), "json.safetensors:1:");
    expect_refused(raw_file("array.safetensors", "[1, 2]", zeros, 0), "header: expected a JSON object");
    expect_refused(raw_file("entry.safetensors", "{\"w\": {\"dtype\": \"F32\"}}", zeros, 0),
                   "tensor \"w\": expected an object with dtype, shape and data_offsets");
    expect_refused(raw_file("shape.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}}",
                            zeros, 8),
                   "tensor \"w\": shape: expected non-negative integers");
    expect_refused(raw_file("meta.safetensors", "{\"__metadata__\": {\"a\": 1}}", zeros, 0), "__metadata__.a: expected a string");
    uint8_t zero_len[8] = {0};
    expect_refused(tu_write("zero.safetensors", zero_len, 8), "header length 0: expected 1 to");
}
END_TEST

START_TEST(refuses_a_missing_file)
{
    char path[600];
    snprintf(path, sizeof path, "%s/absent.safetensors", tu_tempdir());
    expect_refused(path, "cannot open file");
}
END_TEST

START_TEST(row_norms_refuse_non_finite_values)
{
    float bad[2] = {1.0f, NAN};
    const char *path = raw_file("nan.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [1, 2], \"data_offsets\": [0, 8]}}",
                                bad, 8);
    aimc_error err;
    aimc_safetensors *st = aimc_safetensors_open(path, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    double max;
    ck_assert_int_eq(aimc_safetensors_max_row_norm(st, aimc_safetensors_find(st, "w"), &max, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "tensor \"w\": row 0 holds a value that is not finite"));
    aimc_safetensors_close(st);
}
END_TEST

/* issue 16: json-c let comments and single quotes through, so the raw-key scan read past the header */
START_TEST(refuses_comments_and_single_quotes)
{
    expect_refused(raw_file("comment.safetensors", "{\"a\":1,\"b\":2 /*,\"x*/}", NULL, 0),
                   ":1:14: malformed JSON: expected ',' or '}' after a value in an object");
    expect_refused(raw_file("quote.safetensors",
                            "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                            " 'w': {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}", zeros, 16),
                   ":1:63: malformed JSON: expected a key in double quotes, found '");
}
END_TEST

/* issue 16: [2^61, 0] was accepted and max_row_norm then allocated 2^61 x 8 = 0 bytes (wrapped) */
START_TEST(refuses_huge_empty_shapes_and_row_norm_sizes)
{
    expect_refused(raw_file("huge-empty.safetensors",
                            "{\"w\": {\"dtype\": \"F32\", \"shape\": [2305843009213693952, 0], \"data_offsets\": [0, 0]}}",
                            NULL, 0),
                   "tensor \"w\": shape: expected dimensions whose product (zeros left out)");
    aimc_error err;
    aimc_safetensors *st = aimc_safetensors_open(
        raw_file("ok.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [1, 2], \"data_offsets\": [0, 8]}}", zeros, 8),
        &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    aimc_st_tensor t = *aimc_safetensors_find(st, "w");
    t.shape[0] = 1ull << 61; /* a tensor the library API is handed directly */
    t.shape[1] = 0;
    double norm = -1;
    ck_assert_int_eq(aimc_safetensors_max_row_norm(st, &t, &norm, &err), -1);
    ck_assert_msg(strstr(err.msg, "2305843009213693952 rows: too many to hold their norms"), "%s", err.msg);
    aimc_safetensors_close(st);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("safetensors");
    TCase *tc = tcase_create("safetensors");
    tcase_add_test(tc, half_and_bfloat16_round_trip_every_bit_pattern);
    tcase_add_test(tc, conversions_of_known_values);
    tcase_add_test(tc, written_files_read_back_in_every_float_dtype);
    tcase_add_test(tc, metadata_and_empty_tensors_are_accepted);
    tcase_add_test(tc, refuses_a_file_shorter_than_the_length_field);
    tcase_add_test(tc, refuses_a_truncated_data_section);
    tcase_add_test(tc, refuses_a_header_length_past_the_end);
    tcase_add_test(tc, refuses_overlapping_offsets);
    tcase_add_test(tc, refuses_out_of_range_offsets);
    tcase_add_test(tc, refuses_a_shape_dtype_size_mismatch);
    tcase_add_test(tc, refuses_a_non_utf8_header);
    tcase_add_test(tc, refuses_names_with_nul_or_empty);
    tcase_add_test(tc, refuses_duplicate_names);
    tcase_add_test(tc, refuses_an_unknown_dtype);
    tcase_add_test(tc, refuses_data_that_belongs_to_no_tensor);
    tcase_add_test(tc, refuses_a_malformed_or_misshapen_header);
    tcase_add_test(tc, refuses_a_missing_file);
    tcase_add_test(tc, refuses_comments_and_single_quotes);
    tcase_add_test(tc, refuses_huge_empty_shapes_and_row_norm_sizes);
    tcase_add_test(tc, row_norms_refuse_non_finite_values);
    suite_add_tcase(s, tc);
    return s;
}
