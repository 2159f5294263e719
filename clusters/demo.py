"""The demo world: the two real seed cases of domain.md section 9, each with the
year before and after so rotation and history show.

Facts from the seeds (names, the head of the seed year, Decision 42/QĐ-UBND,
Plan 21/KH-UBND, the conference people) are real. The heads of the years around
them follow the rotation order and are illustrative; people other than those
named in the articles carry placeholder names (Nguyễn Văn A …).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from clusters import services
from clusters.models import Cluster, ClusterYear, Organizer, Profile, Unit

DEMO_PASSWORD = "demo12345"  # noqa: S105 - documented demo password

BAC_NINH_UNITS = [
    ("UBND thành phố Bắc Ninh", Unit.Kind.CITY, "TP Bắc Ninh"),
    ("UBND thành phố Từ Sơn", Unit.Kind.CITY, "TP Từ Sơn"),
    ("UBND huyện Quế Võ", Unit.Kind.DISTRICT, "Quế Võ"),
    ("UBND huyện Thuận Thành", Unit.Kind.DISTRICT, "Thuận Thành"),
    ("UBND huyện Tiên Du", Unit.Kind.DISTRICT, "Tiên Du"),
    ("UBND huyện Yên Phong", Unit.Kind.DISTRICT, "Yên Phong"),
    ("UBND huyện Gia Bình", Unit.Kind.DISTRICT, "Gia Bình"),
    ("UBND huyện Lương Tài", Unit.Kind.DISTRICT, "Lương Tài"),
]
BAC_KAN_UNITS = [
    ("phường Phùng Chí Kiên", Unit.Kind.WARD),
    ("phường Đức Xuân", Unit.Kind.WARD),
    ("phường Nguyễn Thị Minh Khai", Unit.Kind.WARD),
    ("phường Sông Cầu", Unit.Kind.WARD),
    ("phường Xuất Hóa", Unit.Kind.WARD),
    ("phường Huyền Tụng", Unit.Kind.WARD),
    ("xã Dương Quang", Unit.Kind.COMMUNE),
    ("xã Nông Thượng", Unit.Kind.COMMUNE),
]
BAC_KAN_ORGANIZER = "Hội đồng Thi đua - Khen thưởng thành phố Bắc Kạn"
# The district level ended with the 2025 reform (domain.md section 8).
DISTRICT_LEVEL_END = dt.date(2025, 6, 30)

# username, full name, role, unit name (None for board staff), position
BAC_NINH_PEOPLE = [
    ("bacninh", "Nguyễn Thị Thu", "board", None, "Chuyên viên Ban Thi đua - Khen thưởng tỉnh"),
    ("luongtai", "Nguyễn Văn A", "officer", "UBND huyện Lương Tài", "Chuyên viên Phòng Nội vụ"),
    ("luongtai_lanhdao", "Phạm Thanh Hải", "leader", "UBND huyện Lương Tài", "Chủ tịch UBND huyện"),
    ("tuson", "Trần Văn B", "officer", "UBND thành phố Từ Sơn", "Chuyên viên Phòng Nội vụ"),
    ("tuson_lanhdao", "Lê Văn C", "leader", "UBND thành phố Từ Sơn", "Chủ tịch UBND thành phố"),
]
BAC_KAN_PEOPLE = [
    ("backan", "Hoàng Thị D", "board", None, "Chuyên viên Phòng Nội vụ thành phố"),
    ("phungchikien", "Nông Văn E", "officer", "phường Phùng Chí Kiên", "Công chức Văn phòng"),
    ("phungchikien_lanhdao", "Ma Văn G", "leader", "phường Phùng Chí Kiên", "Chủ tịch UBND phường"),
    ("ducxuan", "Hà Thị H", "officer", "phường Đức Xuân", "Công chức Văn phòng"),
    ("ducxuan_lanhdao", "Lường Văn K", "leader", "phường Đức Xuân", "Chủ tịch UBND phường"),
]  # fmt: skip

BAC_NINH_THEME_2023 = (
    "Đẩy mạnh xây dựng Đảng và hệ thống chính trị vững mạnh; Nâng cao đạo đức công vụ; "
    "Tập trung phát triển kết cấu hạ tầng, đô thị và văn hóa, đáp ứng yêu cầu phát triển "
    "bền vững"
)


def _people(organizer: Organizer, people: list[tuple], units: dict[str, Unit]) -> None:
    user_model = get_user_model()
    for username, full_name, role, unit_name, position in people:
        if user_model.objects.filter(username=username).exists():
            continue
        first, _sep, last = full_name.rpartition(" ")
        user = user_model.objects.create_user(
            username=username, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
        Profile.objects.create(
            user=user,
            role=role,
            organizer=organizer if role == "board" else None,
            unit=units[unit_name] if unit_name else None,
            position=position,
        )


def _bac_ninh() -> None:
    organizer = Organizer.objects.create(
        name="Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh",
        level=Organizer.Level.PROVINCE,
        parent_body="UBND TỈNH BẮC NINH",
        issuing_body="HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
        place_name="Bắc Ninh",
    )
    units = {}
    for name, kind, short in BAC_NINH_UNITS:
        units[name] = services.unit_create(
            actor=None,
            organizer=organizer,
            name=name,
            kind=kind,
            short_name=short,
            valid_from=dt.date(2021, 11, 1) if "Từ Sơn" in name else dt.date(2000, 1, 1),
            valid_to=DISTRICT_LEVEL_END,
            leader_title="Chủ tịch UBND",
        )
    cluster = services.cluster_create(
        actor=None,
        organizer=organizer,
        name="Cụm thi đua các huyện, thành phố",
        kind=Cluster.Kind.CLUSTER,
        description="Các đơn vị hành chính cấp huyện của tỉnh Bắc Ninh.",
    )
    members = [units[name] for name, _kind, _short in BAC_NINH_UNITS]
    year_2022 = services.cluster_year_create(
        actor=None,
        cluster=cluster,
        year=2022,
        members=members,
        head_unit=units["UBND huyện Gia Bình"],
        deputy_unit=units["UBND huyện Lương Tài"],
    )
    year_2023 = services.rotation_apply_next(actor=None, cluster_year=year_2022)
    year_2023 = services.cluster_year_update(
        actor=None,
        cluster_year=year_2023,
        theme=BAC_NINH_THEME_2023,
        decision_number="42/QĐ-UBND",
        decision_date=dt.date(2023, 1, 12),
        decision_signer="UBND tỉnh Bắc Ninh",
    )
    # 2024 is set up with the same members, its head not yet named: the rotation page
    # of 2023 proposes TP Bắc Ninh, and until then Lương Tài keeps its head rights.
    services.cluster_year_create(actor=None, cluster=cluster, year=2024, members=members)
    services.cluster_year_set_status(
        actor=None, cluster_year=year_2022, status=ClusterYear.Status.CLOSED
    )
    _people(organizer, BAC_NINH_PEOPLE, units)


def _bac_kan() -> None:
    organizer = Organizer.objects.create(
        name=BAC_KAN_ORGANIZER,
        level=Organizer.Level.CITY,
        parent_body="UBND THÀNH PHỐ BẮC KẠN",
        issuing_body="HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
        place_name="Bắc Kạn",
    )
    units = {}
    for name, kind in BAC_KAN_UNITS:
        units[name] = services.unit_create(
            actor=None,
            organizer=organizer,
            name=name,
            kind=kind,
            valid_to=DISTRICT_LEVEL_END,
            leader_title="Chủ tịch UBND",
        )
    cluster = services.cluster_create(
        actor=None,
        organizer=organizer,
        name="Cụm thi đua các xã, phường",
        kind=Cluster.Kind.CLUSTER,
        description="Các xã, phường của thành phố Bắc Kạn.",
    )
    members = [units[name] for name, _kind in BAC_KAN_UNITS]
    year_2021 = services.cluster_year_create(
        actor=None,
        cluster=cluster,
        year=2021,
        members=members,
        head_unit=units["xã Nông Thượng"],
        deputy_unit=units["phường Phùng Chí Kiên"],
    )
    # 2023 is named after the 2022 year-end review is recorded (``load_demo``): naming
    # the next head ends this year's head rights.
    services.rotation_apply_next(actor=None, cluster_year=year_2021)
    services.cluster_year_set_status(
        actor=None, cluster_year=year_2021, status=ClusterYear.Status.CLOSED
    )
    _people(organizer, BAC_KAN_PEOPLE, units)


def load_demo() -> bool:
    """Create the demo world; False if it is there already (safe to run again)."""
    if Organizer.objects.filter(
        name__startswith="Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh"
    ).exists():
        return False
    with transaction.atomic():
        user_model = get_user_model()
        if not user_model.objects.filter(username="admin").exists():
            user_model.objects.create_superuser(
                username="admin",
                password=DEMO_PASSWORD,
                email="admin@localhost",
                first_name="Quản trị",
                last_name="hệ thống",
            )
        _bac_ninh()
        _bac_kan()
        # The seed years' signed covenants, and a leader for every member unit.
        from covenants.demo import load_covenant_demo

        load_covenant_demo()
        # The seed years' scoring tables and a library template per organizer.
        from scoring.demo import load_scoring_demo

        load_scoring_demo()
        # The seed years' scoring periods: Bắc Kạn 2022 complete, Bắc Ninh 2023 mid-way.
        from scoring.demo_year_end import load_year_end_demo

        load_year_end_demo()
        # Bắc Kạn 2022's ranking published and its secret ballot held.
        from scoring.demo_results import load_results_demo

        load_results_demo()
        # Then Bắc Kạn 2023 is named, as it was after the 2022 review.
        bac_kan_2022 = ClusterYear.objects.get(
            cluster__organizer__name=BAC_KAN_ORGANIZER,
            year=2022,
        )
        services.rotation_apply_next(actor=None, cluster_year=bac_kan_2022)
    return True
