#!/usr/bin/env python3
"""qemulib: boot parinit (or a Linux kernel) once in QEMU and read what it printed.

Shared by tools/qemu-run, tools/qemu-tests, tools/bench, tools/compare-linux and
tools/test-tools. Python 3 standard library only.

The pieces, in the order a boot uses them:

  Config            one QEMU configuration: firmware, boot medium, memory, CPUs,
                    machine, CPU model, NUMA layout, extra arguments, kernel cmdline.
  prepare_media()   boot medium for a Config: an ISO (grub-mkrescue) or a TFTP tree
                    (grub-mknetdir) whose grub.cfg carries the command line, cached
                    under build/media/ by a hash of (kernel, cmdline, mkcfg.sh).
  build_command()   the qemu-system-x86_64 argument list.
  run()             boots with a timeout, keeps the serial log, and returns a
                    RunResult: status PASS/FAIL/CRASH/TIMEOUT, exit code, wall time,
                    and the JSON lines the kernel printed.

Exit protocol (isa-debug-exit at port 0xf4, QEMU exits with (value << 1) | 1):
QEMU status 1 = everything passed, 3 = a check failed or the command line was bad,
anything else (0 = triple fault or reset with -no-reboot) = crash; a run still
going at its timeout = hang.

Run it directly for a self-description:  python3 tools/qemulib.py --help
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
KERNEL = BUILD / "kernel.elf"
MEDIA_CACHE = BUILD / "media"
MKCFG = ROOT / "boot" / "grub" / "mkcfg.sh"

QEMU = os.environ.get("PARINIT_QEMU", "qemu-system-x86_64")
OVMF_CODE = Path(os.environ.get("PARINIT_OVMF_CODE", "/usr/share/OVMF/OVMF_CODE_4M.fd"))
OVMF_VARS = Path(os.environ.get("PARINIT_OVMF_VARS", "/usr/share/OVMF/OVMF_VARS_4M.fd"))
GRUB_LIB = Path("/usr/lib/grub")

# QEMU exit statuses written by the kernel through isa-debug-exit.
EXIT_PASS = 1
EXIT_FAIL = 3
EXIT_CRASH = 5   # the kernel's panic path (isa-debug-exit code 2)
EXIT_POWEROFF = 0  # the guest powered off (ACPI S5) -- or reset under -no-reboot
POWEROFF_LINE = "parinit: power off (ACPI S5)"
HALT_GRACE = 3   # seconds a halted guest must stay up after its last line
DEBUG_EXIT_DEVICE = "isa-debug-exit,iobase=0xf4,iosize=0x04"
# QEMU_ACCEL=tcg (default: the same figures on any host, one host thread per
# vCPU) or kvm (a real Linux host with /dev/kvm: hardware-like figures).
ACCELS = {"tcg": "tcg,thread=multi", "kvm": "kvm"}

PASS, FAIL, CRASH, TIMEOUT, SKIP = "PASS", "FAIL", "CRASH", "TIMEOUT", "SKIP"
STATUSES = (PASS, FAIL, CRASH, TIMEOUT, SKIP)

FIRMWARES = ("bios", "uefi")
BOOTS = ("iso", "pxe", "kernel")
# TFTP boot file per firmware, inside the grub-mknetdir tree.
PXE_BOOTFILE = {
	"bios": "boot/grub/i386-pc/core.0",
	"uefi": "boot/grub/x86_64-efi/core.efi",
}
GRUB_PLATFORM = {"bios": "i386-pc", "uefi": "x86_64-efi"}
PXE_NIC = os.environ.get("PARINIT_PXE_NIC", "e1000")

# CPU models default to phys-bits 40 (1 TiB of guest-physical space); RAM
# above 4 GiB plus the 64-bit PCI hole needs more past about this size.
PHYS_BITS_THRESHOLD = 900 << 30
LARGE_PHYS_BITS = 46

# How many per-cmdline media directories to keep (each ISO is ~15 MB).
MEDIA_KEEP = 48

SIZE_UNITS = {"": 1 << 20, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30,
	      "T": 1 << 40, "P": 1 << 50}


class QemuError(Exception):
	"""A configuration or environment problem, with a message for the user."""


# ---------------------------------------------------------------- sizes


def parse_size(text):
	"""'64M', '4G', '1T', '1.5G', '4GiB', '512' (MiB, as QEMU's -m) -> bytes."""
	if isinstance(text, int):
		return text
	m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGTPB]?)(?:I?B)?\s*", str(text).upper())
	if not m:
		raise QemuError(f"bad size {text!r} (use e.g. 64M, 4G, 1T)")
	return int(float(m.group(1)) * SIZE_UNITS[m.group(2)])


