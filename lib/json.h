/* One JSON object per console line: the machine-readable result format.
 *   struct json j;
 *   json_begin(&j, "memmap");          {"experiment":"memmap"
 *   json_str(&j, "variant", "fast");   ,"variant":"fast"
 *   json_u64(&j, "pages", n);          ,"pages":123
 *   json_end(&j);                      }\n, printed as one write
 * Strings are escaped; a line that would overflow the buffer is cut at a
 * field boundary and gets "truncated":true. */
#ifndef LIB_JSON_H
#define LIB_JSON_H
#include "lib/compiler.h"

/* Lines with per-thread detail for 255 CPUs reach ~40 KB. */
#define JSON_LINE_MAX (64 * 1024)

/* The line is built in one shared buffer: json_begin() takes its lock and
 * json_end() releases it, so only one line is built at a time, and a
 * json_begin() must always be followed by json_end() on the same CPU. */
struct json {
	char *buf;
	size_t len;
	bool truncated;
	int depth;            /* open arrays/objects inside the line */
	char closers[8];      /* what closes each of them */
	bool need_comma;
};

void json_begin(struct json *j, const char *experiment);
void json_str(struct json *j, const char *key, const char *v);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_bool(struct json *j, const char *key, bool v);
/* Fixed-point: v / 10^decimals printed with that many decimals. */
void json_fixed(struct json *j, const char *key, uint64_t v, unsigned decimals);
/* A NULL key writes a bare value: an item of the array being built. */
/* key:["a","b"] from a NULL-terminated list (may be NULL: []). */
void json_str_list(struct json *j, const char *key, const char *const *list);
/* Nested arrays of objects: key:[ {..}, {..} ] */
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
/* Prints the line (json_output) and resets j. */
void json_end(struct json *j);

/* Provided by the environment (the kernel's console, a host test):
 * writes one complete line, newline included, as one write. */
void json_output(const char *s, size_t n);
#endif
