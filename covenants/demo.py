"""The two seed covenants (domain.md section 9), signed, and a leader for every member
unit so each unit has someone who signs.

- Bắc Ninh 2023: the ten sections of the article (its "đến năm 1945" kept as printed,
  so the year warning shows), the closing commitment, and the target of 09 communes
  reaching the advanced new-rural standard. The article gives only the cluster's total,
  so the per-unit values stay empty and the indicator says "(toàn cụm: 09 xã)".
- TP Bắc Kạn 2022: the article's commitments in five sections and its percentage
  targets, the same for every ward and commune.

Signatures are written directly (the demo has no passwords to re-enter) with the
afternoon times of the conferences, the head unit last. No PDF is rendered here: the
documents are produced on demand from the covenant page.

Safe to run again: nothing is created twice.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from clusters.models import ClusterYear, Profile, Unit
from core.audit import log_action
from covenants.models import (
    AdoptedDocument,
    ConferenceGuest,
    Covenant,
    CovenantSection,
    CovenantState,
    Signature,
    Target,
    TargetValue,
)
from covenants.services.workflow import (
    covenant_adopt,
    covenant_circulate,
    covenant_open_signing,
)

DEMO_PASSWORD = "demo12345"  # noqa: S105 - documented demo password
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

# Prefixes left out of user names (phường Đức Xuân → ducxuan_lanhdao, TP Từ Sơn → tuson_…).
NAME_PREFIXES = ("UBND ", "TP ", "thành phố ", "huyện ", "thị xã ", "phường ", "xã ")
# Placeholder names for the leaders the articles do not name, in order of creation.
PLACEHOLDER_NAMES = [
    "Nguyễn Văn L", "Nguyễn Văn M", "Nguyễn Văn N", "Nguyễn Văn P", "Nguyễn Văn Q",
    "Nguyễn Văn R", "Nguyễn Văn S", "Nguyễn Văn T", "Nguyễn Văn U", "Nguyễn Văn V",
    "Nguyễn Văn X", "Nguyễn Văn Y",
]  # fmt: skip
LEADER_POSITION = {
    Unit.Kind.CITY: "Chủ tịch UBND thành phố",
    Unit.Kind.DISTRICT: "Chủ tịch UBND huyện",
    Unit.Kind.TOWN: "Chủ tịch UBND thị xã",
    Unit.Kind.WARD: "Chủ tịch UBND phường",
    Unit.Kind.COMMUNE: "Chủ tịch UBND xã",
}

# --- Seed 000: Bắc Ninh, 2023 ------------------------------------------------------------

BAC_NINH_SECTIONS = [
    (
        "Về kinh tế",
        "Tập trung khắc phục những tồn tại, hạn chế và tâm lý e ngại, sợ trách nhiệm, sợ vi "
        "phạm, huy động mọi nguồn lực, triển khai hiệu quả các kết luận, Nghị quyết của Trung "
        "ương, của tỉnh về Kế hoạch phát triển kinh tế - xã hội năm 2023. Cơ cấu lại nền kinh "
        "tế gắn với đổi mới mô hình tăng trưởng; Tăng cường các giải pháp thúc đẩy phát triển "
        "nông nghiệp, nông thôn. Tập trung xây dựng nông thôn mới theo hướng phát triển toàn "
        "diện, bền vững; phấn đấu trong năm 2023 công nhận thêm 09 xã đạt chuẩn Nông thôn mới "
        "nâng cao.",
    ),
    (
        "Nâng cao chất lượng công tác quy hoạch và quản lý đầu tư công",
        "Nâng cao chất lượng công tác quy hoạch, quản lý quy hoạch; tổ chức thực hiện quy "
        "hoạch tỉnh thời kỳ 2021-2030, tầm nhìn đến năm 2050; quy hoạch xây dựng vùng tỉnh, "
        "quy hoạch chung đô thị Bắc Ninh đến năm 1945. Tăng cường quản lý kiến trúc, cảnh "
        "quan đô thị; thực hiện hiệu quả Chương trình phát triển nhà ở giai đoạn 2021 - 2025, "
        "định hướng đến 2030.",
    ),
    (
        "Tăng cường công tác quản lý tài nguyên và bảo vệ môi trường",
        "Xây dựng quy chế đấu giá, khắc phục khó khăn trong công tác cấp giấy chứng nhận "
        "quyền sử dụng đất. Tiếp tục thực hiện hiệu quả và đúng lộ trình Đề án tổng thể Bảo "
        "vệ môi trường giai đoạn 2019-2025.",
    ),
    (
        "Phát triển toàn diện các lĩnh vực văn hóa - xã hội",
        "Phát huy giá trị văn hóa, con người Bắc Ninh - Kinh Bắc: Tiếp tục quan tâm phát "
        "triển văn hóa ngang tầm với phát triển kinh tế - xã hội. Thực hiện có hiệu quả Nghị "
        "quyết số 71-NQ/TU ngày 29/8/2022 của BCH Đảng bộ tỉnh về xây dựng và phát triển văn "
        "hóa, con người Bắc Ninh đến năm 2030 đáp ứng yêu cầu phát triển bền vững.",
    ),
    (
        "Đẩy mạnh ứng dụng công nghệ thông tin, nâng cao hiệu quả công tác tuyên truyền; "
        "thúc đẩy chuyển dổi số, phát triển nền kinh tế số, xã hội số",
        "",
    ),
    (
        "Tiếp tục đẩy mạnh cải cách hành chính; nâng cao chất lượng xây dựng và hoạt động của "
        "các cấp chính quyền",
        "Tiếp tục thực hiện sắp xếp tổ chức bộ máy hành chính đảm bảo tinh gọn, hiệu lực, "
        "hiệu quả. Đảm bảo tiến độ nâng cấp đơn vị hành chính cấp huyện theo đúng kế hoạch.",
    ),
    (
        "Chú trọng tổ chức thi hành pháp luật, các vấn đề liên quan đến cải cách hành chính, "
        "cải cách tư pháp",
        "Thực hiện tốt công tác kiểm tra, xử lý văn bản quy phạm pháp luật. Tăng cường công "
        "tác QLNN và phối hợp trong phổ biến, giáo dục pháp luật một cách toàn diện, rộng "
        "khắp, hướng mạnh về cơ sở.",
    ),
    (
        "Nâng cao chất lượng công tác thanh tra, tiếp dân và giải quyết khiếu nại, tố cáo, "
        "phòng chống tham nhũng, tiêu cực",
        "",
    ),
    (
        "Tăng cường quốc phòng, quân sự địa phương; giữ vững an ninh chính trị, trật tự an "
        "toàn xã hội",
        "",
    ),
    ("Tích cực, chủ động hội nhập quốc tế toàn diện và sâu rộng", ""),
]
BAC_NINH_CLOSING = (
    "Cụm thi đua các huyện, thành phố cam kết lãnh đạo, chỉ đạo các ngành, các địa phương, "
    "đơn vị nâng cao chất lượng và hiệu quả các phong trào thi đua, công tác khen thưởng trên "
    "mọi lĩnh vực. Tuyên truyền, vận động các tầng lớp nhân dân tích cực tham gia các phong "
    "trào thi đua yêu nước, góp phần thực hiện tốt Nghị quyết Đại hội Đảng các cấp đã đề ra."
)
BAC_NINH_TARGET = "Số xã được công nhận đạt chuẩn nông thôn mới nâng cao (toàn cụm: 09 xã)"
BAC_NINH = {
    "organizer": "Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh",
    "year": 2023,
    "title": "Giao ước thi đua năm 2023",
    "legal_bases": (
        "Kế hoạch số 21/KH-UBND ngày 30/01/2023 của UBND tỉnh Bắc Ninh\n"
        "Quyết định số 42/QĐ-UBND ngày 12/01/2023 của UBND tỉnh Bắc Ninh"
    ),
    "conference_date": dt.date(2023, 3, 17),
    "conference_place": "UBND huyện Lương Tài",
    "place_name": "Lương Tài",
    "guests": [
        ("Đàm Văn Bắc", "Phó Trưởng ban, Ban Thi đua - Khen thưởng tỉnh"),
        ("Phạm Thanh Hải", "Phó Bí thư Huyện ủy, Chủ tịch UBND huyện Lương Tài"),
    ],
    "sections": BAC_NINH_SECTIONS,
    "closing": BAC_NINH_CLOSING,
    # indicator, measure, value for every member (None: not given per unit)
    "targets": [(BAC_NINH_TARGET, "xã", None)],
    "documents": [
        (AdoptedDocument.Kind.REGULATIONS, "Quy chế hoạt động Cụm thi đua các huyện, thành phố"),
        (AdoptedDocument.Kind.CRITERIA, "Quy định tiêu chí chấm điểm thi đua"),
        (AdoptedDocument.Kind.SCORING_TABLE, "Bảng chấm điểm thi đua"),
    ],
    # The conference was on the afternoon of 17/3: signatures from 15:00, 5 minutes apart.
    "first_signature": dt.datetime(2023, 3, 17, 15, 0, tzinfo=VIETNAM),
}

# --- Seed 003: TP Bắc Kạn, 2022 ----------------------------------------------------------

BAC_KAN_SECTIONS = [
    (
        "Về phát triển kinh tế",
        "Thực hiện có hiệu quả và vượt mức các chỉ tiêu, thực hiện đúng chính sách của Đảng "
        "và pháp luật của Nhà nước. Từng bước chuyển dịch cơ cấu kinh tế Nông – Lâm nghiệp "
        "theo hướng sản xuất hàng hóa, ứng dụng triệt để tiến bộ khoa học kỹ thuật vào sản "
        "xuất. Tích cực tuyên truyền, vận động nông dân chuyển dịch cơ cấu cây trồng, nâng "
        "cao giá trị thu nhập trên đơn vị diện tích canh tác. Phấn đấu thu ngân sách trên địa "
        "bàn của từng xã, phường đạt và vượt chỉ tiêu giao. Triển khai thực hiện có hiệu quả "
        "các Chương trình mục tiêu quốc gia ở địa phương, giữ vững các tiêu chí xây dựng nông "
        "thôn mới.",
    ),
    (
        "Về văn hóa - xã hội",
        "Thực hiện tốt công tác quản lý nhà nước trên lĩnh vực văn hóa, thông tin và truyền "
        "thông, nâng cao vai trò lãnh đạo của cấp ủy, chính quyền, phát huy vai trò của Mặt "
        "trận Tổ quốc và các đoàn thể trong việc phối hợp lãnh đạo, tổ chức, vận động quần "
        "chúng nhân dân tích cực tham gia xây dựng đời sống văn hóa ở cơ sở. Tiếp tục quan "
        "tâm nâng cao chất lượng giáo dục; giữ vững và nâng cao công tác phổ cập giáo dục – "
        "xóa mù chữ. Nâng cao chất lượng khám, chữa bệnh và chăm sóc sức khỏe ban đầu cho "
        "nhân dân, tổ chức các hoạt động tuyên truyền và triển khai kế hoạch phòng, chống dịch "
        "bệnh đạt kết quả cao, không để xảy ra dịch bệnh lớn trên địa bàn. Quan tâm thực hiện "
        "tốt chính sách ưu đãi vay vốn tín dụng phát triển sản xuất, kinh doanh, học tập và "
        "tạo việc làm.",
    ),
    (
        "Về công tác xây dựng Đảng",
        "Tăng cường công tác giáo dục chính trị tư tưởng cho cán bộ đảng viên, phấn đấu 100% "
        "cán bộ, đảng viên được học tập các Chỉ thị, Nghị quyết, tiếp tục đẩy mạnh việc “Học "
        "tập và làm theo tấm gương đạo đức Hồ Chí Minh” Nghị quyết TW 4 (khóa XI) “Một số vấn "
        "đề cấp bách về công tác xây dựng Đảng hiện nay”.",
    ),
    (
        "Về quốc phòng - an ninh",
        "Thực hiện đầy đủ và hiệu quả các nhiệm vụ an ninh, quốc phòng, quan tâm triển khai "
        "thực hiện tốt chính sách hậu phương quân đội, đảm bảo tuyển quân đạt chỉ tiêu 100% "
        "cấp trên giao.",
    ),
    (
        "Về cải cách hành chính",
        "Thực hiện đẩy mạnh cải cách hành chính trong hoạt động của cơ quan, gắn cải cách hành "
        "chính với thực hiện quy chế dân chủ ở cơ sở và công tác thi đua khen thưởng. Phấn "
        "đấu chỉ số cải cách hành chính năm 2022 là 100% đơn vị đạt từ loại tốt trở lên.",
    ),
]
BAC_KAN = {
    "organizer": "Hội đồng Thi đua - Khen thưởng thành phố Bắc Kạn",
    "year": 2022,
    "title": "Giao ước thi đua năm 2022",
    "legal_bases": "",
    "conference_date": dt.date(2022, 4, 28),
    "conference_place": "phường Phùng Chí Kiên",
    "place_name": "Phùng Chí Kiên",
    "guests": [("Lê Đăng Trưởng", "Ủy viên BTV Thành ủy, Phó Chủ tịch HĐND thành phố")],
    "sections": BAC_KAN_SECTIONS,
    "closing": (
        "Giao ước thi đua là cơ sở, tiền đề để các đơn vị thực hiện thắng lợi các chỉ tiêu "
        "phát triển kinh tế - xã hội năm 2022."
    ),
    "targets": [
        ("Thu ngân sách trên địa bàn đạt và vượt chỉ tiêu giao", "%", Decimal(100)),
        ("Cán bộ, đảng viên được học tập các Chỉ thị, Nghị quyết", "%", Decimal(100)),
        ("Tuyển quân đạt chỉ tiêu cấp trên giao", "%", Decimal(100)),
        ("Đơn vị đạt chỉ số cải cách hành chính từ loại tốt trở lên", "%", Decimal(100)),
    ],
    "documents": [],
    # "Chiều ngày 28/4/2022": signatures from 15:30, 5 minutes apart.
    "first_signature": dt.datetime(2022, 4, 28, 15, 30, tzinfo=VIETNAM),
}


def username_for(unit: Unit) -> str:
    """ASCII user name of a unit's leader: "TP Từ Sơn" → "tuson_lanhdao"."""
    name = unit.short_name or unit.name
    changed = True
    while changed:
        changed = False
        for prefix in NAME_PREFIXES:
            if name.lower().startswith(prefix.lower()):
                name, changed = name[len(prefix) :], True
    plain = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    slug = "".join(ch for ch in plain.lower() if ch.isascii() and ch.isalnum())
    return f"{slug}_lanhdao"


