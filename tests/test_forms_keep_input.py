"""A refused form keeps what was typed, and says what is wrong next to the field (issue 9).

For each main form: read the page, type a Vietnamese text into every free-text field,
leave one required field empty, send it. The page comes back (no redirect) with every
typed text still in its field, the empty field marked invalid (``is-invalid``) and its
Vietnamese message inside the field's own wrapper (crispy's ``invalid-feedback`` right
after the input), not only at the top of the page.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from tests.url_matrix import ARGS, build_objects

# persona, URL name, example arguments (tests/url_matrix.py), the required field left empty
FORMS = [
    ("board", "unit_create", "", "name"),
    ("board", "cluster_create", "", "name"),
    ("board", "user_create", "", "username"),
    ("board", "organizer_settings", "", "name"),
    ("head_officer", "deliberation_edit", "period", "place"),
    ("head_officer", "covenant_edit", "covenant", "title"),
]
TEXT_TYPES = {"text", "search", ""}


def _form(page):  # type: ignore[no-untyped-def]
    """The page's main form: the POST form in <main> with the most fields."""
    forms = page.xpath("//main//form[translate(@method,'POST','post')='post']")
    assert forms, "no form"
    return max(forms, key=lambda form: len(form.xpath(".//input|.//textarea|.//select")))


def _fill(form, empty: str | None):  # type: ignore[no-untyped-def]
    data: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    for index, field in enumerate(form.xpath(".//input|.//textarea|.//select")):
        name = field.get("name")
        if not name:
            continue
        kind = (field.get("type") or "").lower() if field.tag == "input" else field.tag
        if field.tag == "select":
            chosen = field.xpath(".//option[@selected]/@value") or field.xpath(".//option/@value")
            if field.get("multiple") is not None:
                data.setdefault(name, []).extend(field.xpath(".//option[@selected]/@value"))
            else:
                data.setdefault(name, []).append(chosen[0] if chosen else "")
        elif kind in ("checkbox", "radio"):
            if field.get("checked") is not None:
                data.setdefault(name, []).append(field.get("value", "on"))
        elif kind in ("submit", "button", "file", "reset"):
            continue
        elif name == empty:
            data[name] = [""]
        elif (kind in TEXT_TYPES or kind == "textarea") and name != "csrfmiddlewaretoken":
            if field.tag == "input" and field.get("type") == "hidden":
                data.setdefault(name, []).append(field.get("value", ""))
                continue
            value = f"Nội dung đã gõ số {index}"
            maxlength = field.get("maxlength")
            if maxlength and int(maxlength) < len(value):
                value = value[: int(maxlength)]
            data[name] = [value]
            typed[name] = value
        else:
            value = field.text if field.tag == "textarea" else field.get("value", "")
            data.setdefault(name, []).append(value or "")
    return data, typed


def _wrapper(field):  # type: ignore[no-untyped-def]
    """The field's crispy wrapper (``div_id_<name>``), else its nearest div."""
    for ancestor in field.iterancestors("div"):
        if (ancestor.get("id") or "").startswith("div_id_"):
            return ancestor
    return field.getparent()


@pytest.mark.parametrize(("persona", "name", "args_kind", "empty"), FORMS)
def test_a_refused_form_keeps_the_input_and_shows_the_error_by_the_field(
    world, client_for, persona, name, args_kind, empty
):
    ours = build_objects(world)
    user = world.personas()[persona]
    client = client_for(user)
    path = reverse(name, args=ARGS[args_kind](ours))
    page = lxml_html.fromstring(client.get(path).content.decode())
    data, typed = _fill(_form(page), empty)
    if empty is None:
        # no required free text: refuse through a required choice instead
        page_form = _form(page)
        required = [
            f.get("name")
            for f in page_form.xpath(".//select[@required]|.//input[@required]")
            if f.get("name") not in typed
        ]
        assert required, "nothing to leave empty"
        empty = required[0]
        data[empty] = [""]
    response = client.post(path, data)
    assert response.status_code == 200, f"{name}: {response.status_code} (not refused?)"
    answer = lxml_html.fromstring(response.content.decode())
    form = _form(answer)
    for field_name, value in typed.items():
        fields = form.xpath(f".//*[@name='{field_name}']")
        assert fields, f"{name}: {field_name} is gone"
        field = fields[0]
        shown = field.text if field.tag == "textarea" else field.get("value")
        assert (shown or "").strip() == value, f"{name}: {field_name} lost {value!r}: {shown!r}"
    invalid = form.xpath(".//*[contains(concat(' ', @class, ' '), ' is-invalid ')]")
    names = {field.get("name") for field in invalid}
    assert empty in names, f"{name}: {empty} not marked invalid ({names})"
    for field in invalid:
        wrapper = _wrapper(field)
        messages = wrapper.xpath(
            ".//*[contains(concat(' ', @class, ' '), ' invalid-feedback ')]//text()"
        )
        message = " ".join(" ".join(messages).split())
        assert message, f"{name}: no message next to {field.get('name')}"
        assert not message.isascii(), f"{name}: {message!r} is not Vietnamese"
