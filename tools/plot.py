#!/usr/bin/env python3
"""plot.py: summary tables and gnuplot plots of a results/<timestamp>/ run.

Used by tools/bench and tools/compare-linux after a run; run directly to
re-make a run's summary.md and plots/ from its results.jsonl:

    python3 tools/plot.py results/latest

Summary (summary.md): one table per experiment. Rows are (QEMU config, vCPUs,
variant, size, threads); each gives the number of samples (in-guest reps x
boots), the median and min-max time, a rate (ns/page or GB/s), the speedup
over 1 thread, the ratio to the in-guest bound (variant 'bound', same config,
size and threads) and, for memmap rows using all vCPUs, the ratio to Linux's
deferred init in the same QEMU configuration (from any compare-linux run).

Plots (plots/): for every group of rows that share config and size and have
two or more thread counts, '<name>-time' (time in ms, or GB/s for byte-sized
experiments, vs threads, min-max error bars) and '<name>-speedup' (with the
ideal line); per experiment and variant one '<exp>-<variant>-gantt' per-thread
timeline of the job with the most threads that has threads_detail. Each plot has its .dat and .gp
next to it: `cd plots && gnuplot <name>.gp` re-draws the SVG and PNG.
"""

import argparse
import hashlib
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True     # keep tools/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import qemulib as q  # noqa: E402

PAGE_BYTES = 4096
BOUND = "bound"
LINUX_EXP = "linux"
GNUPLOT_TIMEOUT = 120
PLOT_SIZE = "800,500"
GANTT_LABEL_ROOM = 1.2       # x range past the last end, for the chunk labels
MAX_GANTTS = 12             # per experiment, one per variant
MAX_PLOT_GROUPS = 60        # per experiment: keeps a huge matrix from drawing forever


# ---------------------------------------------------------------- grouping


def size_of(rec):
	"""-> ('pages', n) / ('bytes', n) / ('units', n) (job units) / ('', 0)."""
	for kind in ("pages", "bytes", "units"):
		if isinstance(rec.get(kind), (int, float)):
			return kind, rec[kind]
	return "", 0


def config_key(rec):
	"""The QEMU configuration of a record, minus the vCPU count."""
	qd = rec.get("qemu", {})
	return (qd.get("firmware", "?"), qd.get("boot", "?"), qd.get("machine", "?"),
		qd.get("cpu", "?"), qd.get("mem_bytes", 0), qd.get("numa", "none"))


def config_label(key):
	fw, boot, machine, cpu, mem, numa = key
	if boot == "import":      # tools/import-log: a machine, not a QEMU config
		s = f"{machine} ({fw}, {cpu}, {q.format_size(mem) if mem else '?'}"
		return s + (f", {numa})" if numa and numa != "none" else ")")
	s = f"{fw}-{boot} {machine} {cpu} {q.format_size(mem) if mem else '?'}"
	return s + (f" numa[{numa.replace(' ', '')}]" if numa and numa != "none" else "")


def cpus_of(rec):
	return rec.get("qemu", {}).get("cpus", 0)


# Fields that make two results of one experiment and variant different
# measurements, so they never share a row: the copy/fill kernel and the job
# engine when they are chosen (by the `kernel` sweep variant, or `kernel=`,
# `engine=` on the command line) -- when the kernel picks its fastest store
# loop itself, the pick follows noise and the results stay pooled -- and the
# threads asked for next to the threads that ran (older kernels:
# requested_threads; newer: threads_run).
PARAM_FIELDS = ("kernel", "engine", "pin-page", "pin-map",
		"demand-share-pct", "demand-wait", "lock", "split")
# Fields that always tell rows apart when present: run=memdesc's bound rows
# carry the memmap layout (bytes a page) they fill.
ALWAYS_PARAM_FIELDS = ("layout",)
# field -> variant that sweeps it (run=split: lazy rows differ by their MMU
# lock, eager rows by serial/parallel split; their keys are split-lock= and
# split-eager= on the command line, so the variant says they were chosen)
SWEEP_VARIANTS = {"kernel": "kernel", "lock": "lazy", "split": "eager"}
THREAD_FIELDS = ("requested_threads", "threads_run")


