"""Directory API: who am I, and the organisations of the referral mechanism.

Mounted at ``/api/v1/directory``; the API root requires a bearer token or a verified session.
A token caller sees only the token's organisation and the roles its user holds there.
"""

# No ``from __future__ import annotations``: ninja reads the parameter types of the paginated
# view at run time, and string annotations would not resolve through the ``paginate`` wrapper.
from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from opennrm.directory import selectors
from opennrm.directory.models import ApiToken, Organisation, OrganisationKind
from opennrm.directory.roles import Role

router = Router(tags=["directory"])


class OrganisationRef(Schema):
    id: int
    slug: str
    name: str


class OrganisationOut(Schema):
    id: int
    slug: str
    name: str
    kind: OrganisationKind
    country: str
    region: str


class MembershipOut(Schema):
    organisation: OrganisationRef
    roles: list[Role]


class TokenOut(Schema):
    name: str
    prefix: str
    organisation: OrganisationRef
    expires_at: datetime | None


class MeOut(Schema):
    username: str
    memberships: list[MembershipOut]
    token: TokenOut | None = None


def _ref(organisation: Organisation) -> OrganisationRef:
    return OrganisationRef(id=organisation.pk, slug=organisation.slug, name=organisation.name)


@router.get("/me", response=MeOut, summary="The caller: user name, organisations and roles")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    by_org: dict[int, list[Role]] = {}
    for org_id, role in selectors.roles_of(user=user):
        by_org.setdefault(org_id, []).append(Role(role))
    organisations = Organisation.objects.in_bulk(list(by_org))
    memberships = [
        MembershipOut(organisation=_ref(organisations[org_id]), roles=sorted(held))
        for org_id, held in sorted(by_org.items())
        if org_id in organisations
    ]
    auth = getattr(request, "auth", None)
    token = None
    if isinstance(auth, ApiToken):
        token = TokenOut(
            name=auth.name,
            prefix=auth.prefix,
            organisation=_ref(auth.organisation),
            expires_at=auth.expires_at,
        )
    return MeOut(username=user.get_username(), memberships=memberships, token=token)


@router.get(
    "/organisations",
    response=list[OrganisationOut],
    summary="The organisations of the directory, by country and name",
)
@paginate(LimitOffsetPagination)
def organisations(
    request: HttpRequest, country: str | None = None, kind: OrganisationKind | None = None
) -> list[Organisation]:
    rows = selectors.organisations_filtered(
        user=request.user, country=(country or "").upper(), kind=kind or ""
    )
    return rows  # type: ignore[return-value]  # paginate slices the queryset
