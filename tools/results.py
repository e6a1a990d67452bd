#!/usr/bin/env python3
"""results.py: results directories that leave the machine and come back.

- write_csv: results.csv next to results.jsonl (one row per record, nested
  fields flattened as qemu.mem, lists kept as JSON text);
- host_meta: what meta.json says about the host that ran QEMU (CPU model,
  cores, RAM, load average, transparent huge pages, QEMU and accelerator,
  project commit);
- import_log: a serial capture from anywhere (bare metal over PXE, someone
  else's QEMU, KVM) -> a results directory like tools/bench's, the machine
  described by the kernel's boot line;
- compare: two results directories -> per shared row, median A, median B,
  B/A, and whether the min-max ranges overlap (within noise).

Used by tools/bench, tools/import-log and tools/bench-compare.
"""

import csv
import hashlib
import json
import os
import re
import time
from pathlib import Path

import qemulib as q
import plot

THP_FILE = Path("/sys/kernel/mm/transparent_hugepage/enabled")
COMPARE_TITLE = "# bench-compare"


# ---------------------------------------------------------------- results.csv


def flatten(rec, prefix=""):
	"""{'a': 1, 'qemu': {'mem': '4G'}, 'l': [1]} -> {'a': 1, 'qemu.mem': '4G', 'l': '[1]'}."""
	out = {}
	for k, v in rec.items():
		name = f"{prefix}{k}"
		if isinstance(v, dict):
			out |= flatten(v, name + ".")
		elif isinstance(v, list):
			out[name] = json.dumps(v, separators=(",", ":"))
		else:
			out[name] = v
	return out


def write_csv(run_dir, records):
	"""results.csv: the union of every record's (flattened) fields, in the
	order first seen; a record without a field leaves it empty."""
	rows = [flatten(r) for r in records]
	fields = list(dict.fromkeys(k for r in rows for k in r))
	path = Path(run_dir) / "results.csv"
	with open(path, "w", newline="") as f:
		w = csv.DictWriter(f, fieldnames=fields, restval="")
		w.writeheader()
		for r in rows:
			w.writerow({k: json.dumps(v) if isinstance(v, bool) or v is None else v
				    for k, v in r.items()})
	return path


# ---------------------------------------------------------------- meta.json


def _read(path):
	try:
		return Path(path).read_text()
	except OSError:
		return ""


def cpu_model():
	m = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.M)
	return m.group(1).strip() if m else "unknown"


def ram_bytes():
	m = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
	return int(m.group(1)) * 1024 if m else None


def thp_mode():
	"""'always', 'madvise' or 'never' (the bracketed word), None if unknown."""
	m = re.search(r"\[(\w+)\]", _read(THP_FILE))
	return m.group(1) if m else None


def loadavg():
	try:
		return [round(x, 2) for x in os.getloadavg()]
	except OSError:
		return None


def accelerator():
	"""The -accel argument tools/qemulib gives QEMU (read from the argv it builds)."""
	argv = q.build_command(q.Config().validate(), Path("x.iso"), Path("serial.log"))
	return argv[argv.index("-accel") + 1] if "-accel" in argv else "default"


def host_meta():
	"""The host that runs QEMU, for meta.json's "host" (load average: before)."""
	return {"cpu_model": cpu_model(), "cpus": os.cpu_count(),
		"cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
		"ram_bytes": ram_bytes(), "loadavg_before": loadavg(), "thp": thp_mode(),
		"uname": " ".join(os.uname()), "qemu": q.qemu_version(), "accel": accelerator(),
		"commit": q.git_commit()}


# ---------------------------------------------------------------- import


def _is_boot_line(line):
	recs, _ = q.parse_serial(line)
	return bool(recs) and recs[0].get("experiment") == "boot"


def split_boots(text):
	"""Serial text -> [(segment text, records, bad JSON lines)], one per boot:
	a new segment starts at every {"experiment":"boot"} line after the first
	(a capture of a machine that rebooted holds several). Text before the
	first boot line stays with the first boot."""
	segments, cur, has_boot = [], [], False
	for line in text.splitlines(keepends=True):
		if _is_boot_line(line):
			if has_boot:
				segments.append("".join(cur))
				cur = []
			has_boot = True
		cur.append(line)
	if cur:
		segments.append("".join(cur))
	return [(seg, *q.parse_serial(seg)) for seg in segments]