def _scalar(v):
	return v if isinstance(v, (int, float, str, bool)) or v is None else json.dumps(v)


def _chosen(rec, field):
	"""Whether field was a choice of the experiment or the user, not the kernel's pick."""
	cmdline = rec.get("cmdline") if isinstance(rec.get("cmdline"), str) else ""
	return rec.get("variant") == SWEEP_VARIANTS.get(field) or \
		re.search(rf"(^|\s){field}=", cmdline) is not None


def row_key(rec):
	kind, size = size_of(rec)
	params = tuple((f, _scalar(rec[f])) for f in PARAM_FIELDS if f in rec and _chosen(rec, f)) + \
		tuple((f, _scalar(rec[f])) for f in ALWAYS_PARAM_FIELDS if f in rec)
	tparams = tuple((f, _scalar(rec[f])) for f in THREAD_FIELDS if f in rec)
	return (config_key(rec), cpus_of(rec), str(rec.get("variant", "-")), kind, size,
		rec.get("page_bytes", 0), rec.get("threads", 0), params, tparams)


COLD_SUFFIX = " (cold)"


def timed(records):
	"""Result records with a time, the boot line excluded, failed verification excluded.
	A run marked "cold" (the first touch of memory since boot: mostly the host
	faulting guest pages in) becomes its own variant "<v> (cold)", so warm
	statistics and plots are not mixed with it."""
	out = []
	for r in records:
		if r.get("experiment") in (None, "boot") or not isinstance(r.get("ns"), (int, float)) \
				or r.get("verified") is False:
			continue
		if r.get("cold") is True:
			r = dict(r, variant=f"{r.get('variant')}{COLD_SUFFIX}")
		out.append(r)
	return out


class Row:
	"""Statistics of one row: every sample's ns."""

	def __init__(self, key, samples):
		self.key = key
		(self.config, self.cpus, self.variant, self.kind, self.size,
		 self.page_bytes, self.threads, self.params, self.tparams) = key
		self.tag = ""          # the params that tell this row from its variant's others
		self.samples = sorted(samples)
		self.n = len(samples)
		self.median = statistics.median(samples)
		self.min, self.max = self.samples[0], self.samples[-1]
		self.speedup = self.vs_bound = self.vs_linux = self.vs_bound64 = None

	def rate(self):
		"""ns/page for page-sized rows, GB/s for byte-sized rows, '' otherwise."""
		if self.kind == "pages" and self.size:
			return f"{self.median / self.size:.2f} ns/page"
		if self.kind == "bytes" and self.median:
			return f"{self.size / self.median:.2f} GB/s"
		if self.kind == "units" and self.size:
			return f"{self.median / self.size:.2f} ns/unit"
		return ""

	def label(self):
		"""Variant plus the parameters that distinguish it: 'kernel kernel=movsb'."""
		return f"{self.variant} {self.tag}" if self.tag else self.variant

	def threads_label(self):
		"""'2', or '2 (1 run)' / '1 (2 asked)' when asked and run differ."""
		t = dict(self.tparams)
		s = str(self.threads)
		if "threads_run" in t and t["threads_run"] != self.threads:
			s += f" ({t['threads_run']} run)"
		if "requested_threads" in t and t["requested_threads"] != self.threads:
			s += f" ({t['requested_threads']} asked)"
		return s

	def same_measure(self, other):
		"""Same config, vCPUs, variant, size, page size and params (threads aside)."""
		return (self.config, self.variant, self.kind, self.size, self.page_bytes, self.params) == \
			(other.config, other.variant, other.kind, other.size, other.page_bytes, other.params)

	def size_label(self):
		if self.kind == "pages":
			s = q.human_bytes(self.size * PAGE_BYTES)
		elif self.kind == "bytes":
			s = q.human_bytes(self.size)
		elif self.kind == "units":
			s = f"{self.size} units"
		else:
			s = "-"
		if self.page_bytes:
			s += f" / {q.human_bytes(self.page_bytes)} pages"
		return s


