"""The seed clusters' scoring tables (domain.md section 9) and a library template per
organizer.

- Bắc Ninh 2023: 1.000 points in the covenant's ten sections, a bonus cap of 50 and a
  deduction cap of 30 (including "Không ký giao ước thi đua: trừ 8 điểm"), the
  economy section scoring the 9-communes target by ratio. Left unfrozen here; the
  year-end period of ``scoring/demo_year_end.py`` freezes it when scoring opens (the
  editor can be tried on a new version, or on the library template).
- TP Bắc Kạn 2022: 100 points in the covenant's five sections, its four percentage
  targets each scored by ratio. Frozen on 15/11/2022, when scoring opened.

The articles say the tables were adopted, not what was in them: sections follow the
covenants; the criteria and points are illustrative. Written through the services
(the Excel import path), so the tables pass the same checks as a user's.

Safe to run again: nothing is created twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from clusters.models import ClusterYear, Organizer
from covenants.demo import BAC_KAN, BAC_NINH, BAC_NINH_TARGET, VIETNAM
from scoring.excel import ParsedRubric, RubricRow, RubricSettings
from scoring.models import Rubric
from scoring.selectors.rubrics import stored_params
from scoring.services.rubrics import rubric_create, rubric_freeze, template_create

G, M, PF, TR, RL, PO, B, D = (
    "group", "manual", "pass_fail", "target_ratio", "relative_leader", "per_occurrence",
    "bonus", "deduction",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    code: str
    parent: str | None
    title: str
    kind: str
    maximum: int
    params: dict[str, Any] = field(default_factory=dict)  # beside the maximum
    target: str = ""  # the covenant target's indicator
    evidence: bool = False
    guidance: str = ""


BAC_NINH_ROWS: list[Row] = [
    Row("I", None, "Về kinh tế", G, 200),
    Row(
        "I.1",
        "I",
        "Tốc độ tăng giá trị sản xuất, thu nhập bình quân đầu người đạt kế hoạch năm 2023",
        M,
        60,
        evidence=True,
        guidance="Căn cứ báo cáo kinh tế - xã hội năm 2023 của đơn vị và số liệu của Cục "
        "Thống kê tỉnh.",
    ),
    Row(
        "I.2",
        "I",
        "Thu ngân sách nhà nước trên địa bàn so với dự toán được giao",
        RL,
        50,
        evidence=True,
        guidance="Kết quả tính bằng % so với dự toán tỉnh giao; đơn vị vượt dự toán cao nhất "
        "cụm đạt điểm tối đa.",
    ),
    Row(
        "I.3",
        "I",
        "Số xã được công nhận đạt chuẩn nông thôn mới nâng cao trong năm 2023",
        TR,
        60,
        target=BAC_NINH_TARGET,
        evidence=True,
        guidance="Theo quyết định công nhận của UBND tỉnh; chỉ tiêu theo giao ước thi đua.",
    ),
    Row("I.4", "I", "Thu hút đầu tư, phát triển doanh nghiệp, hợp tác xã", M, 30),
    Row("II", None, "Nâng cao chất lượng công tác quy hoạch và quản lý đầu tư công", G, 100),
    Row(
        "II.1",
        "II",
        "Tổ chức thực hiện quy hoạch tỉnh thời kỳ 2021-2030; quản lý quy hoạch, kiến trúc, "
        "cảnh quan đô thị",
        M,
        50,
    ),
    Row("II.2", "II", "Tỷ lệ giải ngân vốn đầu tư công so với kế hoạch", RL, 50, evidence=True),
    Row("III", None, "Tăng cường công tác quản lý tài nguyên và bảo vệ môi trường", G, 80),
    Row(
        "III.1",
        "III",
        "Quản lý đất đai, đấu giá quyền sử dụng đất, cấp giấy chứng nhận quyền sử dụng đất",
        M,
        40,
    ),
    Row(
        "III.2",
        "III",
        "Thực hiện đúng lộ trình Đề án tổng thể Bảo vệ môi trường giai đoạn 2019-2025",
        PF,
        40,
        evidence=True,
    ),
    Row("IV", None, "Phát triển toàn diện các lĩnh vực văn hóa - xã hội", G, 120),
    Row("IV.1", "IV", "Văn hóa", G, 60),
    Row(
        "IV.1.a",
        "IV.1",
        "Triển khai Nghị quyết số 71-NQ/TU ngày 29/8/2022 của BCH Đảng bộ tỉnh",
        M,
        30,
        evidence=True,
    ),
    Row("IV.1.b", "IV.1", "Tỷ lệ gia đình, thôn, khu phố đạt danh hiệu văn hóa", M, 30),
    Row("IV.2", "IV", "Giáo dục, y tế, lao động, việc làm và an sinh xã hội", M, 60),
    Row("V", None, "Ứng dụng công nghệ thông tin, tuyên truyền, chuyển đổi số", G, 80),
    Row("V.1", "V", "Chuyển đổi số, phát triển chính quyền số, kinh tế số, xã hội số", M, 50),
    Row("V.2", "V", "Hiệu quả công tác thông tin, tuyên truyền", M, 30),
    Row(
        "VI",
        None,
        "Cải cách hành chính; xây dựng và hoạt động của chính quyền các cấp",
        G,
        100,
    ),
    Row(
        "VI.1",
        "VI",
        "Kết quả Chỉ số cải cách hành chính năm 2023",
        M,
        60,
        evidence=True,
        guidance="Theo kết quả xác định Chỉ số cải cách hành chính do UBND tỉnh công bố.",
    ),
    Row(
        "VI.2",
        "VI",
        "Sắp xếp tổ chức bộ máy tinh gọn; nâng cấp đơn vị hành chính cấp huyện đúng kế hoạch",
        PF,
        40,
    ),
    Row("VII", None, "Tổ chức thi hành pháp luật, cải cách tư pháp", G, 80),
    Row("VII.1", "VII", "Kiểm tra, xử lý văn bản quy phạm pháp luật", M, 40),
    Row("VII.2", "VII", "Phổ biến, giáo dục pháp luật, hướng mạnh về cơ sở", M, 40),
    Row(
        "VIII",
        None,
        "Thanh tra, tiếp dân, giải quyết khiếu nại, tố cáo, phòng chống tham nhũng, tiêu cực",
        G,
        80,
    ),
    Row(
        "VIII.1",
        "VIII",
        "Tiếp công dân, giải quyết khiếu nại, tố cáo thuộc thẩm quyền",
        M,
        50,
        evidence=True,
    ),
    Row("VIII.2", "VIII", "Phòng, chống tham nhũng, tiêu cực", M, 30),
    Row(
        "IX",
        None,
        "Quốc phòng, quân sự địa phương; an ninh chính trị, trật tự an toàn xã hội",
        G,
        100,
    ),
    Row("IX.1", "IX", "Hoàn thành 100% chỉ tiêu tuyển quân", PF, 40, evidence=True),
    Row("IX.2", "IX", "Giữ vững an ninh chính trị, trật tự an toàn xã hội", M, 60),
    Row("X", None, "Hội nhập quốc tế toàn diện và sâu rộng", G, 60),
    Row("X.1", "X", "Hoạt động đối ngoại, hợp tác quốc tế", M, 30),
    Row(
        "X.2",
        "X",
        "Dự án đầu tư nước ngoài mới được cấp phép trên địa bàn",
        PO,
        30,
        params={"points_each": "5"},
        evidence=True,
        guidance="5 điểm cho mỗi dự án, tối đa 30 điểm.",
    ),
    # Bonus (cap 50) and deductions (cap 30) stand outside the ten sections.
    Row(
        "TH.1",
        None,
        "Được Chính phủ, bộ, ngành Trung ương tặng cờ thi đua, bằng khen",
        B,
        30,
        params={"points_each": "10"},
        evidence=True,
        guidance="Cộng 10 điểm cho mỗi hình thức khen thưởng, tối đa 30 điểm.",
    ),
    Row(
        "TH.2",
        None,
        "Có mô hình mới, cách làm hay được tỉnh công nhận và nhân rộng",
        B,
        20,
        params={"points_each": "5"},
        evidence=True,
    ),
    Row(
        "TR.1",
        None,
        "Không ký giao ước thi đua: trừ 8 điểm",
        D,
        8,
        params={"points_each": "8"},
        guidance="Ban Thi đua - Khen thưởng tỉnh thẩm định.",
    ),
    Row(
        "TR.2",
        None,
        "Gửi báo cáo, hồ sơ thi đua chậm so với thời hạn",
        D,
        10,
        params={"points_each": "2"},
        guidance="Trừ 2 điểm mỗi lần, tối đa 10 điểm.",
    ),
    Row(
        "TR.3",
        None,
        "Có tập thể, cá nhân bị kỷ luật từ hình thức khiển trách trở lên",
        D,
        12,
        params={"points_each": "4"},
    ),
]

BAC_KAN_TARGETS = [indicator for indicator, _measure, _value in BAC_KAN["targets"]]
BAC_KAN_ROWS: list[Row] = [
    Row("I", None, "Về phát triển kinh tế", G, 30),
    Row(
        "I.1",
        "I",
        "Thu ngân sách trên địa bàn đạt và vượt chỉ tiêu giao",
        TR,
        15,
        target=BAC_KAN_TARGETS[0],
        evidence=True,
    ),
    Row("I.2", "I", "Giữ vững các tiêu chí xây dựng nông thôn mới", PF, 10),
    Row(
        "I.3",
        "I",
        "Chuyển dịch cơ cấu cây trồng, ứng dụng tiến bộ khoa học kỹ thuật vào sản xuất",
        M,
        5,
    ),
    Row("II", None, "Về văn hóa - xã hội", G, 25),
    Row("II.1", "II", "Xây dựng đời sống văn hóa ở cơ sở", M, 8),
    Row("II.2", "II", "Giữ vững phổ cập giáo dục - xóa mù chữ", PF, 7),
    Row("II.3", "II", "Không để xảy ra dịch bệnh lớn trên địa bàn", PF, 10),
    Row("III", None, "Về công tác xây dựng Đảng", G, 15),
    Row(
        "III.1",
        "III",
        "Cán bộ, đảng viên được học tập các Chỉ thị, Nghị quyết",
        TR,
        10,
        target=BAC_KAN_TARGETS[1],
        evidence=True,
    ),
    Row("III.2", "III", "Học tập và làm theo tấm gương đạo đức Hồ Chí Minh", M, 5),
    Row("IV", None, "Về quốc phòng - an ninh", G, 15),
    Row(
        "IV.1",
        "IV",
        "Tuyển quân đạt chỉ tiêu cấp trên giao",
        TR,
        10,
        target=BAC_KAN_TARGETS[2],
        evidence=True,
    ),
    Row("IV.2", "IV", "Thực hiện chính sách hậu phương quân đội", M, 5),
    Row("V", None, "Về cải cách hành chính", G, 15),
    Row(
        "V.1",
        "V",
        "Chỉ số cải cách hành chính năm 2022 đạt từ loại tốt trở lên",
        TR,
        10,
        target=BAC_KAN_TARGETS[3],
        evidence=True,
    ),
    Row("V.2", "V", "Gắn cải cách hành chính với thực hiện quy chế dân chủ ở cơ sở", M, 5),
]

BAC_NINH_RUBRIC = {
    "name": "Bảng chấm điểm thi đua Cụm thi đua các huyện, thành phố năm 2023",
    "settings": RubricSettings(Decimal(1000), Decimal(50), Decimal(30)),
    "rows": BAC_NINH_ROWS,
    "frozen_at": None,
    "template": "Mẫu bảng chấm điểm cụm thi đua cấp huyện (thang 1.000 điểm)",
}
BAC_KAN_RUBRIC = {
    "name": "Bảng chấm điểm thi đua Cụm thi đua các xã, phường năm 2022",
    "settings": RubricSettings(Decimal(100), Decimal(0), Decimal(0)),
    "rows": BAC_KAN_ROWS,
    # Scoring opened in mid-November for the year-end review.
    "frozen_at": dt.datetime(2022, 11, 15, 8, 0, tzinfo=VIETNAM),
    "template": "Mẫu bảng chấm điểm cụm thi đua xã, phường (thang 100 điểm)",
}


def parsed_rows(rows: list[Row], settings: RubricSettings) -> ParsedRubric:
    """The rows as a parsed file, for ``rubric_create(parsed=…)``."""
    nodes = [
        RubricRow(
            code=row.code,
            parent_code=row.parent,
            title=row.title,
            kind=row.kind,
            max_points=Decimal(row.maximum),
            params=stored_params(row.kind, Decimal(row.maximum), row.params),
            row=number,
            evidence_required=row.evidence,
            guidance=row.guidance,
            target_indicator=row.target,
        )
        for number, row in enumerate(rows, start=2)
    ]
    return ParsedRubric(nodes=nodes, settings=settings, row_errors=[])


def _year(organizer_name: str, year: int) -> ClusterYear | None:
    return ClusterYear.objects.filter(cluster__organizer__name=organizer_name, year=year).first()


def _rubric(cluster_year: ClusterYear, seed: dict[str, Any]) -> Rubric:
    existing = Rubric.objects.filter(cluster_year=cluster_year).order_by("-version").first()
    if existing is not None:
        return existing
    rubric = rubric_create(
        actor=None,
        cluster_year=cluster_year,
        name=seed["name"],
        parsed=parsed_rows(seed["rows"], seed["settings"]),
    )
    if seed["frozen_at"] is not None:
        rubric = rubric_freeze(actor=None, rubric=rubric, at=seed["frozen_at"])
    return rubric


def load_scoring_demo() -> list[Rubric]:
    """Both seed years' rubrics and one template per organizer; returns the rubrics
    created or found."""
    found: list[Rubric] = []
    with transaction.atomic():
        for covenant_seed, seed in ((BAC_NINH, BAC_NINH_RUBRIC), (BAC_KAN, BAC_KAN_RUBRIC)):
            cluster_year = _year(covenant_seed["organizer"], covenant_seed["year"])
            if cluster_year is None:
                continue
            rubric = _rubric(cluster_year, seed)
            found.append(rubric)
            organizer = Organizer.objects.get(pk=rubric.organizer_id)
            if not Rubric.objects.filter(
                organizer=organizer, cluster_year__isnull=True, name=seed["template"]
            ).exists():
                template_create(
                    actor=None, organizer=organizer, name=seed["template"], from_rubric=rubric
                )
    return found