def machine_config(boot, label):
	"""The imported machine as a 'qemu' block, so summaries and comparisons
	group it like a QEMU configuration: boot = 'import', machine = label."""
	ram = boot.get("ram_bytes") or 0
	mem = (ram + (1 << 20) - 1) >> 20 << 20      # whole MiB for the label
	nodes = boot.get("nodes") or 1
	brand = boot.get("cpu_brand") or boot.get("cpu_model") or boot.get("cpu") or "?"
	return {"firmware": boot.get("firmware", "?"), "boot": "import", "machine": label,
		"cpu": str(brand), "mem": q.format_size(mem) if mem else "?", "mem_bytes": mem,
		"smp": str(boot.get("cpus", "?")), "cpus": boot.get("cpus", 0), "nodes": nodes,
		"numa": "none" if nodes <= 1 else f"{nodes} nodes", "extra": []}


def boot_status(text):
	v = q.verdict(text)
	return {"PASS": q.PASS, "FAIL": q.FAIL}.get(v, "NO VERDICT")


def machine_description(boot):
	"""The boot line's scalar fields (and the node list) minus 'experiment'."""
	return {k: v for k, v in boot.items() if k != "experiment"}


def new_import_dir(root, log):
	stem = re.sub(r"[^A-Za-z0-9.-]+", "-", Path(log).stem).strip("-") or "log"
	base = Path(root) / f"{time.strftime('%Y%m%d-%H%M%S')}-import-{stem}"
	d, n = base, 1
	while d.exists():
		n += 1
		d = Path(f"{base}-{n}")
	(d / "logs").mkdir(parents=True)
	(d / "plots").mkdir()
	ignore = Path(root) / ".gitignore"
	if not ignore.exists():
		ignore.write_text(q.RESULTS_IGNORE)
	return d