def build_rows(records):
	"""-> {experiment: [Row]} sorted for reading, with speedup and bound ratios."""
	by_exp = {}
	for r in timed(records):
		by_exp.setdefault(r["experiment"], {}).setdefault(row_key(r), []).append(r["ns"])
	out = {}
	for exp, groups in by_exp.items():
		rows = [Row(k, v) for k, v in groups.items()]
		_tag(rows)
		for row in rows:
			_relate(row, rows)
		out[exp] = sorted(rows, key=lambda r: (
			r.config[4], config_label(r.config), r.kind, r.size, r.page_bytes,
			r.variant != BOUND, r.variant, r.tag, r.cpus, r.threads, r.tparams))
	return out


def _tag(rows):
	"""Name, per row, the params whose values differ among its variant's rows."""
	values = {}
	for r in rows:
		for f, v in r.params:
			values.setdefault((r.variant, f), set()).add(v)
	for r in rows:
		r.tag = " ".join(f"{f}={v}" for f, v in r.params if len(values[(r.variant, f)]) > 1)


def _relate(row, rows):
	"""Speedup over 1 thread (same vCPUs if measured, else the fewest) and the
	ratio of times to the bound at the same config, vCPUs, size and threads:
	x bound = this time / bound time for every experiment, bandwidth ones too
	(1.00 = at the bound, above = slower)."""
	ones = [r for r in rows if r.threads == 1 and r.same_measure(row)]
	base = min(ones, key=lambda r: (r.cpus != row.cpus, r.cpus), default=None)
	if base is not None and row.median:
		row.speedup = base.median / row.median
	if row.variant == BOUND:
		return
	bounds = [r for r in rows if r.variant == BOUND and r.median and
		  (r.config, r.cpus, r.kind, r.size, r.page_bytes, r.threads) ==
		  (row.config, row.cpus, row.kind, row.size, row.page_bytes, row.threads)]
	# The bound that ran as many threads as this row, if it says.
	bounds.sort(key=lambda r: r.tparams != row.tparams)
	if bounds:
		row.vs_bound = row.median / bounds[0].median


# ---------------------------------------------------------------- Linux reference


def linux_key(rec):
	qd = rec.get("qemu", {})
	return (qd.get("mem_bytes"), qd.get("cpus"), qd.get("numa", "none"))


def linux_reference(run_dir, records):
	"""{(mem_bytes, cpus, numa): (median ns, source run)} from this run's linux
	lines, else from the newest other run under the same results root."""
	ref = {}

	def add(recs, source):
		found = {}
		for r in recs:
			if r.get("experiment") == LINUX_EXP and isinstance(r.get("ns"), (int, float)):
				found.setdefault(linux_key(r), []).append(r["ns"])
		for k, v in found.items():
			ref.setdefault(k, (statistics.median(v), source))

	add(records, "this run")
	root = Path(run_dir).resolve().parent
	for other in sorted((d for d in root.iterdir() if d.is_dir() and not d.is_symlink()
			     and d.resolve() != Path(run_dir).resolve()), reverse=True):
		try:
			add(q.read_jsonl(other / "results.jsonl"), other.name)
		except q.QemuError:
			continue
	return ref


def attach_linux(rows_by_exp, ref):
	"""Cold memmap rows that use every vCPU get vs_linux = median / Linux median:
	Linux's figure is a cold one (a memmap nothing touched since boot), so only
	parinit's cold runs compare like with like."""
	for row in rows_by_exp.get("memmap", []):
		if row.threads != row.cpus or not row.variant.endswith(COLD_SUFFIX):
			continue
		hit = ref.get((row.config[4], row.cpus, row.config[5]))
		if hit and hit[0]:
			row.vs_linux = row.median / hit[0]