def format_size(n):
	"""bytes -> shortest exact '4G' / '64M' / '1T' form, else bytes as a number."""
	for unit in "PTGMK":
		mult = SIZE_UNITS[unit]
		if n >= mult and n % mult == 0:
			return f"{n // mult}{unit}"
	return str(n)


def human_bytes(n):
	"""bytes -> '1.5 GiB' for tables."""
	for unit, mult in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
		if n >= mult:
			v = n / mult
			return f"{v:.0f} {unit}" if v == int(v) else f"{v:.1f} {unit}"
	return f"{n} B"


# ---------------------------------------------------------------- config


@dataclass
class NumaNode:
	"""One guest NUMA node: its memory and its CPUs ('0-1', '2', or None)."""
	mem: str
	cpus: str = None


def parse_numa(text):
	"""'2G@0-1, 2G@2-3, 1G' -> [NumaNode]; 'none' or '' -> [].

	Each comma-separated entry is MEM[@CPUS]; an entry without @ is a node
	with memory and no CPUs. CPUS is a QEMU range: 'A-B' or 'A'."""
	if text is None:
		return []
	if isinstance(text, list):
		return [n if isinstance(n, NumaNode) else NumaNode(**n) for n in text]
	text = text.strip()
	if text in ("", "none", "-"):
		return []
	nodes = []
	for part in text.split(","):
		part = part.strip()
		mem, _, cpus = part.partition("@")
		parse_size(mem)
		cpus = cpus.strip() or None
		if cpus is not None and not re.fullmatch(r"[0-9]+(-[0-9]+)?", cpus):
			raise QemuError(f"bad NUMA cpu range {cpus!r} in {text!r} (use A-B or A)")
		nodes.append(NumaNode(mem.strip(), cpus))
	return nodes


def format_numa(nodes):
	"""Inverse of parse_numa."""
	if not nodes:
		return "none"
	return ", ".join(n.mem + (f"@{n.cpus}" if n.cpus else "") for n in nodes)


@dataclass
class Config:
	"""One QEMU configuration. Strings as a user writes them (mem='4G').

	boot: 'iso' or 'pxe' build a GRUB medium for kernel (default
	build/kernel.elf) with cmdline; 'kernel' boots kernel directly with
	-kernel/-append (for Linux). numa: list of NumaNode; when given, the
	guest's memory is their sum and mem is ignored."""
	firmware: str = "bios"
	boot: str = "iso"
	mem: str = "4G"
	smp: str = "2"
	machine: str = "q35"
	cpu: str = "max"
	numa: list = field(default_factory=list)
	extra: list = field(default_factory=list)
	cmdline: str = ""
	kernel: str = None
	exit_device: bool = True

	def validate(self):
		if self.firmware not in FIRMWARES:
			raise QemuError(f"firmware must be one of {FIRMWARES}, not {self.firmware!r}")
		if self.boot not in BOOTS:
			raise QemuError(f"boot must be one of {BOOTS}, not {self.boot!r}")
		self.numa = parse_numa(self.numa)
		self.smp = str(self.smp)
		if not re.fullmatch(r"[0-9]+(,.*)?", self.smp) or self.cpus() < 1:
			raise QemuError(f"bad smp {self.smp!r} (a CPU count, optionally QEMU -smp options)")
		if self.mem_bytes() < (1 << 20):
			raise QemuError(f"memory {self.mem!r} is too small")
		if isinstance(self.extra, str):
			self.extra = self.extra.split()
		if isinstance(self.exit_device, str):
			flag = {"yes": True, "no": False}.get(self.exit_device.lower())
			if flag is None:
				raise QemuError(f"exit_device must be yes or no, not {self.exit_device!r}")
			self.exit_device = flag
		return self

	def cpus(self):
		"""Number of vCPUs (the first field of -smp)."""
		return int(str(self.smp).split(",")[0])

	def mem_bytes(self):
		"""Guest RAM in bytes: the NUMA nodes' sum when there are nodes."""
		if self.numa:
			return sum(parse_size(n.mem) for n in self.numa)
		return parse_size(self.mem)

	def nodes(self):
		return max(1, len(self.numa))

	def to_dict(self):
		d = asdict(self)
		d["numa"] = format_numa(self.numa)
		d["mem"] = format_size(self.mem_bytes())
		d["mem_bytes"] = self.mem_bytes()
		d["cpus"] = self.cpus()
		d["nodes"] = self.nodes()
		if d["kernel"] is None:
			del d["kernel"]
		return d

	def label(self):
		"""Short human label: 'bios-iso q35 max 4G smp2 numa[2G@0,2G@1]'."""
		s = f"{self.firmware}-{self.boot} {self.machine} {self.cpu} " \
		    f"{format_size(self.mem_bytes())} smp{self.smp}"
		if self.numa:
			s += " numa[" + format_numa(self.numa).replace(" ", "") + "]"
		if not self.exit_device:
			s += " no-exit-device"
		return s


