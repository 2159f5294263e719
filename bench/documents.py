"""How long a document takes to render, and how much memory it needs.

    python -m bench.documents                 # the demo's Bắc Ninh 2023 covenant
    python -m bench.documents -n 20 --kind example
    python -m bench.documents --kind covenant --object covenants.covenant:3

Renders one registered document kind N times in this process, the way a worker
does (the kind's renderer, then the PAdES signature when the document asks for
one), and prints the wall time per render (median, p95, max), the CPU time, and
the peak resident memory (``resource.getrusage``). The first render is reported
apart: it pays for loading WeasyPrint's fonts and caches, which a long-lived
worker does once. Nothing is kept: the job row lives in a transaction that is
rolled back at the end.

Uses the configured database (``DATABASE_URL``; the demo's SQLite by default):
run ``manage.py load_demo`` first for the covenant.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


@dataclass
class Run:
    render: float
    sign: float
    cpu: float
    size: int
    pages: int


@dataclass
class Result:
    kind: str
    subject: str
    runs: list[Run] = field(default_factory=list)
    rss_before_kib: int = 0
    rss_peak_kib: int = 0


def _rss_peak_kib() -> int:
    # Linux reports kibibytes (macOS bytes; this runs on Linux).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _pages(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])


def _any_object() -> Any:
    """Something for the example document to be about (it prints only its name)."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import DocumentJob

    return ContentType.objects.get_for_model(DocumentJob)


def _default_target() -> tuple[str, Any]:
    """The demo's Bắc Ninh 2023 covenant if it is there, else the example document."""
    from core.documents.registry import registered_kinds

    if "covenant" in registered_kinds():
        from covenants.models import Covenant

        covenant = (
            Covenant.objects.filter(
                cluster_year__year=2023, cluster_year__cluster__organizer__name__contains="Bắc Ninh"
            )
            .order_by("-version")
            .first()
        )
        if covenant is not None:
            return "covenant", covenant
    return "example", _any_object()


def _object(spec: str) -> Any:
    """The object named "app_label.model:pk"."""
    from django.contrib.contenttypes.models import ContentType

    model, _, pk = spec.partition(":")
    app_label, _, model_name = model.partition(".")
    content_type = ContentType.objects.get(app_label=app_label, model=model_name.lower())
    return content_type.get_object_for_this_type(pk=pk)


def _scope_id(obj: Any) -> int | None:
    try:
        return obj.cluster_year.cluster.organizer_id
    except AttributeError:
        return None


def measure(kind_name: str, obj: Any, runs: int, *, sign: bool = True) -> Result:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from core.documents.jobs import new_verification_code
    from core.documents.registry import document_kind
    from core.models import DocumentJob

    kind = document_kind(kind_name)
    result = Result(kind=kind_name, subject=str(obj), rss_before_kib=_rss_peak_kib())
    with transaction.atomic():
        job = DocumentJob.objects.create(
            kind=kind_name,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            scope_id=_scope_id(obj),
            verification_code=new_verification_code(),
        )
        for _ in range(runs):
            cpu_start = time.process_time()
            start = time.perf_counter()
            rendered = kind.render(job)
            rendered_at = time.perf_counter()
            pdf = rendered.pdf
            if sign and rendered.sign_for_organizer_id is not None:
                from core.documents.signing import sign_pdf

                pdf = sign_pdf(
                    pdf,
                    organizer_id=rendered.sign_for_organizer_id,
                    signers=rendered.signers,
                    reason=rendered.signature_reason,
                    location=rendered.signature_location,
                )
            signed_at = time.perf_counter()
            result.runs.append(
                Run(
                    render=rendered_at - start,
                    sign=signed_at - rendered_at,
                    cpu=time.process_time() - cpu_start,
                    size=len(pdf),
                    pages=_pages(rendered.pdf),
                )
            )
        transaction.set_rollback(True)
    result.rss_peak_kib = _rss_peak_kib()
    return result


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def report(result: Result) -> str:
    first, warm = result.runs[0], result.runs[1:] or result.runs[:1]
    lines = [
        f"kind: {result.kind}  —  {result.subject}",
        f"renders: {len(result.runs)} (the first, cold, reported apart; the rest warm)",
        f"PDF: {warm[-1].pages} pages, {warm[-1].size / 1024:.0f} KiB",
        "",
        f"{'seconds':<18}{'first':>8}{'median':>9}{'p95':>9}{'max':>9}",
    ]
    columns = [("render", "render"), ("sign", "sign"), ("cpu", "cpu (render+sign)")]
    for attribute, label in columns:
        values = [getattr(run, attribute) for run in warm]
        lines.append(
            f"{label:<18}{getattr(first, attribute):>8.3f}{statistics.median(values):>9.3f}"
            f"{_p95(values):>9.3f}{max(values):>9.3f}"
        )
    totals = [run.render + run.sign for run in warm]
    lines.append(
        f"{'wall (render+sign)':<18}{first.render + first.sign:>8.3f}"
        f"{statistics.median(totals):>9.3f}{_p95(totals):>9.3f}{max(totals):>9.3f}"
    )
    lines += [
        "",
        f"peak RSS: {result.rss_peak_kib / 1024:.0f} MiB "
        f"(before the first render: {result.rss_before_kib / 1024:.0f} MiB)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.documents", description=__doc__)
    parser.add_argument("-n", "--runs", type=int, default=10, help="renders (default 10)")
    parser.add_argument("--kind", help="a registered document kind (default: covenant)")
    parser.add_argument("--object", help='what the document is about: "app_label.model:pk"')
    parser.add_argument(
        "--no-sign", action="store_true", help="skip the PAdES signature even when asked for"
    )
    parser.add_argument(
        "--write-docs", action="store_true", help="write the block bench:documents-<kind>"
    )
    args = parser.parse_args(argv)
    _setup_django()

    if args.object:
        kind, obj = args.kind or "example", _object(args.object)
    elif args.kind == "example":
        kind, obj = "example", _any_object()
    else:
        kind, obj = _default_target()
        if args.kind and not (kind == "covenant" and args.kind.startswith("covenant")):
            parser.error("--object is needed with --kind")
        kind = args.kind or kind
    result = measure(kind, obj, max(1, args.runs), sign=not args.no_sign)
    print(report(result))
    if args.write_docs:
        from bench.report import write_printed

        write_printed(
            f"documents-{kind}",
            f".venv/bin/python -m bench.documents -n {args.runs} --kind {kind}"
            + ("  # target ≤ 2 s" if kind.startswith("covenant") else ""),
            report(result),
            heading=f"Document “{kind}”, as last measured by make bench",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