def attach_bound64(rows_by_exp):
	"""Warm memdesc rows get vs_bound64 = median / median of run=memmap's warm
	bound (the 64-byte memmap's bytes filled) at the same config, vCPUs and
	threads: issue 15's yardstick for the compact layouts (docs/memdesc.md)."""
	bounds = {(r.config, r.cpus, r.threads): r.median for r in rows_by_exp.get("memmap", [])
		  if r.variant == BOUND and r.median}
	for row in rows_by_exp.get("memdesc", []):
		b = bounds.get((row.config, row.cpus, row.threads))
		if b and not row.variant.endswith(COLD_SUFFIX):
			row.vs_bound64 = row.median / b


# ---------------------------------------------------------------- summary.md


def ms(ns):
	return f"{ns / 1e6:.3f}" if ns < 1e9 else f"{ns / 1e6:.1f}"


def ratio(x):
	return "-" if x is None else f"{x:.2f}x"


def md_table(header, rows):
	out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
	out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
	return "\n".join(out)


def experiment_table(exp, rows):
	configs = sorted({config_label(r.config) for r in rows})
	lines = [f"## {exp}", ""]
	if len(configs) == 1:
		where = "Machine" if rows[0].config[1] == "import" else "QEMU"
		lines += [f"{where}: {configs[0]}", ""]
	header = (["config"] if len(configs) > 1 else []) + \
		["vCPUs", "variant", "size", "threads", "n", "median ms", "min-max ms", "rate",
		 "speedup", "× bound"] + (["vs Linux"] if exp == "memmap" else []) + \
		(["× bound64"] if exp == "memdesc" else [])
	body = []
	for r in rows:
		cells = ([config_label(r.config)] if len(configs) > 1 else []) + \
			[r.cpus, r.label(), r.size_label(), r.threads_label(), r.n, ms(r.median),
			 f"{ms(r.min)}-{ms(r.max)}", r.rate(), ratio(r.speedup), ratio(r.vs_bound)]
		if exp == "memmap":
			cells.append(ratio(r.vs_linux))
		if exp == "memdesc":
			cells.append(ratio(r.vs_bound64))
		body.append(cells)
	lines.append(md_table(header, body))
	return "\n".join(lines)


def cases_table(cases):
	body = [[c.get("case", "?"), c.get("status", "?"), f"{c.get('wall_s', 0):.1f}",
		 c.get("results", 0), f"[log]({c.get('log', '')})"] for c in cases]
	return md_table(["case", "status", "wall s", "results", "log"], body)


COLUMN_NOTES = """\
Columns: n = samples (in-guest reps x boots; results with verified=false are left
out); a row is one config, vCPU count, variant, size, page size, threads and every
parameter that tells results apart (`kernel=`, `engine=`, memdesc's `layout`; threads asked vs run as
"2 (1 run)"); rate = ns per 4 KiB page, GB/s (bytes/ns) or ns per job unit; speedup =
median at 1 thread / median (same config and size); × bound = median time / median time
of variant 'bound' at the same config, size and threads, for every experiment (1.00x = at
the bound, above = slower); vs Linux = median /
Linux's deferred struct page init in the same QEMU memory size and vCPUs (from
tools/compare-linux), shown for cold rows (first run of a boot, like Linux's)
that use every vCPU; a "(cold)" row is the first run of its boot; × bound64 (memdesc)
= median / median of memmap's warm bound (64 bytes a page) at the same config, vCPUs
and threads, from the same boots."""


