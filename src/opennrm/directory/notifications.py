"""The in-app inbox and the e-mail that goes with each notification.

An app registers the text of each kind of notification it sends (``register``) and calls
``notify`` inside the transaction of the change; the inbox rows are written in that transaction,
the e-mails go out only after it commits (``transaction.on_commit``), so a rolled-back change
notifies nobody. Texts take ``%(reference)s`` and ``%(organisation)s`` only: a notification never
carries personal data, only a reference, an organisation's name and a link (DESIGN rule 6).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from opennrm.core import clock
from opennrm.directory.models import Notification, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    code: str
    text: Any  # a lazy translation with %(reference)s and %(organisation)s


_KINDS: dict[str, Kind] = {}


def register(code: str, text: Any) -> None:
    _KINDS[code] = Kind(code, text)


def render(notification: Notification) -> str:
    kind = _KINDS.get(notification.kind)
    if kind is None:
        return str(notification.kind)
    return str(kind.text) % {
        "reference": notification.reference,
        "organisation": notification.organisation_name,
    }


def notify(
    *, users: Iterable[User], kind: str, reference: str, organisation_name: str, link: str
) -> list[Notification]:
    """Put a notification in each user's inbox and e-mail it after the commit (each user once)."""
    if kind not in _KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    now = clock.now()
    unique = {user.pk: user for user in users if user.is_active}
    rows = Notification.objects.bulk_create(
        Notification(
            user=user,
            kind=kind,
            reference=reference,
            organisation_name=organisation_name[:200],
            link=link,
            created_at=now,
        )
        for user in unique.values()
    )
    pending = [(user, row) for user, row in zip(unique.values(), rows, strict=True) if user.email]
    if pending:
        transaction.on_commit(lambda: _send(pending))
    return rows


def _send(pending: list[tuple[User, Notification]]) -> None:
    for user, row in pending:
        language = user.preferred_language or settings.LANGUAGE_CODE
        with translation.override(language):
            text = render(row)
            body = "\n\n".join(
                [
                    text,
                    _("Sign in to see it:")
                    + " "
                    + settings.OPENNRM_BASE_URL
                    + row.link.lstrip("/"),
                    _("This message contains no personal data. Do not reply to it."),
                ]
            )
            try:
                send_mail(
                    subject=f"OpenNRM: {text}",
                    message=body,
                    from_email=None,
                    recipient_list=[user.email],
                )
            except Exception:
                # No address or text in the log: the kind and the row id are enough to follow up.
                logger.exception("notification e-mail failed (kind=%s, id=%s)", row.kind, row.pk)


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def inbox(user: User, *, limit: int = 100) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one (or every) notification of ``user`` read; another user's is never touched."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        rows = rows.filter(pk=notification_id)
    return rows.update(read_at=clock.now())
