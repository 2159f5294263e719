"""Bad input on units, clusters and people (issue 7): text typed in pages is stored in
NFC and shown escaped; attack values posted to the forms never make a server error;
random bytes as an import file are refused with a message."""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from clusters.imports.units import read_unit_file
from clusters.models import Cluster, ClusterYear, Unit
from core import excel
from tests.bad_input import FAST, IMG, NFC_NAME, NFD_NAME, SCRIPT, attack_text, looks_vietnamese
from tests.test_people_views import create_payload

ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_unit_texts_typed_decomposed_are_stored_in_nfc(world, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(world.board).post(
        reverse("unit_create"),
        {
            "name": NFD_NAME,
            "kind": "ward",
            "short_name": "Tie\u0302\u0301n",
            "valid_from": "01/07/2025",
            "leader_title": NFD_NAME,
        },
    )
    assert response.status_code == 302
    unit = Unit.objects.get(name=NFC_NAME)
    assert unit.short_name == "Tiến"
    assert unit.leader_title == NFC_NAME


def test_cluster_and_year_texts_are_stored_in_nfc(world, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.board)
    response = client.post(
        reverse("cluster_create"),
        {"name": NFD_NAME, "kind": "cluster", "description": NFD_NAME, "is_active": "on"},
    )
    assert response.status_code == 302
    cluster = Cluster.objects.get(name=NFC_NAME)
    assert cluster.description == NFC_NAME
    response = client.post(
        reverse("cluster_year_theme", args=[world.this_year.pk]), {"theme": NFD_NAME}
    )
    assert response.status_code == 302
    assert ClusterYear.objects.get(pk=world.this_year.pk).theme == NFC_NAME


def test_person_texts_are_stored_in_nfc(world, client_for) -> None:  # type: ignore[no-untyped-def]
    payload = create_payload(unit=world.member_unit.pk, full_name=NFD_NAME, position=NFD_NAME)
    response = client_for(world.board).post(reverse("user_create"), payload)
    assert response.status_code == 302
    user = get_user_model().objects.get(username="thu")
    assert user.get_full_name() == NFC_NAME
    assert user.profile.position == NFC_NAME


def test_markup_in_names_is_shown_escaped(world, client_for) -> None:  # type: ignore[no-untyped-def]
    Unit.objects.filter(pk=world.member_unit.pk).update(name=SCRIPT)
    Cluster.objects.filter(pk=world.cluster.pk).update(description=IMG + SCRIPT)
    client = client_for(world.board)
    for url in (
        reverse("unit_list"),
        reverse("unit_detail", args=[world.member_unit.pk]),
        reverse("cluster_detail", args=[world.cluster.pk]),
        reverse("cluster_year_detail", args=[world.this_year.pk]),
    ):
        html = client.get(url).content.decode()
        assert SCRIPT not in html and IMG not in html, url
        assert ESCAPED_SCRIPT in html, url


@FAST
@given(values=st.lists(attack_text, min_size=5, max_size=5))
def test_posting_attack_values_to_unit_and_cluster_forms_is_never_a_server_error(  # type: ignore[no-untyped-def]
    world, client_for, values
):
    client = client_for(world.board)
    name, kind, short, date, text = values
    posts = [
        (reverse("unit_create"), {"name": name, "kind": kind, "short_name": short,
                                  "valid_from": date, "leader_title": text, "parent": kind}),
        (reverse("cluster_create"), {"name": name, "kind": kind, "description": text}),
        (reverse("cluster_year_theme", args=[world.this_year.pk]), {"theme": text}),
        (reverse("unit_rename", args=[world.h_old.pk]), {"new_name": name, "date": date,
                                                          "decision": text}),
        (reverse("user_create"), create_payload(username=short, full_name=name, phone=text,
                                                unit=kind)),
        (reverse("unit_list") + "?q=" + name[:200], None),
    ]  # fmt: skip
    for url, data in posts:
        response = client.get(url) if data is None else client.post(url, data)
        assert response.status_code < 500, url


class Upload(io.BytesIO):
    name = "don-vi.xlsx"

    @property
    def size(self) -> int:
        return len(self.getvalue())


@FAST
@given(data=st.binary(max_size=2000))
def test_random_bytes_as_a_unit_file_are_refused(data) -> None:  # type: ignore[no-untyped-def]
    try:
        read_unit_file(Upload(data))
    except excel.ExcelError as error:
        with translation.override("vi"):
            assert looks_vietnamese(str(error)), str(error)