def import_log(log, root=q.RESULTS, label="imported", plots=True):
	"""A serial capture -> results directory; -> (run_dir, notes)."""
	log = Path(log)
	raw = log.read_bytes()
	text = raw.decode("utf-8", errors="replace")
	boots = split_boots(text)
	if not any(q.boot_record(recs) for _, recs, _ in boots):
		raise q.QemuError(f"{log}: no {{\"experiment\":\"boot\",...}} line: not a parinit "
				  "serial log (or the capture started too late)")
	run_dir = new_import_dir(root, log)
	first_boot = None
	for i, (seg, recs, bad) in enumerate(boots):
		boot = q.boot_record(recs) or {}
		first_boot = first_boot or boot
		case = f"import-b{i}"
		(run_dir / "logs" / f"{case}.log").write_text(seg)
		qemu = machine_config(boot, label)
		more = {"case": case, "qemu": qemu, "cmdline": boot.get("options", boot.get("cmdline", "")),
			"commit": boot.get("build_id", boot.get("commit", "unknown")), "matrix": "import",
			"section": "import", "boot_index": i, "status": boot_status(seg)}
		out = []
		for r in recs:
			r = dict(r)
			for k, v in more.items():
				r["_" + k if k in r else k] = v
			out.append(r)
		q.append_jsonl(run_dir / "results.jsonl", out)
		q.append_jsonl(run_dir / "cases.jsonl", [{
			"case": case, "boot_index": i, "qemu": qemu, "cmdline": more["cmdline"],
			"status": more["status"], "results": len(q.result_records(recs)),
			"bad_json": len(bad), "verdict": q.verdict(seg), "wall_s": 0,
			"log": f"logs/{case}.log"}])
	meta = {"matrix": "import", "description": f"serial capture {log.name}",
		"source": {"log": str(log.resolve()), "bytes": len(raw),
			   "sha256": hashlib.sha256(raw).hexdigest(), "boots": len(boots)},
		"commit": first_boot.get("build_id", first_boot.get("commit", "unknown")),
		"machine": machine_description(first_boot), "machine_label": label,
		"imported": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
		"imported_on": {"uname": " ".join(os.uname()), "commit": q.git_commit()}}
	(run_dir / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
	notes = plot.report(run_dir, plots=plots)
	return run_dir, notes


# ---------------------------------------------------------------- compare


def load_rows(run_dir):
	"""results dir -> {(experiment, row key): Row}."""
	recs = q.read_jsonl(Path(run_dir) / "results.jsonl")
	return {(exp, r.key): r for exp, rows in plot.build_rows(recs).items() for r in rows}


def _without_config(key):
	exp, k = key
	return exp, (None,) + k[1:]


def match_rows(a, b):
	"""-> ([(key, row A, row B)], note). Rows match on every key field; when
	nothing matches and each side has one configuration (a bare-metal import
	against a QEMU run, say), they match on everything but the configuration."""
	shared = [(k, a[k], b[k]) for k in a if k in b]
	if shared:
		return shared, ""
	ca = {r.config for r in a.values()}
	cb = {r.config for r in b.values()}
	if len(ca) == 1 and len(cb) == 1:
		bb = {_without_config(k): r for k, r in b.items()}
		shared = [(k, r, bb[_without_config(k)]) for k, r in a.items() if _without_config(k) in bb]
		if shared:
			return shared, (f"configurations differ (A: {plot.config_label(ca.pop())}, "
					f"B: {plot.config_label(cb.pop())}): rows matched on everything else")
	return [], ""


def overlap(ra, rb):
	return not (ra.max < rb.min or rb.max < ra.min)


def change(ra, rb):
	"""'within noise' when the min-max ranges overlap, else faster/slower (B vs A).
	A single sample has no range: nothing can be said about its noise."""
	if min(ra.n, rb.n) < 2:
		return "1 sample, no range"
	if overlap(ra, rb):
		return "within noise"
	return "B faster" if rb.median < ra.median else "B slower"


def compare(a_dir, b_dir):
	"""-> (header lines, table header, table rows, note, counts)."""
	a, b = load_rows(a_dir), load_rows(b_dir)
	shared, note = match_rows(a, b)
	shared.sort(key=lambda t: (t[0][0], t[1].config[4], plot.config_label(t[1].config),
				   t[1].kind, t[1].size, t[1].page_bytes, t[1].variant, t[1].tag,
				   t[1].cpus, t[1].threads, t[1].tparams))
	configs = {t[1].config for t in shared}
	header = ["experiment"] + (["config"] if len(configs) > 1 else []) + \
		["vCPUs", "variant", "size", "threads", "n A", "n B", "median A ms", "median B ms",
		 "B/A", "A min-max ms", "B min-max ms", "change"]
	body = []
	for (exp, _), ra, rb in shared:
		body.append([exp] + ([plot.config_label(ra.config)] if len(configs) > 1 else []) +
			    [ra.cpus, ra.label(), ra.size_label(), ra.threads_label(), ra.n, rb.n,
			     plot.ms(ra.median), plot.ms(rb.median),
			     f"{rb.median / ra.median:.3f}" if ra.median else "-",
			     f"{plot.ms(ra.min)}-{plot.ms(ra.max)}", f"{plot.ms(rb.min)}-{plot.ms(rb.max)}",
			     change(ra, rb)])
	counts = {"shared": len(shared), "only_a": len(a) - len(shared), "only_b": len(b) - len(shared),
		  "noise": sum(1 for _, ra, rb in shared if change(ra, rb) == "within noise")}
	return header, body, note, counts


def describe_run(run_dir):
	try:
		meta = json.loads((Path(run_dir) / "meta.json").read_text())
	except (OSError, ValueError):
		meta = {}
	host = meta.get("host") or {}
	where = host.get("cpu_model") or (meta.get("machine") or {}).get("cpu_brand") or \
		meta.get("machine_label") or "?"
	return f"`{Path(run_dir).resolve().name}` ({meta.get('matrix', '?')}, commit " \
	       f"`{meta.get('commit', '?')}`, {where})"


def compare_markdown(a_dir, b_dir, header, body, note, counts):
	lines = [COMPARE_TITLE, "",
		 f"- A: {describe_run(a_dir)}", f"- B: {describe_run(b_dir)}",
		 f"- {counts['shared']} shared rows, {counts['noise']} within noise; "
		 f"{counts['only_a']} rows only in A, {counts['only_b']} only in B"]
	if note:
		lines.append(f"- {note}")
	lines += ["", plot.md_table(header, body) if body else "No shared rows.", "",
		  "B/A = median B / median A (below 1: B is faster). A change is \"within noise\" "
		  "when the min-max ranges of A and B overlap; only a change outside both ranges "
		  "says B faster or B slower; a row with one sample on either side has no range "
		  "and is not judged (more `reps=` or `boots`).", ""]
	return "\n".join(lines)
