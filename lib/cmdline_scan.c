/* cmdline_scan_has(): see cmdline_scan.h. */
#include "lib/cmdline_scan.h"
#include "lib/cmdline.h"
#include "lib/string.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Does the comma list [p, p + n) hold item? */
static bool list_has(const char *p, size_t n, const char *item)
{
	size_t len = strlen(item);

	while (n) {
		size_t k = 0;

		while (k < n && p[k] != ',')
			k++;
		if (k == len && !memcmp(p, item, len))
			return true;
		p += k + (k < n);
		n -= k + (k < n);
	}
	return false;
}

/* Token [t, t + n) about key: 1 if it says yes, 0 no, -1 not about key. */
static int token_says(const char *t, size_t n, const char *key,
		      const char *item)
{
	size_t k = strlen(key);

	if (n < k || memcmp(t, key, k))
		return -1;
	if (n == k)
		return item ? -1 : 1;
	if (t[k] != '=' || !item)
		return -1;
	return list_has(t + k + 1, n - k - 1, item);
}

bool cmdline_scan_has(const char *line, const char *key, const char *item)
{
	size_t len = line ? strnlen(line, CMDLINE_MAX_LEN) : 0;
	int says = 0;

	for (size_t i = 0; i < len;) {
		size_t s;
		int r;

		while (i < len && is_space(line[i]))
			i++;
		s = i;
		while (i < len && !is_space(line[i]))
			i++;
		r = token_says(line + s, i - s, key, item);
		if (r >= 0)
			says = r;
	}
	return says;
}
