"""Shared by the directory's management commands (not a command: the name starts with _)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError

from opennrm.core import context
from opennrm.core.errors import InvalidInput, NotFoundOrForbidden
from opennrm.directory.models import Organisation
from opennrm.directory.services import SystemActor


def operator() -> SystemActor:
    return SystemActor("cli")


@contextmanager
def cli_errors() -> Iterator[None]:
    """Audit as the command line, and turn service errors into readable command errors."""
    token = context.set_current(context.RequestContext(channel="cli"))
    try:
        yield
    except InvalidInput as exc:
        lines = [f"{field}: {msg}" for field, messages in exc.errors.items() for msg in messages]
        raise CommandError("; ".join(lines) or "invalid input") from exc
    except NotFoundOrForbidden as exc:
        raise CommandError("not found") from exc
    finally:
        context.reset(token)


def organisation_by_slug(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise CommandError(f"no organisation with the code {slug!r} (see: opennrm org create)")
    return organisation