def config_from_dict(d):
	"""Build and validate a Config from a mapping with Config's field names."""
	known = set(Config.__dataclass_fields__)
	bad = set(d) - known
	if bad:
		raise QemuError(f"unknown QEMU config keys: {', '.join(sorted(bad))}")
	return Config(**d).validate()


# ---------------------------------------------------------------- command line


def memory_args(cfg):
	"""-m plus the RAM backends: reserve=off so huge guests cost only what they touch."""
	total = cfg.mem_bytes()
	args = ["-m", format_size(total)]
	if not cfg.numa:
		args += ["-object", f"memory-backend-ram,id=ram0,size={format_size(total)},reserve=off"]
		return args, ["memory-backend=ram0"]
	for i, node in enumerate(cfg.numa):
		size = format_size(parse_size(node.mem))
		args += ["-object", f"memory-backend-ram,id=m{i},size={size},reserve=off"]
		numa = f"node,nodeid={i},memdev=m{i}"
		if node.cpus:
			numa += f",cpus={node.cpus}"
		args += ["-numa", numa]
	return args, []


def cpu_arg(cfg):
	cpu = cfg.cpu
	if cfg.mem_bytes() >= PHYS_BITS_THRESHOLD and "phys-bits" not in cpu:
		cpu += f",phys-bits={LARGE_PHYS_BITS}"
	return cpu


def firmware_args(cfg, vars_file):
	if cfg.firmware == "bios":
		return []
	if not OVMF_CODE.exists():
		raise QemuError(f"UEFI firmware {OVMF_CODE} is missing (tools/deps run installs ovmf)")
	if vars_file is None:
		raise QemuError("UEFI boot needs a per-run copy of the OVMF variable store")
	return ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
		"-drive", f"if=pflash,format=raw,unit=1,file={vars_file}"]


def boot_args(cfg, media):
	if cfg.boot == "iso":
		return ["-cdrom", str(media), "-boot", "d"]
	if cfg.boot == "pxe":
		bootfile = PXE_BOOTFILE[cfg.firmware]
		return ["-netdev", f"user,id=n0,tftp={media},bootfile={bootfile}",
			"-device", f"{PXE_NIC},netdev=n0", "-boot", "n"]
	append = cfg.cmdline
	return ["-kernel", str(media), "-append", append]


def accel_arg():
	"""-accel value from QEMU_ACCEL (tcg by default, or kvm)."""
	name = os.environ.get("QEMU_ACCEL") or "tcg"
	if name not in ACCELS:
		raise QemuError(f"QEMU_ACCEL={name!r}: use one of {', '.join(ACCELS)}")
	return ACCELS[name]


def build_command(cfg, media, serial_log, vars_file=None):
	"""The full QEMU argv for cfg booting media (ISO path, TFTP dir or kernel).

	TCG with one host thread per vCPU unless QEMU_ACCEL=kvm, no display (VGA kept so UEFI
	has a framebuffer), no default devices, no reboot (a triple fault exits),
	serial console to serial_log, exit port isa-debug-exit at 0xf4 (unless
	cfg.exit_device is off: the bare-metal exit path)."""
	mem, machine_opts = memory_args(cfg)
	machine = ",".join([cfg.machine] + machine_opts)
	argv = [QEMU, "-accel", accel_arg(), "-machine", machine,
		"-cpu", cpu_arg(cfg), "-smp", str(cfg.smp)] + mem
	argv += ["-nodefaults", "-vga", "std", "-display", "none", "-no-reboot",
		 "-serial", f"file:{serial_log}"]
	if cfg.exit_device:
		argv += ["-device", DEBUG_EXIT_DEVICE]
	argv += firmware_args(cfg, vars_file)
	argv += boot_args(cfg, media)
	argv += list(cfg.extra)
	return argv


# ---------------------------------------------------------------- boot media


def file_digest(path):
	h = hashlib.sha256()
	with open(path, "rb") as f:
		for block in iter(lambda: f.read(1 << 20), b""):
			h.update(block)
	return h.hexdigest()


def grub_cfg(cmdline, kernel_in_image):
	"""grub.cfg text, generated by boot/grub/mkcfg.sh like the Makefile does."""
	if not MKCFG.exists():
		raise QemuError(f"{MKCFG.relative_to(ROOT)} is missing: it generates grub.cfg")
	if "\n" in cmdline:
		raise QemuError("the kernel command line may not contain a newline")
	try:
		out = subprocess.run(["sh", str(MKCFG), cmdline, kernel_in_image],
				     capture_output=True, text=True, check=True)
	except subprocess.CalledProcessError as e:
		raise QemuError(f"mkcfg.sh failed: {e.stderr.strip()}") from e
	return out.stdout


