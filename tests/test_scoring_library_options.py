"""The evidence library's "supports the criteria" lists (two on the scorecard page, one
option per criterion the unit may attach evidence to): every option there, the title
escaped, and after a refused upload the criteria the person had chosen still chosen."""

from __future__ import annotations

from django.urls import reverse

from scoring.models import Criterion
from tests.scoring_world import scoring_world


def test_the_lists_escape_titles_and_keep_the_choice_after_a_refusal(world, client_for):  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    card = sw.card(world.member_unit)
    Criterion.objects.filter(pk=sw.criteria["2"].pk).update(title='<b>"Đạt"</b> & chuẩn')
    chosen = [sw.entry(world.member_unit, code).pk for code in ("1", "3")]
    client = client_for(world.member_officer)

    response = client.post(
        reverse("evidence_upload", args=[card.pk]),
        {"title": "Báo cáo", "entries": [str(pk) for pk in chosen]},  # no file: refused
    )

    html = response.content.decode()
    assert response.status_code == 422
    select = html.split('id="library-upload-entries"', 1)[1].split("</select>", 1)[0]
    for code in ("1", "2", "3", "5", "B", "D"):
        assert f'<option value="{sw.entry(world.member_unit, code).pk}"' in select
    assert "2. &lt;b&gt;&quot;Đạt&quot;&lt;/b&gt; &amp; chuẩn</option>" in select
    assert "<b>" not in select
    assert select.count(" selected>") == 2
    for pk in chosen:
        assert f'<option value="{pk}" selected>' in select
