"""Reads of the sharing app.

Legal bases are policy documents, not personal data: the coordinators of a country manage them;
whoever works on case files of a country (or audits) reads them, since they name the basis when
sharing. Grants, emergency openings and holds are read by the app that owns the object, after its
own door (``access_case``) has let the actor in; ``grants_applying`` and ``openings_applying`` are
that door's inputs, so they must stay cheap (two indexed queries).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from opennrm.core import audit, clock
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.core.models import AuditAction
from opennrm.directory import roles
from opennrm.directory.backends import countries_with_perm, is_signed_in, organisations_with_perm
from opennrm.directory.models import Organisation
from opennrm.sharing.models import AccessGrant, BreakGlass, LegalBasis, LegalHold, Rectification


def _today() -> date:
    return timezone.localdate(clock.now())


def reading_countries(actor: Any) -> set[str]:
    """Countries whose legal bases the actor reads: where they work on cases, coordinate, or
    (auditors) every country."""
    if not is_signed_in(actor) or not actor.is_active:
        return set()
    if actor.has_perm(roles.VIEW_AUDIT):
        return set(LegalBasis.objects.values_list("jurisdiction", flat=True).distinct()) | set(
            Organisation.objects.values_list("country", flat=True).distinct()
        )
    working = organisations_with_perm(actor, roles.CHANGE_CASE)
    countries = set(Organisation.objects.filter(pk__in=working).values_list("country", flat=True))
    return countries | countries_with_perm(actor, roles.MANAGE_SHARING)


def managing_countries(actor: Any) -> set[str]:
    if not is_signed_in(actor) or not actor.is_active:
        return set()
    return countries_with_perm(actor, roles.MANAGE_SHARING)


def legal_bases(*, actor: Any) -> list[LegalBasis]:
    countries = reading_countries(actor)
    return list(LegalBasis.objects.filter(jurisdiction__in=countries).prefetch_related("parties"))


def access_legal_basis(*, actor: Any, basis_id: object, manage: bool = False) -> LegalBasis:
    try:
        pk = int(str(basis_id))
    except ValueError:
        raise NotFoundOrForbidden from None
    countries = managing_countries(actor) if manage else reading_countries(actor)
    basis = LegalBasis.objects.filter(pk=pk, jurisdiction__in=countries).first()
    if basis is None:
        raise NotFoundOrForbidden
    return basis


def bases_for_sharing(*, jurisdiction: str, organisation_id: int) -> list[LegalBasis]:
    """Legal bases in force today to which ``organisation_id`` is a party (for a share form)."""
    today = _today()
    return list(
        LegalBasis.objects.filter(
            jurisdiction=jurisdiction,
            parties=organisation_id,
            ended_at=None,
            valid_from__lte=today,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .order_by("title", "pk")
    )


# --- grants ------------------------------------------------------------------------------------


def _in_force(queryset: QuerySet[AccessGrant], today: date) -> QuerySet[AccessGrant]:
    """Grants not revoked, within their dates, under a basis still in force (or consent)."""
    return queryset.filter(revoked_at=None, starts_on__lte=today, ends_on__gte=today).filter(
        Q(legal_basis__isnull=True)
        | Q(
            legal_basis__ended_at__isnull=True,
            legal_basis__valid_from__lte=today,
        )
        & (Q(legal_basis__valid_until__isnull=True) | Q(legal_basis__valid_until__gte=today))
    )


def _applying_to(actor: Any, perm: str) -> Q:
    """A grant applies to a named person while they hold ``perm`` (e.g. may view case files) at
    the grant's organisation, or to every member of the organisation who holds it there; someone
    who left the organisation, or changed role, loses what was shared with them at once."""
    organisations = organisations_with_perm(actor, perm)
    return Q(organisation_id__in=organisations) & (Q(user_id=actor.pk) | Q(user__isnull=True))


def grants_applying(
    *, actor: Any, object_type: str, object_id: int, perm: str
) -> list[AccessGrant]:
    if not is_signed_in(actor) or not actor.is_active:
        return []
    return list(
        _in_force(
            AccessGrant.objects.filter(object_type=object_type, object_id=object_id), _today()
        ).filter(_applying_to(actor, perm))
    )


def objects_granted(*, actor: Any, object_type: str, perm: str) -> QuerySet[AccessGrant]:
    """Ids (``object_id``) of the objects of ``object_type`` shared with the actor today."""
    if not is_signed_in(actor) or not actor.is_active:
        return AccessGrant.objects.none()
    return _in_force(AccessGrant.objects.filter(object_type=object_type), _today()).filter(
        _applying_to(actor, perm)
    )


def in_force(queryset: QuerySet[AccessGrant]) -> QuerySet[AccessGrant]:
    """The grants of ``queryset`` in force today."""
    return _in_force(queryset, _today())


def team_of(*, object_type: str, object_id: int) -> list[AccessGrant]:
    """Every grant ever made on the object, those in force first (for its team section)."""
    today = _today()
    rows = list(
        AccessGrant.objects.filter(object_type=object_type, object_id=object_id)
        .select_related("organisation", "user", "legal_basis", "granted_by", "revoked_by")
        .order_by("-granted_at", "-pk")
    )
    current = set(
        _in_force(
            AccessGrant.objects.filter(object_type=object_type, object_id=object_id), today
        ).values_list("pk", flat=True)
    )
    for row in rows:
        row.in_force = row.pk in current  # type: ignore[attr-defined]
    rows.sort(key=lambda row: not row.in_force)  # type: ignore[attr-defined]
    return rows


def named_users(*, object_type: str, object_id: int) -> set[int]:
    """People named on the object's team by a grant in force (specially protected records)."""
    return set(
        _in_force(
            AccessGrant.objects.filter(
                object_type=object_type, object_id=object_id, user__isnull=False
            ),
            _today(),
        ).values_list("user_id", flat=True)
    )


