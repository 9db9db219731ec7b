#define _POSIX_C_SOURCE 200809L /* fseeko */
#include "report/trace_stamp.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/output_file.h"

#define STAMP "aimc3d: date omitted so that identical runs give identical traces"

/* FST header block (gtkwave fstapi.c): tag 0, section length (8), 8 x 8-byte fields, timescale (1),
 * simulator version (128), then the date (119). */
enum { FST_BL_HDR = 0, FST_DATE_OFFSET = 1 + 8 + 8 * 8 + 1 + 128, FST_DATE_SIZE = 119 };
/* block tags (fstapi.h) and the header's value-change block count: tag, length, 7 x 8-byte fields before it */
enum { FST_BL_VCDATA = 1, FST_BL_GEOM = 3, FST_BL_HIER = 4, FST_BL_VCDATA_DYN_ALIAS = 5, FST_BL_HIER_LZ4 = 6,
       FST_BL_HIER_LZ4DUO = 7, FST_BL_VCDATA_DYN_ALIAS2 = 8, FST_SECTION_COUNT_OFFSET = 1 + 8 + 7 * 8 };

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

static uint64_t big_endian64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

static int check_fst(FILE *f, const char *name, aimc_error *err)
{
    struct stat st;
    char shown[AIMC_PATH_SHOWN];
    if (fstat(fileno(f), &st) != 0)
        return aimc_fail(err, "%s: cannot read the trace back", aimc_path_shown(name, shown));
    uint64_t size = (uint64_t)st.st_size, at = 0, sections = 0, counted = 0;
    bool geometry = false, hierarchy = false;
    while (at < size) {
        unsigned char head[9];
        if (fseeko(f, (off_t)at, SEEK_SET) != 0 || fread(head, 1, sizeof head, f) != sizeof head)
            break;
        uint64_t len = big_endian64(head + 1);
        if (len < 8 || len > size - at - 1)
            break;
        if (at == 0) {
            unsigned char count[8];
            if (head[0] != FST_BL_HDR || fseeko(f, FST_SECTION_COUNT_OFFSET, SEEK_SET) != 0 ||
                fread(count, 1, sizeof count, f) != sizeof count)
                break;
            sections = big_endian64(count);
        }
        counted += head[0] == FST_BL_VCDATA || head[0] == FST_BL_VCDATA_DYN_ALIAS || head[0] == FST_BL_VCDATA_DYN_ALIAS2;
        geometry |= head[0] == FST_BL_GEOM;
        hierarchy |= head[0] == FST_BL_HIER || head[0] == FST_BL_HIER_LZ4 || head[0] == FST_BL_HIER_LZ4DUO;
        at += 1 + len;
    }
    if (at != size || !geometry || !hierarchy || counted != sections)
        return aimc_fail(err, "%s: writing the trace failed: it is incomplete (%llu bytes; is the disk full?)",
                         aimc_path_shown(name, shown), (unsigned long long)size);
    return 0;
}

int aimc_trace_finish(const char *path, const char *name, aimc_error *err)
{
    char shown[AIMC_PATH_SHOWN];
    FILE *f = fopen(path, "rb");
    if (!f)
        return aimc_fail(err, "%s: cannot read the trace back", aimc_path_shown(name, shown));
    int c = fgetc(f);
    int rc = c == FST_BL_HDR ? check_fst(f, name, err) : 0; /* VCD: Verilator's writer stops on a write error */
    fclose(f);
    if (!rc && aimc_trace_fix_date(path, err))
        return aimc_fail(err, "%s: cannot rewrite the trace header", aimc_path_shown(name, shown));
    return rc;
}

aimc_output_file *aimc_trace_output_reserve(const char *path, aimc_error *err)
{
    aimc_output_file *out = aimc_output_reserve(path, err);
    if (out && aimc_output_reserve_companion(out, ".hier", err)) {
        aimc_output_abort(out);
        return NULL;
    }
    return out;
}

int aimc_trace_output_commit(aimc_output_file *out, aimc_error *err)
{
    if (out && aimc_trace_finish(aimc_output_temp_path(out), aimc_output_path(out), err)) {
        aimc_output_abort(out);
        return -1;
    }
    return aimc_output_commit(out, err);
}
