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
    if region and rules is not None and rules.region(region) is None:
        errors["region"] = [
            _("Choose a region code of the country, like NL-UT, or leave it empty.")
        ]
    known = {function.code for function in rules.functions} if rules is not None else set()
    if any(code not in known for code in functions):
        errors["functions"] = [_("Choose functions defined in the country's jurisdiction file.")]
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
