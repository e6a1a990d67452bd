#!/bin/sh
# Turns `nm -n` output (stdin with '-', or nothing with /dev/null) into a NASM
# file holding the kernel's symbol table for backtraces, in section .ksyms:
#   ksyms_count: dq N
#   ksyms_addrs: dq addr...   (sorted)
#   ksyms_names: dd offset... into ksyms_strtab
# Only text symbols (t/T) are kept.
if [ "$1" = "-" ]; then in=$(cat); else in=""; fi
echo 'section .ksyms progbits alloc noexec nowrite align=8'
echo 'global ksyms_count, ksyms_addrs, ksyms_names, ksyms_strtab'
printf '%s\n' "$in" | awk '
	$2 ~ /^[tT]$/ && $3 !~ /^ksyms_/ && $3 !~ /^\./ { a[n] = $1; s[n] = $3; n++ }
	END {
		printf "ksyms_count: dq %d\n", n
		printf "ksyms_addrs:\n"
		for (i = 0; i < n; i++) printf "\tdq 0x%s\n", a[i]
		printf "ksyms_names:\n"
		off = 0
		for (i = 0; i < n; i++) { printf "\tdd %d\n", off; off += length(s[i]) + 1 }
		printf "ksyms_strtab:\n"
		for (i = 0; i < n; i++) printf "\tdb \"%s\", 0\n", s[i]
	}'