def _need_tool(name, package):
	if shutil.which(name) is None:
		raise QemuError(f"{name} not found (Debian package {package}; run tools/deps iso)")


def _run_tool(argv, what):
	p = subprocess.run(argv, capture_output=True, text=True)
	if p.returncode != 0:
		raise QemuError(f"{what} failed ({' '.join(argv[:2])} ...):\n{p.stdout}{p.stderr}")


def _publish(tmp, dest):
	"""Atomically move a finished tmp dir into place; another process may win."""
	try:
		os.rename(tmp, dest)
	except OSError:
		shutil.rmtree(tmp, ignore_errors=True)
		if not dest.exists():
			raise


def _media_key(kind, cmdline, kernel):
	h = hashlib.sha256()
	for part in (kind, cmdline, file_digest(kernel), MKCFG.read_bytes() if MKCFG.exists() else b""):
		h.update(part.encode() if isinstance(part, str) else part)
		h.update(b"\0")
	return h.hexdigest()[:16]


def _prune_media(cache, keep=MEDIA_KEEP):
	"""Drop the least recently used per-cmdline media beyond keep."""
	entries = [p for p in cache.glob("*-*") if p.is_dir() and not p.name.startswith(("netbase", "tmp"))]
	entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
	for old in entries[keep:]:
		shutil.rmtree(old, ignore_errors=True)


def make_iso(cmdline, kernel=None, cache=None):
	"""ISO (BIOS + UEFI, grub-mkrescue) booting kernel with cmdline; cached. -> path."""
	kernel, cache = Path(kernel or KERNEL), Path(cache or MEDIA_CACHE)
	if not kernel.exists():
		raise QemuError(f"{kernel} does not exist (run make)")
	key = _media_key("iso", cmdline, kernel)
	dest = Path(cache) / f"iso-{key}"
	iso = dest / "parinit.iso"
	if iso.exists():
		os.utime(dest)
		return iso
	_need_tool("grub-mkrescue", "grub-common")
	_need_tool("xorriso", "xorriso")
	Path(cache).mkdir(parents=True, exist_ok=True)
	tmp = Path(tempfile.mkdtemp(prefix="tmp-iso-", dir=cache))
	root = tmp / "isodir"
	(root / "boot" / "grub").mkdir(parents=True)
	shutil.copyfile(kernel, root / "boot" / "kernel.elf")
	(root / "boot" / "grub" / "grub.cfg").write_text(grub_cfg(cmdline, "/boot/kernel.elf"))
	(tmp / "cmdline.txt").write_text(cmdline + "\n")
	_run_tool(["grub-mkrescue", "-o", str(tmp / "parinit.iso"), str(root)], "grub-mkrescue")
	shutil.rmtree(root)
	_publish(tmp, dest)
	_prune_media(Path(cache))
	return iso


def _netboot_base(cache):
	"""The cmdline-independent GRUB netboot tree (both platforms), built once."""
	stamp = hashlib.sha256()
	for plat in GRUB_PLATFORM.values():
		for f in ("modinfo.sh", "kernel.img"):
			p = GRUB_LIB / plat / f
			stamp.update(p.read_bytes() if p.exists() else b"-")
	base = Path(cache) / f"netbase-{stamp.hexdigest()[:12]}"
	if base.exists():
		return base
	_need_tool("grub-mknetdir", "grub-common")
	Path(cache).mkdir(parents=True, exist_ok=True)
	tmp = Path(tempfile.mkdtemp(prefix="tmp-net-", dir=cache))
	for fw, plat in GRUB_PLATFORM.items():
		if not (GRUB_LIB / plat).is_dir():
			raise QemuError(f"{GRUB_LIB / plat} missing (grub-pc-bin / grub-efi-amd64-bin; tools/deps iso)")
		_run_tool(["grub-mknetdir", f"--net-directory={tmp}", "--subdir=boot/grub",
			   "-d", str(GRUB_LIB / plat)], "grub-mknetdir")
	_publish(tmp, base)
	return base


def _link_tree(src, dst):
	"""Copy a tree as hard links (falls back to copies across filesystems)."""
	for dirpath, _, files in os.walk(src):
		rel = Path(dirpath).relative_to(src)
		(dst / rel).mkdir(parents=True, exist_ok=True)
		for f in files:
			try:
				os.link(Path(dirpath) / f, dst / rel / f)
			except OSError:
				shutil.copy2(Path(dirpath) / f, dst / rel / f)