def host_lines(meta):
	"""Where the figures come from: the host that ran QEMU (tools/bench), or
	the machine a serial capture came from (tools/import-log)."""
	if meta.get("machine") is not None:
		m = meta["machine"]
		brand = m.get("cpu_brand") or m.get("cpu_model") or "CPU model not reported"
		ram = q.human_bytes(m["ram_bytes"]) if isinstance(m.get("ram_bytes"), int) else "?"
		tsc = f", TSC {m['tsc_hz'] / 1e9:.3f} GHz" if isinstance(m.get("tsc_hz"), (int, float)) else ""
		inv = {True: " invariant", False: " not invariant"}.get(m.get("tsc_invariant"), "")
		src = meta.get("source", {})
		return [f"- machine ({meta.get('machine_label', 'imported')}, from its boot line): "
			f"{brand}, {m.get('cpus', '?')} CPUs, {m.get('nodes', '?')} node(s), {ram} RAM, "
			f"firmware {m.get('firmware', '?')}, loader {m.get('loader', '?')}{tsc}{inv}",
			f"- imported from `{Path(src.get('log', '?')).name}` (sha256 "
			f"`{str(src.get('sha256', '?'))[:16]}`, {src.get('boots', '?')} boot(s))"]
	host = meta.get("host", {})
	load = host.get("loadavg_before"), host.get("loadavg_after")
	out = f"- host: {host.get('cpu_model', '?')}, {host.get('cpus', '?')} CPUs"
	if isinstance(host.get("ram_bytes"), int):
		out += f", {q.human_bytes(host['ram_bytes'])} RAM"
	if host.get("thp"):
		out += f", THP {host['thp']}"
	out += f", {host.get('qemu', '?')}, accel {host.get('accel', 'tcg')}"
	if load[0] is not None:
		out += f", load {load[0][0]} before" + (f", {load[1][0]} after" if load[1] else "")
	return [out]


def write_summary(run_dir, records, cases, meta, rows_by_exp, ref, plots):
	lines = [f"# parinit benchmark: {meta.get('matrix', '?')}", ""]
	if meta.get("imported"):
		lines.append(f"- run: `{Path(run_dir).name}`, imported {meta['imported']}")
		lines.append(f"- kernel build: `{meta.get('commit', '?')}`")
	else:
		lines.append(f"- run: `{Path(run_dir).name}`, started {meta.get('started', '?')}, "
			     f"{meta.get('elapsed_s', '?')} s")
		lines.append(f"- commit: `{meta.get('commit', '?')}`, kernel sha256 "
			     f"`{str(meta.get('kernel_sha256', '?'))[:16]}`")
	lines += host_lines(meta)
	statuses = {}
	for c in cases:
		statuses[c.get("status", "?")] = statuses.get(c.get("status", "?"), 0) + 1
	lines.append("- cases: " + (", ".join(f"{v} {k}" for k, v in sorted(statuses.items())) or "none"))
	if meta.get("description"):
		lines.append(f"- matrix: {meta['description']}")
	if ref:
		src = sorted({v[1] for v in ref.values()})
		lines.append(f"- Linux reference: {', '.join(src)}")
	lines.append("")
	if not rows_by_exp:
		lines += ["No timed results.", ""]
	for exp in sorted(rows_by_exp, key=lambda e: (e == LINUX_EXP, e)):
		lines += [experiment_table(exp, rows_by_exp[exp]), ""]
		mine = [p for p in plots if p.startswith(exp + "-")]
		if mine:
			lines.append("Plots: " + ", ".join(f"[{p}](plots/{p}.svg)" for p in mine))
			lines.append("")
	lines += [COLUMN_NOTES, ""]
	bad = [c for c in cases if c.get("status") != q.PASS]
	if bad:
		lines += ["## Cases that did not pass", "", cases_table(bad), ""]
	lines += ["## All cases", "", cases_table(cases), ""]
	(Path(run_dir) / "summary.md").write_text("\n".join(lines))


# ---------------------------------------------------------------- plots


def slug(text):
	return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")


def gp_str(text):
	return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _terminals(name):
	return [f"set terminal svg size {PLOT_SIZE} dynamic enhanced font 'sans,11' background rgb 'white'",
		f"set output {gp_str(name + '.svg')}", "{plot}",
		f"set terminal {png_terminal()} size {PLOT_SIZE}",
		f"set output {gp_str(name + '.png')}", "replot"]


_png = None


