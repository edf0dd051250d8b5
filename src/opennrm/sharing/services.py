"""Writes of the sharing app (DESIGN rule 1): legal bases, grants, emergency openings, legal
holds and rectifications. Each runs in one transaction with its audit event.

Grants, openings and holds concern objects of other apps (a case file); the app that owns the
object checks that the actor may act on it and then calls these services, which check everything
about the sharing itself (the basis, the categories, the parties, the dates).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opennrm.core import audit, clock
from opennrm.core.dates import clean_date
from opennrm.core.errors import InvalidInput, NotFoundOrForbidden, PermissionDeniedError
from opennrm.core.locks import lock_for_update
from opennrm.core.models import AuditAction
from opennrm.core.validation import FieldErrors, clean_choice, clean_text
from opennrm.directory import roles
from opennrm.directory.backends import countries_with_perm, organisations_with_perm
from opennrm.directory.models import Membership, Organisation, User
from opennrm.sharing import rules
from opennrm.sharing.models import (
    AccessGrant,
    BasisKind,
    BreakGlass,
    LegalBasis,
    LegalHold,
    Rectification,
    TeamRole,
)

TITLE_MAX = 300
PURPOSE_MAX = 2000
REASON_MAX = 2000


def _today() -> date:
    return timezone.localdate(clock.now())


def _clean_categories(value: Any, errors: FieldErrors) -> list[str]:
    codes = [value] if isinstance(value, str) else list(value or [])
    if not codes:
        errors.add("categories", _("Choose at least one category of data."))
        return []
    if any(not isinstance(code, str) or code not in rules.CATEGORY_CODES for code in codes):
        errors.add("categories", _("Choose categories from the list."))
        return []
    return sorted(set(codes), key=rules.CATEGORY_CODES.index)


# --- legal bases -------------------------------------------------------------------------------


def legal_basis_create(
    *,
    actor: Any,
    jurisdiction: str,
    kind: str,
    title: str,
    reference: str,
    purpose: str,
    categories: Any,
    party_ids: Any,
    valid_from: Any,
    valid_until: Any = None,
) -> LegalBasis:
    """Record a law or covenant of ``jurisdiction``; only the country's coordinators may."""
    if jurisdiction not in countries_with_perm(actor, roles.MANAGE_SHARING):
        raise PermissionDeniedError
    errors = FieldErrors()
    kind = clean_choice(kind, "kind", BasisKind.values, errors, _("Choose a kind."), required=True)
    title = clean_text(title, "title", TITLE_MAX, errors, multiline=False)
    if not title:
        errors.add("title", _("Enter the title."))
    reference = clean_text(reference, "reference", TITLE_MAX, errors, multiline=False)
    if not reference:
        errors.add("reference", _("Enter where the document can be found."))
    purpose = clean_text(purpose, "purpose", PURPOSE_MAX, errors, multiline=True)
    if not purpose:
        errors.add("purpose", _("Enter the purpose."))
    codes = _clean_categories(categories, errors)
    start = clean_date(valid_from, "valid_from", errors, required=True, latest=date.max)
    end = clean_date(valid_until, "valid_until", errors, latest=date.max)
    if start and end and end < start:
        errors.add("valid_until", _("The end must not be before the start."))
    ids = _ids(party_ids)
    parties = (
        list(Organisation.objects.filter(pk__in=ids, country=jurisdiction, is_active=True))
        if ids is not None
        else []
    )
    if ids is None or len(parties) != len(ids):
        errors.add("parties", _("Choose the parties from the organisations of the country."))
    elif len(parties) < 2:
        errors.add("parties", _("Choose at least two parties."))
    errors.raise_if_any()
    if start is None:  # the errors above were raised
        raise InvalidInput({"valid_from": [_("Enter a date.")]})
    with transaction.atomic():
        basis = LegalBasis.objects.create(
            jurisdiction=jurisdiction,
            kind=kind,
            title=title,
            reference=reference,
            purpose=purpose,
            categories=codes,
            valid_from=start,
            valid_until=end,
            created_by=actor,
            created_at=clock.now(),
        )
        basis.parties.set(parties)
        audit.record(
            action=AuditAction.CREATE,
            actor=actor,
            object_type="legalbasis",
            object_id=basis.pk,
            detail={"parties": sorted(p.pk for p in parties), "categories": codes},
        )
    return basis