def make_netboot(cmdline, kernel=None, cache=None):
	"""TFTP tree (GRUB netboot, BIOS core.0 + UEFI core.efi, kernel at
	/kernel.elf) booting kernel with cmdline; cached. -> directory."""
	kernel, cache = Path(kernel or KERNEL), Path(cache or MEDIA_CACHE)
	if not kernel.exists():
		raise QemuError(f"{kernel} does not exist (run make)")
	key = _media_key("pxe", cmdline, kernel)
	dest = Path(cache) / f"pxe-{key}"
	if (dest / "boot" / "grub" / "grub.cfg").exists():
		os.utime(dest)
		return dest
	base = _netboot_base(cache)
	tmp = Path(tempfile.mkdtemp(prefix="tmp-pxe-", dir=cache))
	_link_tree(base, tmp)
	shutil.copyfile(kernel, tmp / "kernel.elf")
	(tmp / "boot" / "grub" / "grub.cfg").write_text(grub_cfg(cmdline, "/kernel.elf"))
	(tmp / "cmdline.txt").write_text(cmdline + "\n")
	_publish(tmp, dest)
	_prune_media(Path(cache))
	return dest


def prepare_media(cfg, kernel=None, cache=None):
	"""Boot medium for cfg: ISO path, TFTP directory, or the kernel itself."""
	kernel = Path(kernel or cfg.kernel or KERNEL)
	if cfg.boot == "iso":
		return make_iso(cfg.cmdline, kernel, cache)
	if cfg.boot == "pxe":
		return make_netboot(cfg.cmdline, kernel, cache)
	if not kernel.exists():
		raise QemuError(f"{kernel} does not exist")
	return kernel


# ---------------------------------------------------------------- serial log


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>c]")


def clean_line(line):
	"""Strip terminal escapes (GRUB writes them to the serial port) and CRs."""
	return ANSI.sub("", line).replace("\r", "").replace("\x00", "")


def parse_serial(text):
	"""Serial text -> (records, bad): every line starting with '{' parsed as
	JSON (records, in order), and the lines that looked like JSON but were not
	(bad, e.g. two CPUs interleaving output)."""
	records, bad = [], []
	for raw in text.splitlines():
		line = clean_line(raw).strip()
		if not line.startswith("{"):
			continue
		try:
			obj = json.loads(line)
		except ValueError:
			bad.append(line)
			continue
		if isinstance(obj, dict):
			records.append(obj)
		else:
			bad.append(line)
	return records, bad


def read_log(path):
	try:
		return Path(path).read_bytes().decode("utf-8", errors="replace")
	except FileNotFoundError:
		return ""


def boot_record(records):
	"""The {"experiment":"boot",...} record, or None."""
	for r in records:
		if r.get("experiment") == "boot":
			return r
	return None


def result_records(records):
	"""Every record other than the boot line."""
	return [r for r in records if r.get("experiment") != "boot"]


def verdict(text):
	"""'PASS' / 'FAIL' from the 'parinit: verdict X' line, or None."""
	m = None
	for m in re.finditer(r"parinit: verdict (PASS|FAIL)", text):
		pass
	return m.group(1) if m else None


# ---------------------------------------------------------------- running


def status_from_exit(code, timed_out=False):
	"""QEMU exit code -> PASS / FAIL / CRASH / TIMEOUT."""
	if timed_out:
		return TIMEOUT
	if code == EXIT_PASS:
		return PASS
	if code == EXIT_FAIL:
		return FAIL
	return CRASH


@dataclass
class RunResult:
	status: str
	exit_code: int
	wall_s: float
	log: str
	command: list
	records: list
	bad_json: list
	text: str = ""
	error: str = ""
	halted: bool = False   # stop_after: still running HALT_GRACE s after it

	def boot(self):
		return boot_record(self.records)

	def results(self):
		return result_records(self.records)


_live = set()
_live_lock = threading.Lock()


def stop_all():
	"""Stop every QEMU this process started that is still running (Ctrl-C)."""
	with _live_lock:
		procs = list(_live)
	for proc in procs:
		_stop(proc)


def _stop(proc, grace=5):
	"""TERM then KILL a QEMU that overstayed its timeout."""
	try:
		proc.send_signal(signal.SIGTERM)
		proc.wait(timeout=grace)
	except subprocess.TimeoutExpired:
		proc.kill()
		proc.wait()
	except ProcessLookupError:
		pass


