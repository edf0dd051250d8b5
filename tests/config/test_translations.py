"""Every user-facing string is translated into Dutch and French, and pages switch language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

LOCALE = Path(__file__).resolve().parents[2] / "src" / "opennrm" / "locale"


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_catalogue_is_complete(language: str) -> None:
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first entry is the header
    empty = re.compile(r'^msgstr(\[\d+\])? ""\n(?!")', re.M)
    untranslated = [e for e in entries if empty.search(e + "\n")]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert untranslated == []
    assert fuzzy == []
    mo = LOCALE / language / "LC_MESSAGES" / "django.mo"
    assert (
        mo.stat().st_mtime >= (LOCALE / language / "LC_MESSAGES" / "django.po").stat().st_mtime - 5
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Sign in"), ("nl", "Inloggen"), ("fr", "Se connecter")]
)
def test_login_page_follows_the_chosen_language(language: str, heading: str) -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": language, "next": "/account/login/"})
    assert response.status_code == 302
    page = client.get("/account/login/")
    html = page.content.decode()
    assert f'lang="{language}"' in html
    assert heading in html


@pytest.mark.django_db
def test_unknown_language_is_ignored(settings: Any) -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "xx", "next": "/account/login/"})
    assert 'lang="en"' in client.get("/account/login/").content.decode()


# Romanian and Bulgarian are offered on the public report pages only (settings.PUBLIC_LANGUAGES):
# every string those pages can show must be translated; the staff pages fall back to English.
PUBLIC_SOURCES = (
    "intake/templates/public/",
    "templates/base.html",
    "templates/includes/",
    "intake/forms.py",
    "intake/validation.py",
    "core/validation.py",
    "intake/public_views.py",
)


@pytest.mark.parametrize("language", ["ro", "bg"])
def test_public_strings_are_translated(language: str) -> None:
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    public = [
        entry
        for entry in entries
        if any(
            line.startswith("#:") and any(source in line for source in PUBLIC_SOURCES)
            for line in entry.splitlines()
        )
    ]
    empty = re.compile(r'^msgstr(\[\d+\])? ""\n(?!")', re.M)
    assert len(public) > 40  # the public pages' strings were found at all
    missing = [entry.split("msgid", 1)[1][:80] for entry in public if empty.search(entry + "\n")]
    assert missing == []
    assert not [entry for entry in public if "#, fuzzy" in entry]


def test_public_and_staff_languages_are_configured(settings: Any) -> None:
    codes = {code for code, _name in settings.LANGUAGES}
    assert set(settings.PUBLIC_LANGUAGES) <= codes and set(settings.STAFF_LANGUAGES) <= codes
    assert {"en", "nl", "fr", "ro", "bg"} <= set(settings.PUBLIC_LANGUAGES)
