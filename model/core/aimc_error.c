#include "core/aimc_error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t aimc_utf8_valid_prefix(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (len == 0 || len > n - i)
            return i;
        uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1fu) : len == 3 ? (c & 0x0fu) : (c & 0x07u);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += len;
    }
    return i;
}

/* One unit of the escaped text at s[i]: how many input bytes it takes, how many output bytes it makes,
 * and (when out is not NULL) writes them. */
static size_t escape_unit(const unsigned char *s, size_t n, size_t i, char *out, size_t *out_len)
{
    unsigned c = s[i];
    size_t len = 1;
    if (c >= 0x80) {
        size_t want = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
        len = want > 1 && aimc_utf8_valid_prefix((const char *)s + i, n - i < want ? n - i : want) == want ? want : 0;
    }
    if (len == 0 || (len == 1 && (c < 0x20 || c == 0x7f))) {
        if (out)
            snprintf(out, 5, "\\x%02X", c);
        *out_len = 4;
        return 1;
    }
    uint32_t cp = len == 2 ? ((c & 0x1fu) << 6) | (s[i + 1] & 0x3fu)
                  : len == 3 ? ((c & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu)
                             : 0;
    if ((len == 2 && cp <= 0x9f) || (len == 3 && (cp == 0x2028 || cp == 0x2029))) {
        if (out)
            snprintf(out, 7, "\\u%04X", (unsigned)cp);
        *out_len = 6;
        return len;
    }
    if (out)
        memcpy(out, s + i, len);
    *out_len = len;
    return len;
}

size_t aimc_escape(char *out, size_t cap, const char *in, size_t len)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t total = 0, o;
    for (size_t i = 0; i < len;) {
        i += escape_unit(s, len, i, NULL, &o);
        total += o;
    }
    size_t at = 0;
    if (total < cap) {
        for (size_t i = 0; i < len; at += o)
            i += escape_unit(s, len, i, out + at, &o);
        out[at] = 0;
        return at;
    }
    /* head and tail around a marker; the marker's number has at most 20 digits */
    size_t budget = cap - 1 - (sizeof " [...  bytes left out ...] " - 1) - 20;
    size_t head_budget = budget / 2, tail_budget = budget - head_budget;
    size_t i = 0;
    while (i < len) {
        escape_unit(s, len, i, NULL, &o);
        if (at + o > head_budget)
            break;
        i += escape_unit(s, len, i, out + at, &o);
        at += o;
    }
    size_t head_end = i, done = at;
    /* the tail starts at the first unit from which the rest fits in tail_budget */
    size_t tail_start = len;
    for (size_t k = head_end, cum = done; k < len;) {
        if (total - cum <= tail_budget) {
            tail_start = k;
            break;
        }
        k += escape_unit(s, len, k, NULL, &o);
        cum += o;
    }
    at += (size_t)snprintf(out + at, cap - at, " [... %zu bytes left out ...] ", tail_start - head_end);
    for (size_t k = tail_start; k < len; at += o)
        k += escape_unit(s, len, k, out + at, &o);
    out[at] = 0;
    return at;
}

/* The formatted text in small, or in a heap copy when it is longer (cut to small when that fails). */
static void put(aimc_error *err, const char *prefix, const char *fmt, va_list ap)
{
    char small[2048];
    size_t plen = strlen(prefix);
    memcpy(small, prefix, plen);
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small + plen, sizeof small - plen, fmt, ap);
    if (n < 0) {
        va_end(again);
        snprintf(err->msg, sizeof err->msg, "%s(an error message that could not be formatted)", prefix);
        return;
    }
    size_t total = plen + (size_t)n;
    char *heap = NULL;
    if (total >= sizeof small && (heap = malloc(total + 1))) {
        memcpy(heap, prefix, plen);
        vsnprintf(heap + plen, (size_t)n + 1, fmt, again);
    }
    va_end(again);
    if (heap)
        aimc_escape(err->msg, sizeof err->msg, heap, total);
    else
        aimc_escape(err->msg, sizeof err->msg, small, total < sizeof small ? total : sizeof small - 1);
    free(heap);
}

int aimc_fail(aimc_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        put(err, "", fmt, ap);
        va_end(ap);
    }
    return -1;
}

int aimc_fail_oom(aimc_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        put(err, "out of memory for ", fmt, ap);
        va_end(ap);
    }
    return -1;
}

int aimc_fail_field(aimc_error *err, const char *file, const char *field, const char *fmt, ...)
{
    if (err) {
        /* "<file>: <field>: expected " as the prefix, so a long value is ellipsized, never the file */
        char prefix[1100];
        aimc_error e;
        snprintf(prefix, sizeof prefix, "%s: %s: expected ", file, field);
        if (strlen(prefix) >= sizeof prefix - 1) { /* a path this long: escape it to its head and tail first */
            aimc_fail(&e, "%s", file);
            snprintf(prefix, sizeof prefix, "%s: %s: expected ", e.msg, field);
        }
        va_list ap;
        va_start(ap, fmt);
        put(err, prefix, fmt, ap);
        va_end(ap);
    }
    return -1;
}
