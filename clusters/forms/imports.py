"""Forms of the Excel imports: the upload (which reads the file) and the confirmation."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.excel import XLSX_CONTENT_TYPE, ExcelError


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )

    def __init__(
        self, *args: Any, reader: Callable[[IO[bytes]], list[dict[str, Any]]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.reader = reader

    def clean_file(self) -> list[dict[str, Any]]:
        """The file's rows, read by ``reader``; a file that cannot be read is refused here."""
        upload = self.cleaned_data["file"]
        try:
            return self.reader(upload)
        except ExcelError as exc:
            raise forms.ValidationError(str(exc)) from exc


class ImportConfirmForm(forms.Form):
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
