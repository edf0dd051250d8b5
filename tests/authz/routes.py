"""What the site answers: every URL pattern, every API operation and every dispatched action.

Found, not listed: the URL resolver is walked recursively; a django-ninja URL pattern holds its
``PathView``, whose operations give the methods and the operationId (as in the OpenAPI schema);
the action-dispatch views name their actions in a table (or, for the measures, in their code).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from ninja.operation import Operation, PathView


@dataclass(frozen=True)
class ApiOperation:
    operation_id: str
    method: str
    url_name: str  # namespaced, for ``reverse``
    route: str


@dataclass(frozen=True)
class Site:
    routes: dict[str, str]  # URL name (namespaced) -> route, of the views that are not API ops
    operations: dict[str, ApiOperation]  # operationId -> operation


def _walk(patterns: Iterable[Any], prefix: str, namespace: str) -> Iterator[tuple[str, str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {route}>"
            yield name, route, pattern.callback


def _path_view(callback: Any) -> PathView | None:
    """The ninja ``PathView`` a view function of django-ninja closes over, if it is one."""
    for cell in getattr(callback, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(value, PathView):
            return value
    return None


def _operation_id(operation: Operation) -> str:
    if operation.operation_id:
        return str(operation.operation_id)
    return str(operation.api.get_openapi_operation_id(operation))


def discover(urlconf: str | None = None) -> Site:
    routes: dict[str, str] = {}
    operations: dict[str, ApiOperation] = {}
    for name, route, callback in _walk(get_resolver(urlconf).url_patterns, "", ""):
        view = _path_view(callback)
        if view is None:
            routes[name] = route
            continue
        namespace = name.rpartition(":")[0]
        for operation in view.operations:
            url_name = getattr(operation, "url_name", None) or operation.view_func.__name__
            for method in operation.methods:
                found = ApiOperation(
                    _operation_id(operation), method, f"{namespace}:{url_name}", route
                )
                operations[found.operation_id] = found
    return Site(routes=routes, operations=operations)


# --- action dispatch ----------------------------------------------------------------------------


def _case_actions() -> list[str]:
    from opennrm.cases.case_views import ACTIONS

    return list(ACTIONS)


def _referral_actions() -> list[str]:
    from opennrm.referrals.views import ACTIONS

    return list(ACTIONS)


def _measure_actions() -> list[str]:
    """``plans.views.measure_act`` has no table: its actions are read from its branches."""
    from opennrm.plans.views import measure_act

    return re.findall(r'action == "([a-z_-]+)"', inspect.getsource(measure_act))


# URL name -> (the URL's keyword naming the action, the actions the view dispatches)
DISPATCH: dict[str, tuple[str, Callable[[], list[str]]]] = {
    "cases:act": ("action", _case_actions),
    "referrals:act": ("action", _referral_actions),
    "plans:measure_act": ("action", _measure_actions),
}


def dispatched() -> dict[str, list[str]]:
    return {route: sorted(set(actions())) for route, (_kwarg, actions) in DISPATCH.items()}