def run(cfg, log, timeout=300, kernel=None, media=None, on_output=None, poll=0.2,
	cache=None, stop_after=None):
	"""Boot cfg once and wait at most timeout seconds.

	log: where the serial output goes (overwritten); its directory is created.
	media: an existing ISO/TFTP dir/kernel instead of building one.
	on_output(str): called with each new chunk of serial output while QEMU
	runs (qemu-run streams with it). QEMU's own stderr is appended to the
	log's sibling '<log>.qemu'. stop_after: a text; once it is in the log
	and QEMU is still running HALT_GRACE seconds later, QEMU is stopped and
	the result says halted (a guest that halts instead of exiting). Media or
	environment problems raise QemuError.
	"""
	cfg.validate()
	log = Path(log)
	log.parent.mkdir(parents=True, exist_ok=True)
	if log.exists():
		log.unlink()
	if media is None:
		media = prepare_media(cfg, kernel, cache)
	with tempfile.TemporaryDirectory(prefix="parinit-qemu-") as tmp:
		vars_file = None
		if cfg.firmware == "uefi":
			if not OVMF_VARS.exists():
				raise QemuError(f"{OVMF_VARS} is missing (tools/deps run installs ovmf)")
			vars_file = Path(tmp) / "OVMF_VARS.fd"
			shutil.copyfile(OVMF_VARS, vars_file)
		argv = build_command(cfg, media, log, vars_file)
		errlog = log.with_name(log.name + ".qemu")
		start = time.monotonic()
		with open(errlog, "w") as err:
			err.write(" ".join(argv) + "\n")
			err.flush()
			try:
				proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
							stdout=err, stderr=err, start_new_session=True)
			except FileNotFoundError as e:
				raise QemuError(f"{argv[0]} not found (tools/deps run installs qemu-system-x86)") from e
			with _live_lock:
				_live.add(proc)
			try:
				timed_out, halted = _wait(proc, start, timeout, log, on_output, poll,
							  stop_after)
			except BaseException:
				_stop(proc)
				raise
			finally:
				with _live_lock:
					_live.discard(proc)
		wall = time.monotonic() - start
	text = read_log(log)
	records, bad = parse_serial(text)
	status = status_from_exit(proc.returncode, timed_out)
	error = ""
	if status == PASS and verdict(text) != "PASS":
		# QEMU's own failures (an option it refuses, no /dev/kvm) exit 1
		# too, the code the kernel's passing exit produces: a pass needs
		# the kernel's verdict line as well.
		status = CRASH
	if status == CRASH and not halted:
		error = read_log(errlog).split("\n", 1)[-1].strip()[-2000:]
	return RunResult(status, proc.returncode, round(wall, 3), str(log), argv,
			 records, bad, text, error, halted)


def _wait(proc, start, timeout, log, on_output, poll, stop_after=None):
	"""Wait for QEMU, streaming the log; -> (timed_out, halted): timed out
	when it had to be stopped at the timeout, halted when stop_after was
	seen and QEMU still ran HALT_GRACE seconds later (then stopped)."""
	offset, seen_at = 0, None
	timed_out = halted = False
	while True:
		try:
			proc.wait(timeout=poll)
			break
		except subprocess.TimeoutExpired:
			pass
		if on_output:
			offset = _stream(log, offset, on_output)
		now = time.monotonic()
		if stop_after and seen_at is None and stop_after in read_log(log):
			seen_at = now
		if seen_at is not None and now - seen_at > HALT_GRACE:
			halted = True
			_stop(proc)
			break
		if now - start > timeout:
			timed_out = True
			_stop(proc)
			break
	if on_output:
		_stream(log, offset, on_output)
	return timed_out, halted


def _stream(path, offset, on_output):
	try:
		with open(path, "rb") as f:
			f.seek(offset)
			chunk = f.read()
	except FileNotFoundError:
		return offset
	if chunk:
		on_output(chunk.decode("utf-8", errors="replace"))
	return offset + len(chunk)


# ---------------------------------------------------------------- conf files


def registry(kernel=None, cache_dir=None):
	"""The kernel's experiment registry, from one `run=list` boot:
	{"keys": [...], "experiments": [{"name", "variants", "injects", "keys",
	"in_default", "opt_in", ...}]}. Cached next to the logs per kernel
	digest, so tests and tools never keep their own copy of the names."""
	kernel = Path(kernel or KERNEL)
	cache = Path(cache_dir or BUILD / "registry")
	cache.mkdir(parents=True, exist_ok=True)
	saved = cache / f"{file_digest(kernel)}.json"
	if saved.exists():
		return json.loads(saved.read_text())
	cfg = Config(mem="128M", smp="1", cmdline="run=list")
	res = run(cfg, cache / "list.log", timeout=120, kernel=str(kernel))
	found = [r for r in res.records if r.get("experiment") == "list"]
	if res.exit_code != EXIT_PASS or not found:
		raise QemuError(f"run=list did not print the registry (QEMU exit {res.exit_code}); "
				f"log {cache / 'list.log'}")
	saved.write_text(json.dumps(found[0]))
	return found[0]


