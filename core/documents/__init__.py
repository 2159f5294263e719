"""Official documents: PDFs in the layout of Decree 30/2020, rendered in the background.

- ``registry``: the kinds of document the apps produce (``register_document_kind``);
- ``render``: ``render_pdf(template, context)`` with WeasyPrint and the safe fetcher;
- ``fetcher``: the only door through which WeasyPrint may read anything;
- ``jobs``: ``job_request`` / ``job_run`` / ``latest_job`` — the job row is the truth;
- ``views``: the job page (polled) and the download.
"""

import logging

# WeasyPrint narrates every step (even parsing its own stylesheets on import) at
# INFO; the worker's log and the management commands want only its problems.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
