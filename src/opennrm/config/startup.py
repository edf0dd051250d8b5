"""Checks that must pass before a server answers requests.

``manage.py runserver`` and ``migrate`` run Django's system checks, but gunicorn and other WSGI or
ASGI servers do not: without this, a malformed rule file would be left out silently. The WSGI and
ASGI entry points call ``refuse_bad_rule_files`` once, at start-up.
"""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def refuse_bad_rule_files() -> None:
    """Raise ``ImproperlyConfigured`` naming every file and line at fault."""
    errors = [problem for problem in checks.run_checks(tags=["opennrm"]) if problem.is_serious()]
    if errors:
        lines = "\n".join(f"{problem.id}: {problem.msg}" for problem in errors)
        raise ImproperlyConfigured(f"OpenNRM will not start; fix the rule files first:\n{lines}")
