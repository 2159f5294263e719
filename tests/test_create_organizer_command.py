"""``manage.py create_organizer``: the first organizer and its first board account of a
new server, through the same services as the pages (so logged), in Vietnamese."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from clusters.models import Organizer, Profile
from core.models import ActionLog
from tests.factories import OrganizerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Thi-dua-2025-an-toan"
ARGS = [
    "--name=Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh",
    "--level=province",
    "--parent-body=UBND TỈNH BẮC NINH",
    "--place-name=Bắc Ninh",
    "--username=bacninh_bdh",
    "--full-name=Nguyễn Văn An",
    "--email=an@bacninh.gov.vn",
    "--position=Chuyên viên",
]


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_organizer", *args, stdout=out)
    return out.getvalue()


def test_it_creates_the_organizer_and_a_board_account_that_can_log_in(monkeypatch, client):
    monkeypatch.setenv("FIRST_BOARD_PASSWORD", PASSWORD)
    out = run(*ARGS, "--password-from-env=FIRST_BOARD_PASSWORD")
    organizer = Organizer.objects.get()
    assert (
        organizer.name,
        organizer.level,
        organizer.parent_body,
        organizer.issuing_body,
        organizer.place_name,
    ) == (
        "Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh",
        "province",
        "UBND TỈNH BẮC NINH",
        "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
        "Bắc Ninh",
    )
    user = get_user_model().objects.get(username="bacninh_bdh")
    assert user.get_full_name() == "Nguyễn Văn An"
    assert user.email == "an@bacninh.gov.vn"
    assert (user.profile.role, user.profile.organizer, user.profile.unit) == (
        Profile.Role.BOARD,
        organizer,
        None,
    )
    assert user.profile.position == "Chuyên viên"
    assert not user.is_superuser
    assert out.strip() == (
        "Đã tạo cơ quan tổ chức “Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh” "
        "và tài khoản cán bộ Ban Thi đua - Khen thưởng “bacninh_bdh”."
    )
    # Logged as the pages log it, in the organizer's activity log.
    actions = set(ActionLog.objects.filter(scope_id=organizer.pk).values_list("action", flat=True))
    assert actions == {"clusters.organizer.created", "clusters.user.created"}
    # The account works: it logs in and lands on its organizer's dashboard.
    response = client.post(
        "/accounts/login/", {"username": "bacninh_bdh", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"] == user
    assert "Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh" in response.content.decode()


def test_the_password_is_asked_twice_at_a_terminal(monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    prompts = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", fake_getpass)
    run(*ARGS)
    assert prompts == ["Mật khẩu: ", "Mật khẩu (nhập lại): "]
    assert get_user_model().objects.get(username="bacninh_bdh").check_password(PASSWORD)


def test_two_different_passwords_create_nothing(monkeypatch):
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError) as refused:
        run(*ARGS)
    assert str(refused.value) == "Hai mật khẩu không khớp nhau."
    assert not Organizer.objects.exists()


def test_without_a_terminal_it_asks_for_the_environment_variable(monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CommandError, match="--password-from-env"):
        run(*ARGS)
    monkeypatch.delenv("NO_SUCH_PASSWORD_VARIABLE", raising=False)
    with pytest.raises(CommandError) as refused:
        run(*ARGS, "--password-from-env=NO_SUCH_PASSWORD_VARIABLE")
    assert str(refused.value) == (
        "Biến môi trường NO_SUCH_PASSWORD_VARIABLE chưa được đặt hoặc để trống."
    )
    assert not Organizer.objects.exists()


def test_a_weak_password_leaves_no_organizer_behind(monkeypatch):
    monkeypatch.setenv("FIRST_BOARD_PASSWORD", "123")
    with pytest.raises(CommandError) as refused:
        run(*ARGS, "--password-from-env=FIRST_BOARD_PASSWORD")
    # Django's own password checks, in Vietnamese.
    assert "Mật khẩu" in str(refused.value)
    assert not any(word in str(refused.value) for word in ("password", "short", "numeric"))
    assert not Organizer.objects.exists()
    assert not get_user_model().objects.filter(username="bacninh_bdh").exists()


def test_an_organizer_of_the_same_name_is_refused(monkeypatch):
    OrganizerFactory(name="Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh")
    monkeypatch.setenv("FIRST_BOARD_PASSWORD", PASSWORD)
    with pytest.raises(CommandError) as refused:
        run(*ARGS, "--password-from-env=FIRST_BOARD_PASSWORD")
    assert str(refused.value) == (
        "Đã có cơ quan tổ chức tên “Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh”."
    )
    assert Organizer.objects.count() == 1
    assert not get_user_model().objects.filter(username="bacninh_bdh").exists()


def test_a_taken_username_is_refused_and_no_organizer_is_left(monkeypatch):
    get_user_model().objects.create_user(username="bacninh_bdh", password=PASSWORD)
    monkeypatch.setenv("FIRST_BOARD_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="bacninh_bdh"):
        run(*ARGS, "--password-from-env=FIRST_BOARD_PASSWORD")
    assert not Organizer.objects.exists()


def test_an_empty_place_name_is_refused_in_vietnamese(monkeypatch):
    monkeypatch.setenv("FIRST_BOARD_PASSWORD", PASSWORD)
    args = [arg for arg in ARGS if not arg.startswith("--place-name")] + ["--place-name= "]
    with pytest.raises(CommandError) as refused:
        run(*args, "--password-from-env=FIRST_BOARD_PASSWORD")
    assert "Trường này là bắt buộc." in str(refused.value)
    assert not Organizer.objects.exists()