# --- emergency openings ------------------------------------------------------------------------


def openings_applying(*, actor: Any, object_type: str, object_id: int) -> BreakGlass | None:
    if not is_signed_in(actor) or not actor.is_active:
        return None
    return (
        BreakGlass.objects.filter(
            object_type=object_type,
            object_id=object_id,
            user_id=actor.pk,
            expires_at__gt=clock.now(),
        )
        .order_by("-expires_at")
        .first()
    )


def objects_opened(*, actor: Any, object_type: str) -> QuerySet[BreakGlass]:
    if not is_signed_in(actor) or not actor.is_active:
        return BreakGlass.objects.none()
    return BreakGlass.objects.filter(
        object_type=object_type, user_id=actor.pk, expires_at__gt=clock.now()
    )


def openings_of(*, object_type: str, object_id: int) -> list[BreakGlass]:
    return list(
        BreakGlass.objects.filter(object_type=object_type, object_id=object_id)
        .select_related("user")
        .order_by("-opened_at")
    )


# --- holds and rectifications ------------------------------------------------------------------


def holds_of(*, object_type: str, object_id: int) -> list[LegalHold]:
    return list(
        LegalHold.objects.filter(object_type=object_type, object_id=object_id)
        .select_related("placed_by", "lifted_by")
        .order_by("-placed_at")
    )


def held_objects(*, object_type: str) -> set[int]:
    return set(
        LegalHold.objects.filter(object_type=object_type, lifted_at=None).values_list(
            "object_id", flat=True
        )
    )


def rectifications_of(*, object_type: str, object_id: int) -> list[Rectification]:
    return list(
        Rectification.objects.filter(object_type=object_type, object_id=object_id)
        .select_related("by")
        .order_by("-at", "-pk")
    )


def record_list(*, actor: Any, view: str, count: int) -> None:
    audit.record(
        action=AuditAction.SEARCH,
        actor=actor,
        object_type="legalbasis",
        detail={"view": view, "results": count},
    )
