#!/usr/bin/env python3
"""Writes the crafted ACPI tables of tests/qemu/hostile.conf (QEMU's
-acpitable file=..., header included) into this directory:

  srat-nonnuma.bin  SRAT on a machine QEMU describes without NUMA: CPU 0 in
                    domain 0, CPU 1 in domain 7, domain 0 memory [0, 1 GiB),
                    domain 7 memory at 64 GiB where there is no RAM.
  slit-bad.bin      SLIT for 2 localities with a local distance of 5 and a
                    remote one of 0 (both invalid: local is 10, remote > 10).
  srat-many.bin     SRAT naming 66 proximity domains (64 is the kernel's
                    limit) over 300 memory ranges of 2 MiB in [0, 600 MiB)
                    (256 is the limit); CPU 0 in domain 0, CPU 1 in 65.
  hpet-ram.bin      HPET whose registers are at 16 MiB, inside RAM.
  hpet-high.bin     HPET whose registers are at 1 TiB, outside the always
                    mapped low 4 GiB.

Run it after changing it; the .bin files are committed so the tests need
no generation step.  ACPI 6.5: 5.2.6 (header), 5.2.16 (SRAT), 5.2.17
(SLIT); IA-PC HPET 1.0a, 3.2.4 (HPET table)."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def table(sig, rev, body):
    length = 36 + len(body)
    hdr = struct.pack("<4sIBB6s8sI4sI", sig.encode(), length, rev, 0,
                      b"PARINT", b"HOSTILE ", 1, b"PRNT", 1)
    raw = bytearray(hdr + body)
    raw[9] = (-sum(raw)) & 0xff
    return bytes(raw)


def srat_cpu(pxm, apic_id):
    return struct.pack("<BBBBIB3sI", 0, 16, pxm & 0xff, apic_id, 1, 0,
                       (pxm >> 8).to_bytes(3, "little"), 0)


def srat_mem(pxm, base, length):
    return struct.pack("<BBIHIIIIIIQ", 1, 40, pxm, 0, base & 0xffffffff,
                       base >> 32, length & 0xffffffff, length >> 32, 0, 1, 0)


def srat_nonnuma():
    body = struct.pack("<IQ", 1, 0)
    body += srat_cpu(0, 0) + srat_cpu(7, 1)
    body += srat_mem(0, 0, 1 << 30) + srat_mem(7, 64 << 30, 1 << 30)
    return table("SRAT", 3, body)


def srat_many():
    body = struct.pack("<IQ", 1, 0)
    body += srat_cpu(0, 0) + srat_cpu(65, 1)
    for i in range(300):
        body += srat_mem(i % 66, i << 21, 1 << 21)
    return table("SRAT", 3, body)


def slit_bad():
    return table("SLIT", 1, struct.pack("<Q", 2) + bytes([5, 0, 0, 5]))


def hpet(address):
    gas = struct.pack("<BBBBQ", 0, 64, 0, 0, address)
    body = struct.pack("<I", 0x8086a201) + gas + struct.pack("<BHB", 0, 0x80, 0)
    return table("HPET", 1, body)


def main():
    out = {
        "srat-nonnuma.bin": srat_nonnuma(),
        "srat-many.bin": srat_many(),
        "slit-bad.bin": slit_bad(),
        "hpet-ram.bin": hpet(16 << 20),
        "hpet-high.bin": hpet(1 << 40),
    }
    for name, data in out.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
