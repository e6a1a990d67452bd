/* SLIT ("SLIT") parser: relative memory latency between NUMA nodes.
 *
 * ACPI 6.5 section 5.2.17 (System Locality Information Table): a u64
 * locality count N after the header, then an N x N byte matrix, row i
 * holding the distances from locality i. Localities are proximity domains
 * (the spec says "the System Locality ... is equivalent to a proximity
 * domain"), so we translate through the SRAT's domain -> node mapping.
 * The value checks are those of Linux's slit_valid().
 */
#include "drivers/acpi.h"
#include "lib/printf.h"
#include "lib/string.h"

#define SLIT_FIXED_LEN 44u  /* header + u64 locality count */

struct slit_fixed {
	struct acpi_sdt_header hdr;
	uint64_t localities;
} __packed;

_Static_assert(sizeof(struct slit_fixed) == SLIT_FIXED_LEN, "SLIT layout");

/* Diagonal must be the local distance, everything else farther. */
static int slit_check_values(const uint8_t *m, uint32_t n, char *err,
			     size_t err_size)
{
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t j = 0; j < n; j++) {
			uint8_t d = m[(size_t)i * n + j];

			if (i == j ? d == ACPI_LOCAL_DISTANCE
				   : d > ACPI_LOCAL_DISTANCE)
				continue;
			ksnprintf(err, err_size,
				  "SLIT: distance[%u][%u] = %u is invalid",
				  i, j, d);
			return -1;
		}
	}
	return 0;
}

/* Every node's domain must index the matrix. */
static int slit_check_nodes(const struct acpi_numa *numa, uint32_t n,
			    char *err, size_t err_size)
{
	for (size_t node = 0; node < numa->node_count; node++) {
		if (numa->node_pxm[node] < n)
			continue;
		ksnprintf(err, err_size,
			  "SLIT: node %zu (domain %u) outside %u localities",
			  node, numa->node_pxm[node], n);
		return -1;
	}
	return 0;
}

int acpi_slit_parse(const struct acpi_sdt_header *hdr, struct acpi_numa *numa,
		    char *err, size_t err_size)
{
	const struct slit_fixed *f = (const void *)hdr;
	const uint8_t *m = (const uint8_t *)hdr + SLIT_FIXED_LEN;
	uint64_t n64;
	uint32_t n;

	if (memcmp(hdr->signature, ACPI_SIG_SLIT, ACPI_SIG_LEN) != 0 ||
	    hdr->length < SLIT_FIXED_LEN) {
		ksnprintf(err, err_size, "SLIT: bad signature or length %u",
			  hdr->length);
		return -1;
	}
	if (numa->node_count == 0) {
		ksnprintf(err, err_size, "SLIT: no SRAT nodes to map it to");
		return -1;
	}
	/* Compare before multiplying: N*N must not overflow. The length cap
	 * bounds N far below 2^32, so once N*N fits the table, N fits u32. */
	n64 = f->localities;
	if (n64 == 0 || n64 > hdr->length - SLIT_FIXED_LEN ||
	    n64 * n64 > hdr->length - SLIT_FIXED_LEN) {
		ksnprintf(err, err_size,
			  "SLIT: %llu localities do not fit in length %u",
			  (unsigned long long)n64, hdr->length);
		return -1;
	}
	n = (uint32_t)n64;
	if (slit_check_nodes(numa, n, err, err_size) ||
	    slit_check_values(m, n, err, err_size))
		return -1;
	for (size_t a = 0; a < numa->node_count; a++)
		for (size_t b = 0; b < numa->node_count; b++)
			numa->distance[a][b] =
				m[(size_t)numa->node_pxm[a] * n +
				  numa->node_pxm[b]];
	numa->have_slit = true;
	return 0;
}
