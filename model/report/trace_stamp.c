#include "report/trace_stamp.h"

#include <stdio.h>
#include <string.h>

#define STAMP "aimc3d: date omitted so that identical runs give identical traces"

/* FST header block (gtkwave fstapi.c): tag 0, section length (8), 8 x 8-byte fields, timescale (1),
 * simulator version (128), then the date (119). */
enum { FST_BL_HDR = 0, FST_DATE_OFFSET = 1 + 8 + 8 * 8 + 1 + 128, FST_DATE_SIZE = 119 };

static int fix_fst(FILE *f, const char *path, aimc_error *err)
{
    char date[FST_DATE_SIZE];
    memset(date, 0, sizeof date);
    memcpy(date, STAMP, sizeof STAMP - 1);
    if (fseek(f, FST_DATE_OFFSET, SEEK_SET) != 0 || fwrite(date, 1, sizeof date, f) != sizeof date)
        return aimc_fail(err, "%s: cannot rewrite the trace header", path);
    return 0;
}

/* First occurrence of word in text[0..n) (memmem is not C11/POSIX). */
static const char *find(const char *text, size_t n, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++)
        if (memcmp(text + i, word, w) == 0)
            return text + i;
    return NULL;
}

static int fix_vcd(FILE *f, const char *head, size_t n, const char *path, aimc_error *err)
{
    const char *d = find(head, n, "$date");
    const char *e = d ? find(d, n - (size_t)(d - head), "$end") : NULL;
    if (!e)
        return aimc_fail(err, "%s: expected an FST or VCD trace", path);
    size_t from = (size_t)(d - head) + 5, len = (size_t)(e - d) - 5;
    char text[512];
    if (len > sizeof text)
        return aimc_fail(err, "%s: unexpected VCD date field", path);
    memset(text, ' ', len);
    if (len >= sizeof STAMP + 1)
        memcpy(text + 1, STAMP, sizeof STAMP - 1);
    if (fseek(f, (long)from, SEEK_SET) != 0 || fwrite(text, 1, len, f) != len)
        return aimc_fail(err, "%s: cannot rewrite the trace header", path);
    return 0;
}

int aimc_trace_fix_date(const char *path, aimc_error *err)
{
    FILE *f = fopen(path, "r+b");
    if (!f)
        return aimc_fail(err, "%s: cannot open the trace", path);
    char head[512];
    size_t n = fread(head, 1, sizeof head, f);
    int rc;
    if (n > FST_DATE_OFFSET + FST_DATE_SIZE && head[0] == FST_BL_HDR)
        rc = fix_fst(f, path, err);
    else
        rc = fix_vcd(f, head, n, path, err);
    if (fclose(f) != 0 && rc == 0)
        rc = aimc_fail(err, "%s: cannot rewrite the trace header", path);
    return rc;
}
