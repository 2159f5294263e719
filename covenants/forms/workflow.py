"""Forms of the covenant workflow: moving a step, signing, the token-signed upload and
the amendment. Input validation only; the services decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from covenants.models import CovenantState
from covenants.services.messages import TOKEN_FILE_NOT_PDF, TOKEN_FILE_TOO_LARGE


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=CovenantState.choices)


class SignForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        help_text=_("Enter the password you log in with, to confirm that it is you who signs."),
    )
    confirm = forms.BooleanField(
        label=_("I have read the covenant and sign it on behalf of the unit named above."),
        required=True,
    )


class WitnessForm(SignForm):
    confirm = forms.BooleanField(
        label=_("I have followed the signing and sign as the emulation board's witness."),
        required=True,
    )


class TokenUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Covenant signed with the USB token (PDF)"),
        help_text=_(
            "The PDF of this covenant, signed by the unit's leader with the government "
            "digital-signature USB token."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    confirm = forms.BooleanField(
        label=_("This file is this covenant, signed by our unit's leader."), required=True
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        limit = settings.MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(TOKEN_FILE_TOO_LARGE, params={"limit": limit // 2**20})
        head = upload.read(1024)
        upload.seek(0)
        if b"%PDF-" not in head[:1024]:
            raise forms.ValidationError(TOKEN_FILE_NOT_PDF)
        return upload


class AmendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the amendment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    confirm = forms.BooleanField(
        label=_(
            "Make a new version as a draft. It must be adopted and signed again; the signed "
            "version stays as it is."
        ),
        required=True,
    )
