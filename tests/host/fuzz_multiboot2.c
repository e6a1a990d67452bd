/* libFuzzer target for boot/multiboot2.c: the input is the boot information
 * itself, copied into an exactly-sized heap buffer so ASan flags any read
 * past it. If bit 0 of the (unused) reserved field is set, total_size is
 * patched to the input size, which lets the fuzzer reach the tag walk
 * without first guessing a consistent length. On success every accessor
 * is exercised and every pointer checked to lie inside the buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "boot/multiboot2.h"

#define RESERVED_OFF 4

static void check(bool cond)
{
	if (!cond)
		__builtin_trap();
}

static bool inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t size)
{
	return p >= buf && n <= size && (size_t)(p - buf) <= size - n;
}

static void check_success(const struct mb2_info *mi, const uint8_t *buf,
			  size_t size)
{
	uint64_t a, b;
	uint32_t t;

	check(mi->total_size >= 16 && mi->total_size <= size);
	for (size_t i = 0; i < mb2_mmap_count(mi); i++)
		check(mb2_mmap_entry(mi, i, &a, &b, &t));
	check(!mb2_mmap_entry(mi, mb2_mmap_count(mi), &a, &b, &t));
	check(!mi->mmap || mi->mmap_stride >= MB2_MMAP_ENTRY_MIN);
	for (size_t i = 0; i < mb2_efi_mmap_count(mi); i++)
		check(mb2_efi_mmap_entry(mi, i, &t, &a, &b));
	check(!mi->efi_mmap || mi->efi_desc_size >= MB2_EFI_DESC_MIN);
	if (mi->cmdline)
		check(inside((const uint8_t *)mi->cmdline,
			     strlen(mi->cmdline) + 1, buf, size));
	if (mi->loader_name)
		check(inside((const uint8_t *)mi->loader_name,
			     strlen(mi->loader_name) + 1, buf, size));
	if (mi->rsdp)
		check(inside(mi->rsdp, mi->rsdp_len, buf, size) &&
		      mi->rsdp_len >= MB2_RSDP_V1_LEN);
	if (mi->elf_shdrs)
		check(inside(mi->elf_shdrs, (size_t)mi->elf_num * mi->elf_entsize,
			     buf, size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct mb2_info mi;
	const char *err = NULL;
	uint32_t total = (uint32_t)size;

	memcpy(buf, data, size);
	if (size >= MB2_INFO_HEADER && (buf[RESERVED_OFF] & 1))
		memcpy(buf, &total, sizeof(total));
	if (mb2_parse(buf, size, &mi, &err) == 0)
		check_success(&mi, buf, size);
	else
		check(err && err[0] && strlen(err) < MB2_ERR_MAX);
	free(buf);
	return 0;
}