def png_terminal():
	"""'pngcairo' when this gnuplot has it, else the libgd 'png'."""
	global _png
	if _png is None:
		_png = "png"
		if shutil.which("gnuplot"):
			p = subprocess.run(["gnuplot", "-e", "set terminal pngcairo"], capture_output=True)
			if p.returncode == 0 and not p.stderr.strip():
				_png = "pngcairo"
	return _png


def series_of(rows):
	"""rows of one plot group -> {label: [Row sorted by threads]}.

	A series is a variant at one vCPU count; when every (variant, vCPUs)
	pair has a single thread count (a vCPU sweep at threads=max) the vCPU
	counts of a variant are merged into one series."""
	by = {}
	for r in rows:
		by.setdefault((r.label(), r.cpus), []).append(r)
	cpus = {c for _, c in by}
	if len(cpus) > 1 and all(len({r.threads for r in v}) == 1 for v in by.values()):
		merged = {}
		for (variant, _), v in by.items():
			merged.setdefault(variant, []).extend(v)
		return {k: sorted(v, key=lambda r: r.threads) for k, v in sorted(merged.items())}
	out = {}
	for (variant, c), v in sorted(by.items()):
		label = variant if len(cpus) == 1 else f"{variant} ({c} vCPUs)"
		out[label] = sorted(v, key=lambda r: r.threads)
	return out


def plot_groups(rows):
	"""-> {(config, kind, size, page_bytes): [Row]} with two or more thread counts.
	Cold rows stay in the tables but out of the plots (one sample each, and an
	order of magnitude off the warm scale)."""
	groups = {}
	for r in rows:
		if r.variant.endswith(COLD_SUFFIX):
			continue
		groups.setdefault((r.config, r.kind, r.size, r.page_bytes), []).append(r)
	return {k: v for k, v in groups.items() if len({r.threads for r in v}) >= 2}


def write_group_plots(plots_dir, exp, gkey, rows, used_names):
	"""Time/bandwidth and speedup plots of one group -> [plot names]."""
	config, kind, size, page_bytes = gkey
	first = rows[0]
	size_name = q.format_size(size * PAGE_BYTES if kind == "pages" else size) if kind != "units" \
		else f"{size}u"
	name = slug(f"{exp}-{q.format_size(config[4])}" + (f"-{size_name}" if kind else "")
		    + (f"-p{q.format_size(page_bytes)}" if page_bytes else ""))
	if config[0] != "bios" or config[5] != "none":
		name += "-" + slug(config[0] + ("-numa" if config[5] != "none" else ""))
	if name in used_names:
		name += "-" + hashlib.sha256(repr(gkey).encode()).hexdigest()[:6]
	used_names.add(name)
	series = series_of(rows)
	bandwidth = kind == "bytes"
	title = f"{exp}, {first.size_label()}, {config_label(config)}"
	threads = sorted({r.threads for r in rows})
	dat = []
	for label, srs in series.items():
		dat.append(f"# {label}")
		base = next((r.median for r in srs if r.threads == 1), None)
		for r in srs:
			if bandwidth:
				val, lo, hi = size / r.median, size / r.max, size / r.min
			else:
				val, lo, hi = r.median / 1e6, r.min / 1e6, r.max / 1e6
			sp = base / r.median if base else float("nan")
			dat.append(f"{r.threads} {val:.6g} {lo:.6g} {hi:.6g} {sp:.6g}")
		dat += ["", ""]
	(plots_dir / f"{name}.dat").write_text("\n".join(dat))
	xtics = "set xtics (" + ", ".join(str(t) for t in threads) + ")"
	common = [f"set title {gp_str(title)} noenhanced", "set xlabel 'threads'", "set grid",
		  "set key left top noenhanced", xtics, f"set xrange [0.5:{threads[-1] + 0.5}]"]
	plotted = []
	ylabel = "bandwidth (GB/s)" if bandwidth else "time (ms, median; bars min-max)"
	parts = [f"{gp_str(name + '.dat')} index {i} using 1:2:3:4 with yerrorlines lw 2 title {gp_str(lab)}"
		 for i, lab in enumerate(series)]
	_write_gp(plots_dir, f"{name}-time", common + [f"set ylabel '{ylabel}'", "set yrange [0:*]"],
		  "plot " + ", \\\n     ".join(parts))
	plotted.append(f"{name}-time")
	if any(any(r.threads == 1 for r in s) for s in series.values()):
		parts = [f"{gp_str(name + '.dat')} index {i} using 1:5 with linespoints lw 2 title {gp_str(lab)}"
			 for i, lab in enumerate(series) if any(r.threads == 1 for r in series[lab])]
		parts.append("x with lines dt 2 lc rgb 'gray' title 'ideal'")
		_write_gp(plots_dir, f"{name}-speedup",
			  common + ["set ylabel 'speedup over 1 thread'", f"set yrange [0:{threads[-1] + 0.5}]"],
			  "plot " + ", \\\n     ".join(parts))
		plotted.append(f"{name}-speedup")
	return plotted


