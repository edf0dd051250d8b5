"""The languages offered by the language switcher: all public languages on the public pages,
the fully translated staff languages elsewhere."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language_info


def languages(request: HttpRequest) -> dict[str, Any]:
    match = getattr(request, "resolver_match", None)
    public = match is not None and match.namespace == "public"
    codes = settings.PUBLIC_LANGUAGES if public else settings.STAFF_LANGUAGES
    return {"language_choices": [get_language_info(code) for code in codes], "public_page": public}
