/* One error convention across the layers.
 *
 * A function that can fail returns 0 on success and -1 on failure, and
 * says why through its last parameters: `const char **why` for fixed text,
 * or `char *err, size_t len` for a formatted message (parsers: ACPI,
 * multiboot2, the command line). A lookup that finds nothing returns NULL
 * (or -1 for an index) and says nothing. An operation never returns its
 * error as the function's value, so `if (f(...))` always means "failed".
 * Invariant checkers are queries, not operations: they return what is
 * wrong, or NULL (memblock_check(), the fuzzers' checks). */
#ifndef LIB_ERROR_H
#define LIB_ERROR_H

/* Fails with fixed text: `return fail(why, "no memory for the table");` */
static inline int fail(const char **why, const char *text)
{
	if (why)
		*why = text;
	return -1;
}
#endif