def _ids(value: Any) -> list[int] | None:
    items = [value] if isinstance(value, str | int) else list(value or [])
    try:
        return sorted({int(str(item)) for item in items})
    except ValueError:
        return None


def legal_basis_end(*, actor: Any, basis_id: object, version: Any) -> LegalBasis:
    """End a legal basis now: the sharing it covered stops at once."""
    from opennrm.sharing.selectors import access_legal_basis

    basis = access_legal_basis(actor=actor, basis_id=basis_id, manage=True)
    with transaction.atomic():
        basis = lock_for_update(LegalBasis, basis.pk, _version(version))
        if basis.ended_at is not None:
            return basis
        basis.ended_at = clock.now()
        basis.version += 1
        basis.save(update_fields=["ended_at", "version"])
        audit.record(
            action=AuditAction.UPDATE,
            actor=actor,
            object_type="legalbasis",
            object_id=basis.pk,
            detail={"ended": True, "grants": basis.grants.filter(revoked_at=None).count()},
        )
    return basis


def _version(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise InvalidInput({"version": [_("Reload the page and try again.")]}) from None


# --- grants (team members) ---------------------------------------------------------------------


def grant_create(
    *,
    actor: Any,
    object_type: str,
    object_id: int,
    jurisdiction: str,
    granting_organisation_id: int,
    organisation_id: Any,
    user_id: Any = None,
    role: Any,
    categories: Any,
    purpose: Any,
    legal_basis_id: Any = None,
    consent_given_on: Any = None,
    ends_on: Any,
) -> AccessGrant:
    """Add an organisation (or one named person in it) to an object's team for ``categories``.

    Refused, with the reason under each field, unless a legal basis in force covers the sharing
    (both organisations are parties, every category is covered, the grant ends within it) or the
    person's consent is recorded with its date. The caller has checked that ``actor`` may share
    the object on behalf of ``granting_organisation_id``.
    """
    today = _today()
    errors = FieldErrors()
    org_ids = _ids(organisation_id)
    organisation = (
        Organisation.objects.filter(pk=org_ids[0], country=jurisdiction, is_active=True).first()
        if org_ids and len(org_ids) == 1
        else None
    )
    if organisation is None:
        errors.add("organisation", _("Choose an organisation of the country."))
    elif organisation.pk == granting_organisation_id:
        errors.add("organisation", _("Your own organisation already works on this case."))
    elif Membership.objects.filter(
        user_id=getattr(actor, "pk", 0) or 0, organisation=organisation, is_active=True
    ).exists():
        # Nobody widens their own access by sharing with themselves: a coordinator who needs
        # more than they see uses emergency access (a reason, a time limit, alerts).
        errors.add(
            "organisation",
            _("You cannot share a case with an organisation you work at yourself."),
        )
    user = None
    if user_id not in (None, ""):
        user_ids = _ids(user_id)
        user = (
            User.objects.filter(pk=user_ids[0], is_active=True).first()
            if user_ids and len(user_ids) == 1 and organisation is not None
            else None
        )
        # Only someone who may view case files there can be named (not an analyst or an
        # administrator of the organisation, who may not use two-factor sign-in either).
        if user is not None and (
            organisation is None
            or organisation.pk not in organisations_with_perm(user, roles.VIEW_CASE)
        ):
            user = None
        if user is None:
            errors.add("user", _("Choose a person who works at that organisation."))
    role = clean_choice(role, "role", TeamRole.values, errors, _("Choose a role."), required=True)
    codes = _clean_categories(categories, errors)
    purpose_text = clean_text(purpose, "purpose", rules.PURPOSE_MAX, errors, multiline=False)
    if not purpose_text:
        errors.add("purpose", _("Say for what purpose the data is shared."))
    end = clean_date(
        ends_on,
        "ends_on",
        errors,
        required=True,
        earliest=today,
        latest=rules.latest_end(today),
        too_early=_("The end date must not be in the past."),
        too_late=_("Share for at most two years; renew the sharing when it ends."),
    )
    basis = _basis_of(legal_basis_id, jurisdiction, errors)
    consent_on = None
    if basis is None and legal_basis_id in (None, ""):
        consent_on = clean_date(
            consent_given_on,
            "consent_given_on",
            errors,
            latest=today,
        )
        if consent_on is None and "consent_given_on" not in errors.errors:
            errors.add(
                "legal_basis",
                _(
                    "Name the legal basis for sharing, or record the date on which the person "
                    "consented."
                ),
            )
    elif consent_given_on not in (None, ""):
        errors.add("consent_given_on", _("Name either a legal basis or the consent, not both."))
    if basis is not None and organisation is not None and codes:
        for field, messages in rules.basis_problems(
            basis,
            granting_organisation_id=granting_organisation_id,
            organisation_id=organisation.pk,
            categories=codes,
            today=today,
            ends_on=end,
        ).items():
            for message in messages:
                errors.add(field, message)
    errors.raise_if_any()
    if organisation is None or end is None:  # the errors above were raised
        raise InvalidInput({"organisation": [_("Choose an organisation of the country.")]})
    with transaction.atomic():
        grant = AccessGrant.objects.create(
            object_type=object_type,
            object_id=object_id,
            jurisdiction=jurisdiction,
            granting_organisation_id=granting_organisation_id,
            organisation=organisation,
            user=user,
            role=role,
            categories=codes,
            purpose=purpose_text,
            legal_basis=basis,
            consent_given_on=consent_on,
            starts_on=today,
            ends_on=end,
            granted_by=actor,
            granted_at=clock.now(),
        )
        audit.record(
            action=AuditAction.CREATE,
            actor=actor,
            organisation_id=granting_organisation_id,
            object_type="accessgrant",
            object_id=grant.pk,
            legal_basis=f"basis-{basis.pk}" if basis else "consent",
            detail={
                "object_type": object_type,
                "object_id": object_id,
                "organisation": organisation.pk,
                "user": user.pk if user else None,
                "categories": codes,
            },
        )
    return grant


def _basis_of(value: Any, jurisdiction: str, errors: FieldErrors) -> LegalBasis | None:
    if value in (None, ""):
        return None
    ids = _ids(value)
    basis = (
        LegalBasis.objects.filter(pk=ids[0], jurisdiction=jurisdiction).first()
        if ids and len(ids) == 1
        else None
    )
    if basis is None:
        errors.add("legal_basis", _("Choose a legal basis of the country."))
    return basis


def grant_revoke(*, actor: Any, object_type: str, object_id: int, grant_id: Any) -> AccessGrant:
    """End a team member's access at once (the caller checked the actor may share the object)."""
    ids = _ids(grant_id)
    if not ids or len(ids) != 1:
        raise NotFoundOrForbidden
    with transaction.atomic():
        grant = (
            AccessGrant.objects.select_for_update()
            .filter(pk=ids[0], object_type=object_type, object_id=object_id)
            .first()
        )
        if grant is None:
            raise NotFoundOrForbidden
        if grant.revoked_at is None:
            grant.revoked_at = clock.now()
            grant.revoked_by = actor
            grant.save(update_fields=["revoked_at", "revoked_by"])
            audit.record(
                action=AuditAction.UPDATE,
                actor=actor,
                organisation_id=grant.granting_organisation_id,
                object_type="accessgrant",
                object_id=grant.pk,
                detail={"revoked": True, "object_type": object_type, "object_id": object_id},
            )
    return grant


def grants_end_for_object(*, actor: Any | None, object_type: str, object_id: int) -> int:
    """Revoke every grant on an object (it was closed for good, or anonymised)."""
    now = clock.now()
    return AccessGrant.objects.filter(
        object_type=object_type, object_id=object_id, revoked_at=None
    ).update(revoked_at=now, revoked_by=actor)


# --- emergency access (break-glass) ------------------------------------------------------------


def break_glass_open(
    *, actor: Any, object_type: str, object_id: int, jurisdiction: str, reason: Any
) -> BreakGlass:
    """Open an object outside one's scope for ``BREAK_GLASS_HOURS``: the actor must hold the
    emergency permission in ``jurisdiction`` and type why. The caller alerts the object's owner
    and the data-protection officers in the same transaction."""
    if jurisdiction not in countries_with_perm(actor, roles.BREAK_GLASS):
        raise NotFoundOrForbidden
    errors = FieldErrors()
    text = clean_text(reason, "reason", REASON_MAX, errors, multiline=True)
    if len(text) < rules.BREAK_GLASS_REASON_MIN and "reason" not in errors.errors:
        errors.add(
            "reason",
            _("Explain the emergency in at least %(count)d characters.")
            % {"count": rules.BREAK_GLASS_REASON_MIN},
        )
    errors.raise_if_any()
    now = clock.now()
    with transaction.atomic():
        opening = BreakGlass.objects.create(
            object_type=object_type,
            object_id=object_id,
            user=actor,
            reason=text,
            opened_at=now,
            expires_at=now + timedelta(hours=rules.BREAK_GLASS_HOURS),
        )
        audit.record(
            action=AuditAction.BREAK_GLASS,
            actor=actor,
            object_type=object_type,
            object_id=object_id,
            purpose="emergency",
            detail={"opening": opening.pk, "hours": rules.BREAK_GLASS_HOURS},
        )
    return opening


# --- legal holds -------------------------------------------------------------------------------


def hold_place(*, actor: Any, object_type: str, object_id: int, reason: Any) -> LegalHold:
    """Keep an object from erasure (the caller checked the actor may)."""
    errors = FieldErrors()
    text = clean_text(reason, "reason", REASON_MAX, errors, multiline=True)
    if not text and "reason" not in errors.errors:
        errors.add("reason", _("Say which proceedings require keeping the data."))
    errors.raise_if_any()
    with transaction.atomic():
        hold = LegalHold.objects.create(
            object_type=object_type,
            object_id=object_id,
            reason=text,
            placed_by=actor,
            placed_at=clock.now(),
        )
        audit.record(
            action=AuditAction.CREATE,
            actor=actor,
            object_type="legalhold",
            object_id=hold.pk,
            detail={"object_type": object_type, "object_id": object_id},
        )
    return hold


def hold_lift(*, actor: Any, object_type: str, object_id: int, hold_id: Any) -> LegalHold:
    ids = _ids(hold_id)
    with transaction.atomic():
        hold = (
            LegalHold.objects.select_for_update()
            .filter(pk=ids[0] if ids else 0, object_type=object_type, object_id=object_id)
            .first()
        )
        if hold is None:
            raise NotFoundOrForbidden
        if hold.lifted_at is None:
            hold.lifted_at = clock.now()
            hold.lifted_by = actor
            hold.save(update_fields=["lifted_at", "lifted_by"])
            audit.record(
                action=AuditAction.UPDATE,
                actor=actor,
                object_type="legalhold",
                object_id=hold.pk,
                detail={"lifted": True, "object_type": object_type, "object_id": object_id},
            )
    return hold


# --- rectification -----------------------------------------------------------------------------


def rectifications_record(
    *,
    actor: Any,
    object_type: str,
    object_id: int,
    changes: list[tuple[str, str, str]],
    reason: str,
) -> list[Rectification]:
    """Keep the history of corrected fields: ``changes`` holds (field, before, after) as text.
    Call inside the transaction of the correction."""
    now = clock.now()
    return Rectification.objects.bulk_create(
        Rectification(
            object_type=object_type,
            object_id=object_id,
            field=field,
            old_value=before,
            new_value=after,
            reason=reason,
            by=actor,
            at=now,
        )
        for field, before, after in changes
    )
