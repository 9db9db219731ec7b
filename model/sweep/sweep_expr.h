/* The value formulas of a sweep's own table columns (docs/sweeps.md, "Columns"): arithmetic (+ - * /, unary -,
 * parentheses, min(a, b), max(a, b)) over number literals and references, evaluated left to right in double
 * precision, so that a formula written in the order the C code computed a figure gives the same bits.
 *
 * A reference is a dotted name the caller resolves (label, report.summary.tokens, figures.energy_fJ.dram,
 * run.batch, tag.kind, ...): to a JSON value, or to nothing (the cell stays empty).  A formula that is one
 * reference keeps the value's type (text, whole number, boolean); anything else is a number. */
#ifndef AIMC_SWEEP_EXPR_H
#define AIMC_SWEEP_EXPR_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* Resolves a reference (name, len) to a borrowed JSON value, or NULL when there is none for this row. */
typedef json_object *(*aimc_sweep_ref_fn)(void *ctx, const char *name, size_t len);

typedef struct {
    bool missing;      /* a reference had no value: an empty cell */
    json_object *ref;  /* the formula is one reference: its value (borrowed) */
    double number;     /* otherwise */
} aimc_sweep_expr_value;

/* Evaluates text; -1 with why ("expected ... at column N") on a syntax error or a reference that is not a
 * number inside arithmetic.  With resolve NULL only the syntax is checked (references count as 1). */
int aimc_sweep_expr_eval(const char *text, aimc_sweep_ref_fn resolve, void *ctx, aimc_sweep_expr_value *out,
                         char *why, size_t why_size);

/* Calls fn(ctx, name, len) for every reference of text (a syntax-checked formula), e.g. to check its names. */
void aimc_sweep_expr_refs(const char *text, void (*fn)(void *ctx, const char *name, size_t len), void *ctx);

#endif
