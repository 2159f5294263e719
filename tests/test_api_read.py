"""The API's read endpoints (/api/v1/): tokens, the pages' rights per persona, 404 for
another organizer, the ranking hidden from members until publication, and a fixed
number of queries per page at two data sizes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from clusters.models import ClusterYear, Profile, UnitLineage
from clusters.services.units import unit_rename
from covenants.models import Covenant, Target, TargetValue
from scoring.models import Nomination, Nominee, Rubric, Scorecard
from scoring.services.ranking import period_publish
from tests.factories import ClusterFactory, ClusterYearFactory, UnitFactory, add_members, make_user
from tests.scoring_world import scoring_world
from tests.test_scoring_ranking import finalise_all
from tests.test_scoring_verification import deputy_officer

API = "/api/v1/"


def api(user=None, language: str | None = None) -> APIClient:  # type: ignore[no-untyped-def]
    """A client calling with ``user``'s token (none: anonymous)."""
    client = APIClient()
    client.default_format = "json"
    headers = {}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    client.credentials(**headers)
    return client


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [item.get("name") or item.get("title") for item in response.json()["results"]]


def ids(response) -> set[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


# Authentication ----------------------------------------------------------------------------


def test_without_a_token_the_api_answers_401_in_vietnamese(world) -> None:  # type: ignore[no-untyped-def]
    response = api().get(f"{API}units/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "Chưa cung cấp thông tin xác thực."
    assert response["Content-Language"] == "vi"


def test_accept_language_en_answers_in_english(world) -> None:  # type: ignore[no-untyped-def]
    response = api(language="en").get(f"{API}units/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication credentials were not provided."
    assert response["Content-Language"] == "en"


def test_a_wrong_token_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get(f"{API}organizers/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Khóa API không hợp lệ."


def test_a_token_gives_the_users_own_organizer_only(world) -> None:  # type: ignore[no-untyped-def]
    assert names(api(world.board).get(f"{API}organizers/")) == [world.org.name]
    assert names(api(world.other_board).get(f"{API}organizers/")) == [world.other_org.name]
    response = api(world.board).get(f"{API}organizers/{world.other_org.pk}/")
    assert response.status_code == 404


def test_the_session_works_for_the_browsable_api(world, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.board)
    response = client.get(f"{API}organizers/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert world.org.name in response.content.decode()
    assert "https://" not in response.content.decode().split("<body")[0]


def test_the_token_endpoint_gives_the_key_for_a_password(world) -> None:  # type: ignore[no-untyped-def]
    response = APIClient().post(
        f"{API}token/", {"username": "minh", "password": "correct-horse-42"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=world.member_officer).key
    refused = APIClient().post(
        f"{API}token/", {"username": "minh", "password": "wrong"}, format="json"
    )
    assert refused.status_code == 400
    assert "token" not in refused.json()


# Units, clusters, years ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("board", "all"),
        ("member_officer", ["UBND huyện Bắc Sơn"]),
        ("member_leader", ["UBND huyện Bắc Sơn"]),
        ("head_officer", ["UBND huyện Tây Sơn"]),
        ("outsider_officer", ["Sở Nội vụ"]),
        ("other_board", ["UBND huyện Ngoài"]),
    ],
)
def test_units_are_the_register_for_the_board_and_ones_own_for_a_unit(
    world, persona, expected
) -> None:  # type: ignore[no-untyped-def]
    found = names(api(world.personas()[persona]).get(f"{API}units/"))
    if expected == "all":
        expected = sorted(
            [
                u.name
                for u in (
                    world.h_old,
                    world.h_new,
                    world.deputy_unit,
                    world.member_unit,
                    world.outsider_unit,
                )
            ]
        )
        assert sorted(found) == expected
    else:
        assert found == expected


def test_a_unit_carries_its_history(world) -> None:  # type: ignore[no-untyped-def]
    renamed = unit_rename(
        actor=world.board,
        unit=world.outsider_unit,
        new_name="Sở Nội vụ mới",
        date=dt.date(2025, 7, 1),
        decision="Quyết định 1/QĐ",
    )
    client = api(world.board)
    old = client.get(f"{API}units/{world.outsider_unit.pk}/").json()
    new = client.get(f"{API}units/{renamed.pk}/").json()
    assert old["valid_to"] == "2025-06-30"
    assert old["successors"] == [
        {
            "unit": {"id": renamed.pk, "name": "Sở Nội vụ mới"},
            "kind": UnitLineage.Kind.RENAME,
            "date": "2025-07-01",
            "decision": "Quyết định 1/QĐ",
        }
    ]
    assert new["predecessors"][0]["unit"] == {"id": world.outsider_unit.pk, "name": "Sở Nội vụ"}
    assert new["successors"] == []


@pytest.mark.parametrize(
    ("persona", "years"),
    [
        ("board", {2023, 2024}),
        ("head_officer", {2023, 2024}),
        ("member_officer", {2023, 2024}),
        ("last_head_officer", {2023, 2024}),
        ("outsider_officer", set()),
        ("other_board", set()),
    ],
)
def test_cluster_years_follow_membership(world, persona, years) -> None:  # type: ignore[no-untyped-def]
    response = api(world.personas()[persona]).get(f"{API}cluster-years/")
    assert {item["year"] for item in response.json()["results"]} == years
    clusters = names(api(world.personas()[persona]).get(f"{API}clusters/"))
    assert clusters == ([world.cluster.name] if years else [])


def test_a_cluster_year_lists_head_deputy_and_members_in_order(world) -> None:  # type: ignore[no-untyped-def]
    data = api(world.member_officer).get(f"{API}cluster-years/{world.this_year.pk}/").json()
    assert data["head_unit"] == {"id": world.h_new.pk, "name": world.h_new.name}
    assert data["deputy_unit"]["name"] == world.deputy_unit.name
    assert [member["unit"]["name"] for member in data["members"]] == [
        world.h_new.name,
        world.deputy_unit.name,
        world.member_unit.name,
        world.h_old.name,
    ]
    assert data["status"] == ClusterYear.Status.OPEN


def test_a_unit_outside_the_cluster_gets_404_for_its_year(world) -> None:  # type: ignore[no-untyped-def]
    response = api(world.outsider_officer).get(f"{API}cluster-years/{world.this_year.pk}/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Không tìm thấy."


# Covenants, rubrics, periods --------------------------------------------------------------------


@pytest.fixture
def sw(world):  # type: ignore[no-untyped-def]
    return scoring_world(world)


def test_a_covenant_comes_with_its_targets_and_values_per_unit(world, sw) -> None:  # type: ignore[no-untyped-def]
    response = api(world.member_leader).get(f"{API}covenants/")
    [covenant] = response.json()["results"]
    assert covenant["title"] == "Giao ước thi đua 2024"
    [target] = covenant["targets"]
    assert target["indicator"] == "Thu ngân sách" and target["measure"] == "tỷ đồng"
    values = {value["unit"]["name"]: value["value"] for value in target["values"]}
    assert values == {
        world.h_new.name: "100.0000",
        world.deputy_unit.name: "50.0000",
        world.member_unit.name: "80.0000",
    }


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("board", 200),
        ("member_officer", 200),
        ("head_officer", 200),
        ("outsider_officer", 404),
        ("other_board", 404),
    ],
)
def test_covenant_rubric_and_period_follow_the_year(world, sw, persona, status) -> None:  # type: ignore[no-untyped-def]
    client = api(world.personas()[persona])
    covenant = Covenant.objects.get(cluster_year=world.this_year)
    assert client.get(f"{API}covenants/{covenant.pk}/").status_code == status
    assert client.get(f"{API}rubrics/{sw.rubric.pk}/").status_code == status
    assert client.get(f"{API}periods/{sw.period.pk}/").status_code == status


def test_a_rubric_gives_its_criteria_tree_in_order(world, sw) -> None:  # type: ignore[no-untyped-def]
    data = api(world.member_officer).get(f"{API}rubrics/{sw.rubric.pk}/").json()
    tree = [(c["code"], c["parent_code"], c["depth"]) for c in data["criteria"]]
    assert tree == [
        ("I", None, 0),
        ("1", "I", 1),
        ("2", "I", 1),
        ("3", "I", 1),
        ("4", "I", 1),
        ("II", None, 0),
        ("5", "II", 1),
        ("B", None, 0),
        ("D", None, 0),
    ]
    assert data["criteria"][1]["evidence_required"] is True
    assert data["criteria"][3]["target"] == sw.target.pk


def test_library_templates_are_for_the_board_only(world) -> None:  # type: ignore[no-untyped-def]
    template = Rubric.objects.create(organizer=world.org, name="Mẫu bảng điểm")
    assert names(api(world.board).get(f"{API}rubrics/")) == ["Mẫu bảng điểm"]
    assert names(api(world.member_officer).get(f"{API}rubrics/")) == []
    assert api(world.member_officer).get(f"{API}rubrics/{template.pk}/").status_code == 404


# Ranking and scorecards ------------------------------------------------------------------------


@pytest.fixture
def ranked(world):  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    finalise_all(sw, world)
    return sw


@pytest.mark.parametrize(
    ("persona", "before", "after"),
    [
        ("board", 200, 200),
        ("head_officer", 200, 200),
        ("member_officer", 404, 200),
        ("member_leader", 404, 200),
        ("last_head_officer", 404, 200),
        ("outsider_officer", 404, 404),
        ("other_board", 404, 404),
    ],
)
def test_the_ranking_is_seen_as_on_the_ranking_page(world, ranked, persona, before, after) -> None:  # type: ignore[no-untyped-def]
    client = api(world.personas()[persona])
    url = f"{API}periods/{ranked.period.pk}/ranking/"
    assert client.get(url).status_code == before
    period_publish(actor=world.board, period=ranked.period)
    assert client.get(url).status_code == after


def test_the_ranking_gives_ranks_totals_and_points_per_section(world, ranked) -> None:  # type: ignore[no-untyped-def]
    period_publish(actor=world.board, period=ranked.period)
    data = api(world.member_officer).get(f"{API}periods/{ranked.period.pk}/ranking/").json()
    assert [section["code"] for section in data["sections"]] == ["I", "II"]
    assert data["published_at"] is not None
    lines = {line["unit"]["name"]: line for line in data["lines"]}
    bac = lines[world.member_unit.name]
    assert bac["final_total"] == "43.50"
    assert bac["deduction"] == "2.00"
    assert [line["rank"] for line in data["lines"]] == sorted(
        line["rank"] for line in data["lines"]
    )
    assert data["not_final"] == []


def test_a_unit_sees_only_its_own_scorecard_until_publication(world, ranked) -> None:  # type: ignore[no-untyped-def]
    client = api(world.member_officer)
    own = ranked.card(world.member_unit)
    other = ranked.card(world.deputy_unit)
    assert ids(client.get(f"{API}scorecards/")) == {own.pk}
    assert client.get(f"{API}scorecards/{other.pk}/").status_code == 404
    period_publish(actor=world.board, period=ranked.period)
    assert len(ids(client.get(f"{API}scorecards/?period={ranked.period.pk}"))) == 4
    assert client.get(f"{API}scorecards/{other.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("persona", "count"),
    [
        ("board", 4),
        ("head_officer", 4),  # the head verifies every card (and sees its own)
        ("member_officer", 1),
        ("outsider_officer", 0),
        ("other_board", 0),
    ],
)
def test_scorecards_listed_match_who_may_open_them(world, sw, persona, count) -> None:  # type: ignore[no-untyped-def]
    assert len(ids(api(world.personas()[persona]).get(f"{API}scorecards/"))) == count


def test_the_final_total_shows_only_once_the_card_is_final(world, sw) -> None:  # type: ignore[no-untyped-def]
    card = sw.card(world.member_unit)
    data = api(world.member_officer).get(f"{API}scorecards/{card.pk}/").json()
    assert data["final_total"] is None
    assert {entry["code"] for entry in data["entries"]} == {"1", "2", "3", "4", "5", "B", "D"}
    assert all(entry["final_points"] is None for entry in data["entries"])
    assert all(entry["version"] == 0 for entry in data["entries"])


def test_ballots_are_not_exposed(world, client_for) -> None:  # type: ignore[no-untyped-def]
    schema = api(world.board).get(f"{API}schema/", HTTP_ACCEPT="application/json").json()
    assert not [path for path in schema["paths"] if "ballot" in path]


# Nominations ---------------------------------------------------------------------------------


def test_only_sent_nominations_are_listed_with_their_nominees(world, ranked) -> None:  # type: ignore[no-untyped-def]
    period_publish(actor=world.board, period=ranked.period)
    nomination = Nomination.objects.create(
        period=ranked.period,
        cluster_year=world.this_year,
        organizer=world.org,
        year=2024,
        number="12/TTr-CTĐ",
    )
    Nominee.objects.create(
        nomination=nomination,
        unit=world.deputy_unit,
        award=Nominee.Award.FLAG,
        rank=1,
        total=Decimal("60.00"),
        reason="Dẫn đầu cụm",
    )
    client = api(world.member_officer)
    assert ids(client.get(f"{API}nominations/")) == set()
    Nomination.objects.filter(pk=nomination.pk).update(
        state=Nomination.State.SUBMITTED, submitted_at=timezone.now()
    )
    [data] = client.get(f"{API}nominations/").json()["results"]
    assert data["number"] == "12/TTr-CTĐ" and data["state"] == "submitted"
    assert data["nominees"] == [
        {
            "unit": {"id": world.deputy_unit.pk, "name": world.deputy_unit.name},
            "award": "flag",
            "rank": 1,
            "total": "60.00",
            "votes": None,
            "women_preference": False,
            "reason": "Dẫn đầu cụm",
        }
    ]
    assert ids(api(world.other_board).get(f"{API}nominations/")) == set()
    assert ids(api(world.outsider_officer).get(f"{API}nominations/")) == set()


# Query counts at two sizes --------------------------------------------------------------------


def _grow(world, size: int) -> None:  # type: ignore[no-untyped-def]
    """``size`` more units with history, clusters and years with members, covenants
    with targets and values, nominations with nominees."""
    for index in range(size):
        unit = UnitFactory(organizer=world.org, name=f"UBND xã Phụ {size}-{index}")
        unit_rename(
            actor=world.board,
            unit=unit,
            new_name=f"UBND phường Phụ {size}-{index}",
            date=dt.date(2025, 7, 1),
        )
        cluster = ClusterFactory(organizer=world.org, name=f"Khối phụ {size}-{index}")
        year = ClusterYearFactory(cluster=cluster, year=2024, head_unit=unit)
        add_members(year, [unit])
        covenant = Covenant.objects.create(cluster_year=year, title=f"Giao ước {index}")
        target = Target.objects.create(covenant=covenant, order=1, indicator="Chỉ tiêu")
        TargetValue.objects.create(target=target, unit=unit, value=1)
        make_user(f"can-bo-{size}-{index}", role=Profile.Role.OFFICER, unit=unit)


def _count(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize(
    "endpoint",
    [
        "units/",
        "clusters/",
        "cluster-years/",
        "covenants/",
        "rubrics/",
        "periods/",
        "scorecards/",
        "nominations/",
        "organizers/",
    ],
)
def test_a_page_reads_the_same_number_of_queries_at_two_sizes(world, sw, endpoint) -> None:  # type: ignore[no-untyped-def]
    client = api(world.board)
    _grow(world, 2)
    small = _count(client, f"{API}{endpoint}")
    _grow(world, 12)
    large = _count(client, f"{API}{endpoint}")
    assert large == small
    assert large <= 12


def test_a_scorecard_and_the_ranking_read_a_fixed_number_of_queries(world, ranked) -> None:  # type: ignore[no-untyped-def]
    client = api(world.board)
    card = ranked.card(world.member_unit)
    assert _count(client, f"{API}scorecards/{card.pk}/") <= 10
    assert _count(client, f"{API}periods/{ranked.period.pk}/ranking/") <= 14


@pytest.mark.parametrize("published", [False, True])
def test_the_scorecards_listed_are_exactly_those_the_scorecard_page_opens(
    world, ranked, client, published
) -> None:  # type: ignore[no-untyped-def]
    if published:
        period_publish(actor=world.board, period=ranked.period)
    personas = {**world.personas(), "deputy": deputy_officer(world)}
    cards = list(Scorecard.objects.filter(period=ranked.period))
    for name, user in personas.items():
        listed = ids(api(user).get(f"{API}scorecards/"))
        client.force_login(user)
        opened = {
            card.pk
            for card in cards
            if client.get(reverse("scorecard_detail", args=[card.pk])).status_code == 200
        }
        assert listed == opened, name
