"""Template filters of the intake: texts of rule files in the page's language."""

from __future__ import annotations

from typing import Any

from django import template

from opennrm.core.rulefiles import pick as pick_text

register = template.Library()


@register.filter
def pick(texts: Any) -> Any:
    """``{{ catalogue.title|pick }}``: the text in the active language, else English."""
    if isinstance(texts, dict):
        return pick_text(texts)
    return texts
