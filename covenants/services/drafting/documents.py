"""Documents adopted with the covenant (regulations, criteria, scoring table): upload
checked by content, and removal."""

from __future__ import annotations

import io
import secrets
import zipfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify

import core.excel
from core.audit import log_action
from core.text import fold, nfc
from covenants.models import (
    AdoptedDocument,
    Covenant,
)
from covenants.services.common import lock_covenant, require_editable, scope_of
from covenants.services.messages import (
    DOCUMENT_FILE_REQUIRED,
    DOCUMENT_TOO_LARGE,
    DOCUMENT_TYPE_NOT_ALLOWED,
)

# Adopted documents -------------------------------------------------------------------

# Extension → the content kind it must have.
DOCUMENT_EXTENSIONS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".doc": "ole",
    ".xls": "ole",
}
DOCUMENT_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def document_content_kind(data: bytes) -> str | None:
    """What the bytes are: "pdf", "docx", "xlsx", "ole" (old Word/Excel) or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_OLE_MAGIC[:4]) and data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                if "[Content_Types].xml" not in names:
                    return None
                if sum(info.file_size for info in archive.infolist()) > (
                    core.excel.MAX_UNPACKED_BYTES
                ):
                    return None  # a zip bomb
                types = archive.read("[Content_Types].xml")
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
            return None
        if b"macroEnabled" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
            return None  # a .docm/.xlsm renamed: macros are never passed on to the members
        if any(name.startswith("word/") for name in names):
            return "docx"
        if any(name.startswith("xl/") for name in names):
            return "xlsx"
    return None


def _read_document(upload: IO[bytes] | None) -> tuple[bytes, str]:
    """The upload's bytes and its checked extension, or a ValidationError on "file"."""
    if upload is None:
        raise ValidationError({"file": ValidationError(DOCUMENT_FILE_REQUIRED)})
    limit = settings.MAX_UPLOAD_BYTES
    too_large = ValidationError(
        {"file": ValidationError(DOCUMENT_TOO_LARGE, params={"limit": f"{limit / 2**20:g}"})}
    )
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise too_large
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large
    extension = Path(getattr(upload, "name", "") or "").suffix.lower()
    expected = DOCUMENT_EXTENSIONS.get(extension)
    if expected is None or document_content_kind(data) != expected:
        raise ValidationError({"file": ValidationError(DOCUMENT_TYPE_NOT_ALLOWED)})
    return data, extension


def covenant_document_add(
    *, actor: Any, covenant: Covenant, kind: str, title: str, upload: IO[bytes] | None
) -> AdoptedDocument:
    """Attach a document adopted with the covenant; the file is checked by its content."""
    data, extension = _read_document(upload)
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        require_editable(covenant)
        document = AdoptedDocument(
            covenant=covenant,
            kind=kind,
            title=nfc(title),
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        # A name of our making (the document's title), never the uploaded file's name.
        stem = slugify(fold(document.title or kind))[:60].strip("-") or "tai-lieu"
        name = f"{stem}-{secrets.token_hex(4)}{extension}"
        document.file.save(name, ContentFile(data), save=False)
        document.save()
        covenant.save(update_fields=["updated_at"])
        log_action(
            actor=actor,
            action="covenants.covenant.document_added",
            obj=covenant,
            scope_id=scope_of(covenant),
            data={"new": {"kind": kind, "title": document.title, "file": document.file.name,
                          "size": len(data)}},
        )  # fmt: skip
    return document


def covenant_document_delete(*, actor: Any, covenant: Covenant, document: AdoptedDocument) -> None:
    """Remove the record; the stored file stays (copies of the covenant may share it,
    and nothing submitted is ever erased)."""
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        require_editable(covenant)
        document = AdoptedDocument.objects.get(pk=document.pk, covenant=covenant)
        old = {"kind": document.kind, "title": document.title, "file": document.file.name}
        document.delete()
        covenant.save(update_fields=["updated_at"])
        log_action(
            actor=actor,
            action="covenants.covenant.document_deleted",
            obj=covenant,
            scope_id=scope_of(covenant),
            data={"old": old},
        )