def _write_gp(plots_dir, name, settings, plot_cmd):
	script = [f"# {name}: re-draw with  cd {plots_dir.name} && gnuplot {name}.gp"]
	for line in _terminals(name):
		script += settings + [plot_cmd] if line == "{plot}" else [line]
	(plots_dir / f"{name}.gp").write_text("\n".join(script) + "\n")


def gantt_records(records, exp):
	"""{variant: the record of exp and variant with the most threads_detail
	entries (then the largest size, then the most chunks)}."""
	best = {}
	for r in records:
		det = r.get("threads_detail")
		if r.get("experiment") != exp or not isinstance(det, list) or not det:
			continue
		if not all(isinstance(d, dict) and "t_start" in d and "t_end" in d for d in det):
			continue
		score = (len(det), size_of(r)[1], sum(d.get("chunks", 0) for d in det))
		v = str(r.get("variant", "-"))
		if v not in best or score > best[v][0]:
			best[v] = (score, r)
	return {v: best[v][1] for v in sorted(best)[:MAX_GANTTS]}


def write_gantt(plots_dir, exp, rec):
	det = rec["threads_detail"]
	t0 = min(d["t_start"] for d in det)
	name = slug(f"{exp}-{rec.get('variant', '-')}-gantt")
	lines = ["# row cpu start_ms end_ms busy_end_ms chunks units"]
	for i, d in enumerate(det):
		start = (d["t_start"] - t0) / 1e6
		end = (d["t_end"] - t0) / 1e6
		busy = start + d.get("busy_ns", d["t_end"] - d["t_start"]) / 1e6
		lines.append(f"{i} {d.get('cpu', i)} {start:.6g} {end:.6g} {busy:.6g} "
			     f"{d.get('chunks', 0)} {d.get('units', 0)}")
	(plots_dir / f"{name}.dat").write_text("\n".join(lines) + "\n")
	span = max(max(d["t_end"] for d in det) - t0, 1) / 1e6
	kind, size = size_of(rec)
	what = f"{rec.get('variant', '?')}, {rec.get('threads', len(det))} threads"
	if kind in ("pages", "bytes"):
		what += f", {q.human_bytes(size * PAGE_BYTES if kind == 'pages' else size)}"
	elif kind:
		what += f", {size} units"
	title = f"{exp} per-thread timeline: {what}, {config_label(config_key(rec))}"
	ytics = "set ytics (" + ", ".join(f"'cpu {d.get('cpu', i)}' {i}" for i, d in enumerate(det)) + ")"
	settings = [f"set title {gp_str(title)} noenhanced", "set xlabel 'time since first start (ms)'",
		    ytics, f"set yrange [-0.6:{len(det) - 0.4}]", "set grid x",
		    f"set xrange [0:{span * GANTT_LABEL_ROOM:.6g}]",
		    "set key outside bottom center horizontal", "set style fill solid 1.0 border -1"]
	plot_cmd = (f"plot {gp_str(name + '.dat')} using (($3+$4)/2):1:3:4:($1-0.35):($1+0.35) "
		    "with boxxyerror lc rgb '#9ecae1' title 'start to end', \\\n"
		    f"     {gp_str(name + '.dat')} using (($3+$5)/2):1:3:5:($1-0.15):($1+0.15) "
		    "with boxxyerror lc rgb '#08519c' title 'busy (total, from start)', \\\n"
		    f"     {gp_str(name + '.dat')} using 4:1:(sprintf(' %d chunk(s)', $6)) with labels left "
		    "notitle")
	_write_gp(plots_dir, name, settings, plot_cmd)
	return name


