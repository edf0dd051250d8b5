"""Template filters of the plan pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key, 0) if hasattr(mapping, "get") else 0


@register.filter
def theme_name(plan: Any, code: str) -> str:
    return str(plan.theme_name(code))
