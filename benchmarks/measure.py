"""What every benchmark needs: percentiles, a process's resident memory, the machine's stamp,
and a way to run a measurement in a fresh Python process.

Measurements that import heavy libraries (TensorFlow) or time an import run in their own
process, so one library's threads, caches and memory never leak into another's figures.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent
"""Children run from here; this module stays free of NumPy and the recognizer on purpose,
because the import-time children import it before what they time."""

CHILD_TIMEOUT_SECONDS = 600


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50/p99/mean of milliseconds (or any unit), rounded for a table."""
    if len(values) == 1:
        only = round(float(values[0]), 2)
        return {"p50": only, "p99": only, "mean": only}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(float(cuts[49]), 2),
        "p99": round(float(cuts[98]), 2),
        "mean": round(statistics.fmean(values), 2),
    }


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory from /proc/PID/status (VmRSS): what the kernel charges the process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS line for process {pid}")


def cpu_seconds(pid: int | str = "self") -> float:
    """User plus system CPU time a process has used, from /proc/PID/stat (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> dict[str, object]:
    """Core count and date go with every figure: the goals are stated for a 2-core server."""
    return {
        "cores": len(os.sched_getaffinity(0)),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }


def run_child(module: str, arguments: Sequence[str] = ()) -> dict:
    """Run ``python -m module arguments`` in a fresh process; it prints one JSON object last."""
    done = subprocess.run(
        [sys.executable, "-m", module, *arguments],
        cwd=_REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{module} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