class ConfError(QemuError):
	"""A syntax or value error in a .conf file, with file:line."""


@dataclass
class Section:
	"""One [name] block of a .conf file: ordered (key, value, where) entries."""
	name: str
	where: str
	entries: list = field(default_factory=list)

	def get(self, key, default=None):
		"""Last value of key (scalar keys), or default."""
		vals = self.all(key)
		return vals[-1] if vals else default

	def all(self, key):
		"""Every value of key in order (repeatable keys)."""
		return [v for k, v, _ in self.entries if k == key]

	def keys(self):
		return {k for k, _, _ in self.entries}


def parse_conf(text, filename="<conf>"):
	"""Parse the format shared by tests/qemu/cases.conf and tools/bench.d/*.conf.

	  # comment (whole line, or after ' #' on a line)
	  key = value          before any section: section named ''
	  [name]               starts a section
	  key = value          keys may repeat; the caller decides what that means
	  key = first part     a line starting with whitespace continues the value
	      second part      (joined with one space)

	Returns [Section] in file order (the '' section first, possibly empty)."""
	sections = [Section("", f"{filename}:1")]
	last = None
	for n, raw in enumerate(text.splitlines(), 1):
		where = f"{filename}:{n}"
		line = raw.split(" #", 1)[0].split("\t#", 1)[0].rstrip()
		if not line.strip() or line.lstrip().startswith("#"):
			continue
		if line[0] in " \t" and last is not None:
			k, v, w = sections[-1].entries[last]
			sections[-1].entries[last] = (k, f"{v} {line.strip()}".strip(), w)
			continue
		m = re.fullmatch(r"\[\s*([A-Za-z0-9_.*,@+-]+)\s*\]", line.strip())
		if m:
			sections.append(Section(m.group(1), where))
			last = None
			continue
		m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(.*)", line.strip())
		if not m:
			raise ConfError(f"{where}: expected 'key = value' or '[section]', got {line.strip()!r}")
		sections[-1].entries.append((m.group(1).lower(), m.group(2).strip(), where))
		last = len(sections[-1].entries) - 1
	return sections


def split_list(value):
	"""'1, 2 4' -> ['1', '2', '4'] (commas and/or spaces)."""
	return [v for v in re.split(r"[,\s]+", value.strip()) if v]


def parse_duration(value, where=""):
	"""'90', '90s', '5m', '1h' -> seconds (float)."""
	m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(s|m|min|h)?\s*", str(value))
	if not m:
		raise ConfError(f"{where}: bad duration {value!r} (use e.g. 90, 90s, 5m)")
	mult = {None: 1, "s": 1, "m": 60, "min": 60, "h": 3600}[m.group(2)]
	return float(m.group(1)) * mult


# ---------------------------------------------------------------- results directories
#
# results/<timestamp>/  results.jsonl  cases.jsonl  meta.json  summary.md
#                       logs/<case>.log  plots/*.{dat,gp,svg,png}
# results/latest -> <timestamp>

RESULTS = ROOT / "results"
RESULTS_IGNORE = "*\n!.gitignore\n"


def new_results_dir(root=RESULTS):
	"""Create results/<YYYYmmdd-HHMMSS>[-N]/ with logs/ and plots/ -> Path."""
	root = Path(root)
	root.mkdir(parents=True, exist_ok=True)
	ignore = root / ".gitignore"
	if not ignore.exists():
		ignore.write_text(RESULTS_IGNORE)
	stamp = time.strftime("%Y%m%d-%H%M%S")
	for n in range(1, 100):
		d = root / (stamp if n == 1 else f"{stamp}-{n}")
		try:
			d.mkdir()
		except FileExistsError:
			continue
		(d / "logs").mkdir()
		(d / "plots").mkdir()
		return d
	raise QemuError(f"cannot create a results directory under {root}")


def update_latest(run_dir):
	"""Point <root>/latest at run_dir (relative symlink, replaced atomically)."""
	run_dir = Path(run_dir)
	link = run_dir.parent / "latest"
	tmp = run_dir.parent / f".latest-{os.getpid()}"
	if tmp.is_symlink() or tmp.exists():
		tmp.unlink()
	os.symlink(run_dir.name, tmp)
	os.replace(tmp, link)


def enrich(record, case_id, cfg, **more):
	"""A kernel JSON record plus where it came from: the case id, the QEMU
	config under "qemu", the kernel cmdline, and whatever more says (commit,
	boot index, status...). The record's own keys are never overwritten."""
	out = dict(record)
	qemu = cfg.to_dict()
	qemu.pop("cmdline", None)
	extra = {"case": case_id, "qemu": qemu, "cmdline": cfg.cmdline} | more
	for k, v in extra.items():
		out["_" + k if k in out else k] = v
	return out


