"""What the benchmarks share to print their figures and write them into
``docs/performance.md``.

Each benchmark that takes ``--write-docs`` replaces, in docs/performance.md, the text
between its two markers ``<!-- bench:<name>:start -->`` and ``<!-- bench:<name>:end -->``
with what it measured (the markers stay; the prose around them is written by hand).
A block that is missing is appended at the end of the page, under its own heading, so a
new benchmark never fails for want of a marker.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import re
import statistics
from collections.abc import Sequence
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def start_marker(name: str) -> str:
    return f"<!-- bench:{name}:start -->"


def end_marker(name: str) -> str:
    return f"<!-- bench:{name}:end -->"


def replace_block(text: str, name: str, body: str, heading: str | None = None) -> str:
    """``text`` with the block ``name`` holding ``body`` (appended when it is missing)."""
    start, end = start_marker(name), end_marker(name)
    block = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _match: block, text, count=1)
    title = f"## {heading}\n\n" if heading else ""
    return f"{text.rstrip()}\n\n{title}{block}\n"


def write_block(name: str, body: str, heading: str | None = None, path: Path = DOCS) -> None:
    """Replace the block ``name`` of docs/performance.md with ``body``."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    path.write_text(replace_block(text, name, body, heading), encoding="utf-8")
    print(f"wrote the block “{name}” of {path}")


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0.95 for p95); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * fraction) - 1)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def ms(seconds: float) -> str:
    """Milliseconds the way docs/performance.md writes them (a decimal comma)."""
    value = seconds * 1000
    return number(value, 0 if value >= 100 else 1)


def number(value: float, digits: int = 1) -> str:
    """A number with a decimal comma and dots between thousands (Vietnamese style)."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def integer(value: int) -> str:
    """1.234 (dots between thousands)."""
    return f"{value:,}".replace(",", ".")


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> str:
    """One line: cores, memory, CPU model, Python, the time, the load average."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kib = 0
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem_kib / 2**20:.0f} GiB, Python "
        f"{platform.python_version()}; {now}, load average {load_average()} (1, 5, 15 min)"
    )


def write_printed(
    name: str, command: str, printed: str, heading: str | None = None, markdown: bool = False
) -> None:
    """The block ``name``: the machine now, the command, and what the benchmark printed
    (as it is when ``markdown``, else in a text block)."""
    shown = printed.strip() if markdown else f"```text\n{printed.strip()}\n```"
    write_block(name, f"Machine: {machine()}.\n\n```sh\n{command}\n```\n\n{shown}", heading)
