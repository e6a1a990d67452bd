/* Fake physical memory for the ACPI host tests and fuzzer.
 *
 * fake_mem holds bytes at fake physical address fake_base. fake_map() is
 * the acpi_map callback: it returns a fresh malloc'd copy of exactly the
 * requested length, so AddressSanitizer reports any read past a mapped
 * length (a parser reading beyond a table's validated length), and NULL
 * when the range leaves [fake_base, fake_base + fake_limit).
 * fake_reset() frees the copies; call it between acpi_init() runs only
 * after the previous tables are no longer used.
 */
#ifndef TESTS_HOST_ACPI_FAKE_H
#define TESTS_HOST_ACPI_FAKE_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_MAPS_MAX 16384

static const uint8_t *fake_mem;
static uint64_t fake_base;
static size_t fake_limit;        /* bytes of fake_mem that are "mapped" */
static void *fake_maps[FAKE_MAPS_MAX];
static size_t fake_nmaps;
static size_t fake_map_nulls;    /* calls that returned NULL */

static const void *fake_map(uint64_t phys, size_t len)
{
	uint64_t off;
	void *copy;

	if (phys < fake_base || phys - fake_base > fake_limit ||
	    len > fake_limit - (phys - fake_base) ||
	    fake_nmaps == FAKE_MAPS_MAX) {
		fake_map_nulls++;
		return NULL;
	}
	off = phys - fake_base;
	copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, fake_mem + off, len);
	fake_maps[fake_nmaps++] = copy;
	return copy;
}

static void fake_reset(const uint8_t *mem, uint64_t base, size_t limit)
{
	while (fake_nmaps)
		free(fake_maps[--fake_nmaps]);
	fake_mem = mem;
	fake_base = base;
	fake_limit = limit;
	fake_map_nulls = 0;
}
#endif