def append_jsonl(path, objs):
	with open(path, "a") as f:
		for o in objs:
			f.write(json.dumps(o, sort_keys=False) + "\n")


def read_jsonl(path):
	"""-> [dict]; a missing file is empty; malformed lines raise QemuError."""
	out = []
	try:
		text = Path(path).read_text()
	except FileNotFoundError:
		return out
	for n, line in enumerate(text.splitlines(), 1):
		if line.strip():
			try:
				out.append(json.loads(line))
			except ValueError as e:
				raise QemuError(f"{path}:{n}: bad JSON: {e}") from e
	return out


def host_info():
	return {"cpus": os.cpu_count(), "uname": " ".join(os.uname()), "qemu": qemu_version(),
		"python": sys.version.split()[0]}


# ---------------------------------------------------------------- misc


def git_commit():
	"""'<sha>' or '<sha>-dirty' of the tree, 'none' outside git or before the first commit."""
	try:
		sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
				     capture_output=True, text=True, check=True).stdout.strip()
	except (OSError, subprocess.CalledProcessError):
		return "none"
	try:
		dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain",
					"--untracked-files=no"],
				       capture_output=True, text=True, check=True).stdout.strip()
	except (OSError, subprocess.CalledProcessError):
		dirty = ""
	return sha + ("-dirty" if dirty else "")


def qemu_version():
	try:
		out = subprocess.run([QEMU, "--version"], capture_output=True, text=True).stdout
		return out.splitlines()[0].strip() if out else "unknown"
	except OSError:
		return "missing"


def format_table(header, rows, align=None):
	"""Plain-text table (two spaces between columns); align: 'l'/'r' per column."""
	rows = [[str(c) for c in r] for r in rows]
	widths = [len(h) for h in header]
	for r in rows:
		widths = [max(w, len(c)) for w, c in zip(widths, r)]
	align = align or ["l"] + ["r"] * (len(header) - 1)

	def fmt(r):
		return "  ".join(c.ljust(w) if a == "l" else c.rjust(w)
				 for c, w, a in zip(r, widths, align)).rstrip()
	return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


def result_table(records):
	"""Compact text table of result records (everything but the boot line)."""
	rows = []
	for r in result_records(records):
		size = ""
		if isinstance(r.get("pages"), int):
			size = f"{r['pages']} pages"
		elif isinstance(r.get("bytes"), int):
			size = human_bytes(r["bytes"])
		elif isinstance(r.get("units"), int):
			size = f"{r['units']} units"
		ns = r.get("ns")
		verified = r.get("verified")
		rows.append([r.get("experiment", "?"), r.get("variant", ""), r.get("threads", ""),
			     size, r.get("rep", ""),
			     f"{ns / 1e6:.3f}" if isinstance(ns, (int, float)) else "",
			     "" if verified is None else ("yes" if verified else "NO")])
	if not rows:
		return "(no result lines)"
	return format_table(["experiment", "variant", "threads", "size", "rep", "ms", "verified"], rows,
			    ["l", "l", "r", "r", "r", "r", "l"])


def main(argv=None):
	ap = argparse.ArgumentParser(
		description="Library shared by the QEMU tools; run directly it prints the "
		"QEMU command for a configuration (no boot).",
		epilog="Example: python3 tools/qemulib.py --firmware uefi --boot pxe --mem 4G "
		"--smp 2 --numa '2G@0,2G@1' --cmdline run=smp")
	ap.add_argument("--firmware", default="bios", choices=FIRMWARES)
	ap.add_argument("--boot", default="iso", choices=BOOTS)
	ap.add_argument("--mem", default="4G")
	ap.add_argument("--smp", default="2")
	ap.add_argument("--machine", default="q35")
	ap.add_argument("--cpu", default="max")
	ap.add_argument("--numa", default="none")
	ap.add_argument("--cmdline", default="")
	args = ap.parse_args(argv)
	try:
		cfg = Config(args.firmware, args.boot, args.mem, args.smp, args.machine, args.cpu,
			     args.numa, [], args.cmdline).validate()
		media = {"iso": "build/media/iso-HASH/parinit.iso", "pxe": "build/media/pxe-HASH",
			 "kernel": "build/kernel.elf"}[cfg.boot]
		print(" ".join(build_command(cfg, media, "LOG", "VARS.fd")))
	except QemuError as e:
		print(f"qemulib: {e}", file=sys.stderr)
		return 2
	return 0


if __name__ == "__main__":
	sys.exit(main())
