"""Partner organisations in the directory: added by operators only."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.translation import gettext as _

from opennrm.core import audit, jurisdictions
from opennrm.core.errors import InvalidInput, NotFoundOrForbidden
from opennrm.core.models import AuditAction
from opennrm.directory.models import Organisation, OrganisationKind
from opennrm.directory.services._common import Actor

ADD_ORGANISATION = "directory.add_organisation"  # granted by no role: operators only


def _check_region(rules: jurisdictions.Jurisdiction | None, region: str) -> dict[str, list[str]]:
    if region and rules is not None and rules.region(region) is None:
        return {
            "region": [_("Choose a region code of the country, like NL-UT, or leave it empty.")]
        }
    return {}


def _check_functions(
    rules: jurisdictions.Jurisdiction | None, kind: str, functions: list[str] | tuple[str, ...]
) -> dict[str, list[str]]:
    """Errors for functions the country's file does not define or that another kind performs."""
    defined = {function.code: function for function in rules.functions} if rules else {}
    if any(code not in defined for code in functions):
        return {"functions": [_("Choose functions defined in the country's jurisdiction file.")]}
    if any(defined[code].kind != kind for code in functions):
        return {"functions": [_("A function is performed by organisations of its own kind only.")]}
    return {}


@transaction.atomic
def organisation_create(
    *,
    actor: Actor,
    slug: str,
    name: str,
    kind: str,
    country: str,
    region: str = "",
    short_name: str = "",
    functions: list[str] | tuple[str, ...] = (),
) -> Organisation:
    """Add a partner organisation to the directory (operators only)."""
    if not actor.has_perm(ADD_ORGANISATION):
        raise NotFoundOrForbidden
    errors: dict[str, list[str]] = {}
    slug, name, country = slug.strip(), name.strip(), country.strip().upper()
    try:
        validate_slug(slug)
    except ValidationError:
        errors["slug"] = [_("Use letters, numbers, hyphens and underscores only.")]
    if not errors.get("slug") and Organisation.objects.filter(slug=slug).exists():
        errors["slug"] = [_("An organisation with this code already exists.")]
    if not name or len(name) > 200:
        errors["name"] = [_("Enter a name of at most 200 characters.")]
    if kind not in OrganisationKind.values:
        errors["kind"] = [_("Choose a kind of organisation from the list.")]
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        errors["country"] = [_("Enter a two-letter ISO 3166-1 country code, like NL or BE.")]
    if len(region) > 100 or len(short_name) > 40:
        errors["region"] = [_("The region or short name is too long.")]
    region = region.strip().upper()
    rules = jurisdictions.get(country)
    errors.update(_check_region(rules, region))
    errors.update(_check_functions(rules, kind, functions))
    if errors:
        raise InvalidInput(errors)
    organisation = Organisation.objects.create(
        slug=slug,
        name=name,
        kind=kind,
        country=country,
        region=region,
        short_name=short_name.strip(),
        functions=sorted(set(functions)),
    )
    audit.record(
        action=AuditAction.CREATE,
        actor=actor,
        organisation_id=organisation.pk,
        object_type="organisation",
        object_id=organisation.pk,
        detail={"kind": kind, "functions": sorted(set(functions))},
    )
    return organisation


@transaction.atomic
def organisation_update(
    *,
    actor: Actor,
    slug: str,
    region: str | None = None,
    functions: list[str] | tuple[str, ...] | None = None,
) -> Organisation:
    """Change the region an organisation serves and the routing functions it performs
    (operators only); ``None`` leaves a value as it is."""
    if not actor.has_perm(ADD_ORGANISATION):
        raise NotFoundOrForbidden
    organisation = Organisation.objects.select_for_update().filter(slug=slug).first()
    if organisation is None:
        raise NotFoundOrForbidden
    rules = jurisdictions.get(organisation.country)
    errors: dict[str, list[str]] = {}
    if region is not None:
        region = region.strip().upper()
        errors.update(_check_region(rules, region))
    if functions is not None:
        errors.update(_check_functions(rules, organisation.kind, functions))
    if errors:
        raise InvalidInput(errors)
    changed = []
    if region is not None and region != organisation.region:
        organisation.region = region
        changed.append("region")
    if functions is not None and sorted(set(functions)) != organisation.functions:
        organisation.functions = sorted(set(functions))
        changed.append("functions")
    if changed:
        organisation.save(update_fields=changed)
        audit.record(
            action=AuditAction.UPDATE,
            actor=actor,
            organisation_id=organisation.pk,
            object_type="organisation",
            object_id=organisation.pk,
            detail={"fields": changed, "functions": organisation.functions},
        )
    return organisation
