/* The one facade of libaimc3d for bindings (DRAMsim3 style): JSON in, JSON out, one error line.  The Python API
 * (tools/python, ctypes) calls only these; C programs may call them or the typed headers below them
 * (run/plan.h, run/run.h, ...).  Requests name their options as `aimc3d <command>` does, without the dashes
 * ({"model": "olmoe-1b-7b", "chip": "paper-3d", "engine": "fast", "tokens": 4}), and are checked by the same
 * code, so a bad request fails with the line the command line prints (without its "aimc3d: " prefix).
 *
 *   char err[AIMC3D_ERROR_SIZE];
 *   char *report = aimc3d_call("run", "{\"model\": ...}", err, sizeof err);   NULL on failure, err set
 *   aimc3d_free(report);
 *
 * Functions (docs/python.md): "models" (the model presets' names), "model" (a model's shape and parameter
 * counts), "map" (the mapping table, aimc3d-mapping/1), "run" (the report, aimc3d-energy/1, byte for byte the
 * file `aimc3d run --report` writes). */
#ifndef AIMC3D_API_H
#define AIMC3D_API_H

#include <stddef.h>

#define AIMC3D_API __attribute__((visibility("default")))
#define AIMC3D_ERROR_SIZE 768

#ifdef __cplusplus
extern "C" {
#endif

/* "0.1.0": the library's version (the soname carries its major). */
AIMC3D_API const char *aimc3d_version(void);
/* Where the presets are read from: $AIMC3D_PRESETS, else the folder the library was built or installed for. */
AIMC3D_API const char *aimc3d_presets_dir(void);
/* Runs one function on a JSON object of options; returns a new JSON text (free with aimc3d_free), or NULL with
 * the error line in error (when not NULL). */
AIMC3D_API char *aimc3d_call(const char *function, const char *request_json, char *error, size_t error_size);
AIMC3D_API void aimc3d_free(char *text);

#ifdef __cplusplus
}
#endif

#endif
