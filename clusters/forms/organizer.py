from __future__ import annotations

from django import forms

from clusters.models import Organizer


class OrganizerForm(forms.ModelForm):
    class Meta:
        model = Organizer
        fields = ["name", "level", "parent_body", "issuing_body", "place_name"]
