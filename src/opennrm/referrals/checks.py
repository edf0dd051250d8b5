"""System check ``opennrm.E103``: the routing rules of every jurisdiction file are well formed.

Each message names the file and line at fault (see ``core.rulefiles``).
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from opennrm.referrals.routing import load_routing


@register("opennrm")
def check_routing(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    _routing, errors = load_routing()
    return [Error(str(error), id="opennrm.E103") for error in errors]
