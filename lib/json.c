/* JSON result lines (see json.h). */
#include "lib/json.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/spinlock.h"

#define JSON_TAIL_RESERVE 32   /* room for closing brackets and the flag */

static char json_buf[JSON_LINE_MAX];
static struct spinlock json_lock = SPINLOCK_INIT;

static void put(struct json *j, const char *s, size_t n)
{
	if (j->truncated || j->len + n + JSON_TAIL_RESERVE >= JSON_LINE_MAX) {
		j->truncated = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static void puts_(struct json *j, const char *s)
{
	put(j, s, strlen(s));
}

static void put_escaped(struct json *j, const char *s)
{
	put(j, "\"", 1);
	for (; s && *s; s++) {
		char esc[8];

		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = *s;
			put(j, esc, 2);
		} else if ((unsigned char)*s < 0x20) {
			put(j, esc, ksnprintf(esc, sizeof(esc), "\\u%04x", *s));
		} else {
			put(j, s, 1);
		}
	}
	put(j, "\"", 1);
}

static void key(struct json *j, const char *k)
{
	if (j->need_comma)
		put(j, ",", 1);
	j->need_comma = true;
	if (k) {
		put_escaped(j, k);
		put(j, ":", 1);
	}
}

void json_begin(struct json *j, const char *experiment)
{
	spin_lock(&json_lock);
	j->buf = json_buf;
	j->len = 0;
	j->truncated = false;
	j->depth = 0;
	j->need_comma = false;
	put(j, "{", 1);
	json_str(j, "experiment", experiment);
}

void json_str(struct json *j, const char *k, const char *v)
{
	key(j, k);
	put_escaped(j, v);
}

void json_u64(struct json *j, const char *k, uint64_t v)
{
	char num[24];

	key(j, k);
	put(j, num, ksnprintf(num, sizeof(num), "%lu", v));
}

void json_i64(struct json *j, const char *k, int64_t v)
{
	char num[24];

	key(j, k);
	put(j, num, ksnprintf(num, sizeof(num), "%ld", v));
}

void json_bool(struct json *j, const char *k, bool v)
{
	key(j, k);
	puts_(j, v ? "true" : "false");
}

void json_fixed(struct json *j, const char *k, uint64_t v, unsigned decimals)
{
	char num[48];
	uint64_t scale = 1;

	for (unsigned i = 0; i < decimals; i++)
		scale *= 10;
	key(j, k);
	if (!decimals)
		put(j, num, ksnprintf(num, sizeof(num), "%lu", v));
	else
		put(j, num, ksnprintf(num, sizeof(num), "%lu.%0*lu", v / scale,
				      (int)decimals, v % scale));
}

void json_array_begin(struct json *j, const char *k)
{
	key(j, k);
	put(j, "[", 1);
	if (j->depth < (int)sizeof(j->closers))
		j->closers[j->depth++] = ']';
	j->need_comma = false;
}

void json_str_list(struct json *j, const char *k, const char *const *list)
{
	json_array_begin(j, k);
	for (; list && *list; list++)
		json_str(j, NULL, *list);
	json_array_end(j);
}

void json_array_end(struct json *j)
{
	put(j, "]", 1);
	j->depth--;
	j->need_comma = true;
}

void json_object_begin(struct json *j)
{
	key(j, NULL);
	put(j, "{", 1);
	if (j->depth < (int)sizeof(j->closers))
		j->closers[j->depth++] = '}';
	j->need_comma = false;
}

void json_object_end(struct json *j)
{
	put(j, "}", 1);
	j->depth--;
	j->need_comma = true;
}

void json_end(struct json *j)
{
	bool cut = j->truncated;

	/* The reserve guarantees room to close what is open. */
	j->truncated = false;
	while (j->depth > 0)
		put(j, &j->closers[--j->depth], 1);
	if (cut)
		puts_(j, ",\"truncated\":true");
	put(j, "}\n", 2);
	json_output(j->buf, j->len);
	spin_unlock(&json_lock);
}
