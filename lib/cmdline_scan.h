/* A look at one key of the raw command line, for the few boot steps that
 * act before the experiment runner parses it (halt, quiet, the AP that
 * inject=smp-noap leaves unstarted): each reads its own key where it is
 * used. The runner's full parse (lib/cmdline.h) still validates the line
 * and rejects it with status 3 when it is bad. */
#ifndef LIB_CMDLINE_SCAN_H
#define LIB_CMDLINE_SCAN_H
#include "lib/compiler.h"

/* Whether the last token for key is `key=...` with item in its comma list
 * (item non-NULL), or the bare flag `key` (item NULL). NULL line: false.
 * Reads at most CMDLINE_MAX_LEN bytes. */
bool cmdline_scan_has(const char *line, const char *key, const char *item);
#endif