def _year(organizer_name: str, year: int) -> ClusterYear | None:
    return (
        ClusterYear.objects.select_related("cluster__organizer", "head_unit")
        .filter(cluster__organizer__name=organizer_name, year=year)
        .first()
    )


def ensure_leaders(cluster_year: ClusterYear, names: list[str]) -> list[str]:
    """A leader account for every member unit that has none; returns the new user names."""
    user_model = get_user_model()
    created = []
    for membership in cluster_year.memberships.select_related("unit").order_by("order"):
        unit = membership.unit
        if Profile.objects.filter(unit=unit, role=Profile.Role.LEADER).exists():
            continue
        username = username_for(unit)
        if user_model.objects.filter(username=username).exists():
            continue
        full_name = names.pop(0) if names else "Nguyễn Văn Z"
        first, _sep, last = full_name.rpartition(" ")
        user = user_model.objects.create_user(
            username=username, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
        Profile.objects.create(
            user=user,
            role=Profile.Role.LEADER,
            unit=unit,
            position=LEADER_POSITION.get(unit.kind, unit.leader_title or "Thủ trưởng đơn vị"),
        )
        created.append(username)
    return created


def _leader_of(unit: Unit) -> Any:
    return (
        Profile.objects.filter(unit=unit, role=Profile.Role.LEADER)
        .select_related("user")
        .order_by("pk")
        .first()
    )


def _covenant(cluster_year: ClusterYear, seed: dict[str, Any]) -> Covenant | None:
    """The seed year's covenant, adopted and signed by every member; None if one exists."""
    if cluster_year.covenants.exists():
        return None
    members = [m.unit for m in cluster_year.memberships.select_related("unit").order_by("order")]
    covenant = Covenant.objects.create(
        cluster_year=cluster_year,
        title=seed["title"],
        theme=cluster_year.theme,
        legal_bases=seed["legal_bases"],
        conference_date=seed["conference_date"],
        conference_place=seed["conference_place"],
        place_name=seed["place_name"],
        closing=seed["closing"],
    )
    CovenantSection.objects.bulk_create(
        CovenantSection(covenant=covenant, order=order, heading=heading, body=body)
        for order, (heading, body) in enumerate(seed["sections"], start=1)
    )
    ConferenceGuest.objects.bulk_create(
        ConferenceGuest(covenant=covenant, order=order, name=name, position=position)
        for order, (name, position) in enumerate(seed["guests"], start=1)
    )
    for order, (indicator, measure, value) in enumerate(seed["targets"], start=1):
        target = Target.objects.create(
            covenant=covenant, order=order, indicator=indicator, measure=measure
        )
        TargetValue.objects.bulk_create(
            TargetValue(target=target, unit=unit, value=value) for unit in members
        )
    AdoptedDocument.objects.bulk_create(
        AdoptedDocument(covenant=covenant, kind=kind, title=title)
        for kind, title in seed["documents"]
    )
    log_action(
        actor=None,
        action="covenants.covenant.created",
        obj=covenant,
        scope_id=cluster_year.cluster.organizer_id,
        data={"source": "demo"},
    )
    covenant = covenant_circulate(actor=None, covenant=covenant)
    covenant = covenant_adopt(actor=None, covenant=covenant)
    covenant = covenant_open_signing(actor=None, covenant=covenant)

    # Members in the agreed order, the head unit last.
    head_id = cluster_year.head_unit_id
    order = [u for u in members if u.pk != head_id] + [u for u in members if u.pk == head_id]
    moment = seed["first_signature"]
    for unit in order:
        leader = _leader_of(unit)
        Signature.objects.create(
            covenant=covenant,
            unit=unit,
            signer=leader.user if leader else None,
            signer_name=(leader.user.get_full_name() if leader else "") or unit.name,
            signer_position=(leader.position if leader else "") or unit.leader_title,
            signed_at=moment,
            method=Signature.Method.IN_APP,
        )
        moment += dt.timedelta(minutes=5)
    covenant.state = CovenantState.SIGNED
    covenant.signed_at = moment - dt.timedelta(minutes=5)
    covenant.save(update_fields=["state", "signed_at", "updated_at"])
    log_action(
        actor=None,
        action="covenants.covenant.signed",
        obj=covenant,
        scope_id=cluster_year.cluster.organizer_id,
        data={
            "state": {"old": CovenantState.SIGNING, "new": CovenantState.SIGNED},
            "signatures": len(order),
            "source": "demo",
        },
    )
    return covenant


def load_covenant_demo() -> list[str]:
    """Leaders for every member unit of both seed years and the two signed covenants.

    Returns the user names created (empty when everything was there already)."""
    created: list[str] = []
    names = list(PLACEHOLDER_NAMES)
    with transaction.atomic():
        for seed in (BAC_NINH, BAC_KAN):
            cluster_year = _year(seed["organizer"], seed["year"])
            if cluster_year is None:
                continue
            created += ensure_leaders(cluster_year, names)
            _covenant(cluster_year, seed)
    return created
