"""What the site answers: every URL pattern, every API operation and every dispatched action.

Found, not listed: the URL resolver is walked recursively; a django-ninja URL pattern holds its
``PathView``, whose operations give the methods and the operationId (as in the OpenAPI schema);
the action-dispatch views name their actions in a table (or, for the measures, in their code).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
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


def _team_actions() -> list[str]:
    from opennrm.cases.team_views import ACTIONS

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
    "cases:team_act": ("action", _team_actions),
}
# A route taking one of these keywords dispatches actions: it must be listed in DISPATCH.
DISPATCH_KEYWORDS = ("<slug:action>", "<action>", "<str:action>")


def dispatched() -> dict[str, list[str]]:
    return {route: sorted(set(actions())) for route, (_kwarg, actions) in DISPATCH.items()}


# --- what the matrix covers, and what it misses ----------------------------------------------


@dataclass
class Coverage:
    routes: set[str] = field(default_factory=set)  # URL names with an entry
    operations: set[str] = field(default_factory=set)  # operationIds with an entry
    actions: dict[str, set[str]] = field(default_factory=dict)  # dispatch route -> actions
    undispatched: set[str] = field(default_factory=set)  # entries of a dispatch route, no action


def _missing_actions(covered: Coverage) -> Iterator[str]:
    for route, names in sorted(dispatched().items()):
        have = covered.actions.get(route, set())
        for name in names:
            if name not in have:
                yield f"action without an entry: {route} {name}"
        for name in sorted(have - set(names)):
            yield f"entry for an action that does not exist: {route} {name}"


def _undeclared_dispatch(site: Site) -> Iterator[str]:
    for name, route in sorted(site.routes.items()):
        if any(keyword in route for keyword in DISPATCH_KEYWORDS) and name not in DISPATCH:
            yield f"action-dispatch route missing from routes.DISPATCH: {name} ({route})"


def uncovered(covered: Coverage, site: Site) -> list[str]:
    """Routes, actions and operations without an entry, and entries naming none of them."""
    problems = [
        f"route without an entry: {name} ({route})"
        for name, route in sorted(site.routes.items())
        if name not in covered.routes
    ]
    problems += [
        f"API operation without an entry: {found.method} {found.route} ({operation_id})"
        for operation_id, found in sorted(site.operations.items())
        if operation_id not in covered.operations
    ]
    problems += _missing_actions(covered)
    problems += _undeclared_dispatch(site)
    problems += [
        f"entry for a route that does not exist: {name}"
        for name in sorted(covered.routes - set(site.routes))
    ]
    problems += [
        f"entry for an operation that does not exist: {name}"
        for name in sorted(covered.operations - set(site.operations))
    ]
    problems += [
        f"entry of an action-dispatch route without an action: {name}"
        for name in sorted(covered.undispatched)
    ]
    return problems