def run_gnuplot(plots_dir, names):
	"""Render each <name>.gp; -> [problems]."""
	if not shutil.which("gnuplot"):
		return ["gnuplot not found: wrote .gp and .dat only (tools/deps bench installs gnuplot-nox)"]
	problems = []
	for name in names:
		try:
			p = subprocess.run(["gnuplot", f"{name}.gp"], cwd=plots_dir, capture_output=True,
					   text=True, timeout=GNUPLOT_TIMEOUT)
		except subprocess.TimeoutExpired:
			problems.append(f"gnuplot {name}.gp: timed out")
			continue
		if p.returncode != 0 or not (plots_dir / f"{name}.svg").exists():
			problems.append(f"gnuplot {name}.gp failed: {p.stderr.strip()[-300:]}")
	return problems


def make_plots(run_dir, records, rows_by_exp):
	plots_dir = Path(run_dir) / "plots"
	plots_dir.mkdir(exist_ok=True)
	names, used = [], set()
	for exp, rows in sorted(rows_by_exp.items()):
		groups = list(plot_groups(rows).items())[:MAX_PLOT_GROUPS]
		for gkey, grows in groups:
			names += write_group_plots(plots_dir, exp, gkey, grows, used)
		for rec in gantt_records(records, exp).values():
			names.append(write_gantt(plots_dir, exp, rec))
	return names, run_gnuplot(plots_dir, names) if names else []


# ---------------------------------------------------------------- entry points


def report(run_dir, plots=True):
	"""(Re)write summary.md and plots/ of run_dir; -> [notes for the user]."""
	run_dir = Path(run_dir)
	records = q.read_jsonl(run_dir / "results.jsonl")
	cases = q.read_jsonl(run_dir / "cases.jsonl")
	try:
		meta = json.loads((run_dir / "meta.json").read_text())
	except (OSError, ValueError):
		meta = {}
	import results        # here: results imports this module
	results.write_csv(run_dir, records)
	rows_by_exp = build_rows(records)
	ref = linux_reference(run_dir, records)
	attach_linux(rows_by_exp, ref)
	attach_bound64(rows_by_exp)
	names, notes = ([], [])
	if plots:
		names, notes = make_plots(run_dir, records, rows_by_exp)
	write_summary(run_dir, records, cases, meta, rows_by_exp, ref, names)
	if names:
		notes.append(f"{len(names)} plots in {run_dir / 'plots'}")
	return notes


def main(argv=None):
	ap = argparse.ArgumentParser(
		description="Re-make summary.md and plots/ of a benchmark run from its results.jsonl.",
		epilog="Example: python3 tools/plot.py results/latest")
	ap.add_argument("run_dir", help="a results/<timestamp>/ directory")
	ap.add_argument("--no-plots", action="store_true", help="only summary.md")
	args = ap.parse_args(argv)
	run_dir = Path(args.run_dir)
	if not (run_dir / "results.jsonl").is_file():
		print(f"plot.py: {run_dir} has no results.jsonl", file=sys.stderr)
		return 2
	try:
		start = time.monotonic()
		for note in report(run_dir, plots=not args.no_plots):
			print(f"plot.py: {note}")
	except q.QemuError as e:
		print(f"plot.py: {e}", file=sys.stderr)
		return 2
	print(f"plot.py: wrote {run_dir / 'summary.md'} ({time.monotonic() - start:.1f} s)")
	return 0


if __name__ == "__main__":
	sys.exit(main())
