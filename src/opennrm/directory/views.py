"""Directory pages: organisations, user administration and API clients.

Views stay thin: they parse input with a form, call one service or selector, and map
``NotFoundOrForbidden`` to 404 and ``InvalidInput`` to the form's error summary (status 400).
The organisation being administered comes from ``?organisation=<id>`` (default: the first one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import TemplateView

from opennrm.core.errors import InvalidInput, NotFoundOrForbidden
from opennrm.directory import notifications, roles, selectors, services, twofactor
from opennrm.directory.forms import (
    OrganisationFilterForm,
    RoleForm,
    TokenCreateForm,
    UserCreateForm,
    add_service_errors,
)
from opennrm.directory.models import Notification, Organisation, User
from opennrm.directory.roles import Role

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _administered(request: HttpRequest, perm: str) -> tuple[Organisation, list[Organisation]]:
    """The organisation chosen with ``?organisation=`` among those the actor administers."""
    organisations = list(selectors.organisations_administered_by(actor=request.user, perm=perm))
    if not organisations:
        raise PermissionDenied
    chosen = request.GET.get("organisation")
    if chosen is None:
        return organisations[0], organisations
    for organisation in organisations:
        if str(organisation.pk) == chosen:
            return organisation, organisations
    raise Http404


def _in(url: str, organisation: Organisation) -> str:
    return f"{url}?{urlencode({'organisation': organisation.pk})}"


def _managed_user(request: HttpRequest, organisation: Organisation, user_id: int) -> User:
    try:
        return selectors.access_managed_user(
            actor=request.user, organisation=organisation, user_id=user_id
        )
    except NotFoundOrForbidden as exc:
        raise Http404 from exc


# --- organisations ----------------------------------------------------------------------------


@require_GET
@login_required
def organisations(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm(roles.VIEW_ORGANISATIONS):
        raise PermissionDenied
    form = OrganisationFilterForm(
        request.GET or None, countries=selectors.organisation_countries(user=user)
    )
    country = kind = ""
    if form.is_bound and form.is_valid():
        country, kind = form.cleaned_data["country"], form.cleaned_data["kind"]
    rows = selectors.organisations_filtered(user=user, country=country, kind=kind)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("country", country), ("kind", kind)) if v})
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "page": page, "query": query}
    return render(request, "directory/organisations.html", context, status=status)


# --- users ------------------------------------------------------------------------------------


@require_GET
@login_required
def users(request: HttpRequest) -> HttpResponse:
    organisation, administered = _administered(request, roles.MANAGE_USERS)
    rows = selectors.users_of_organisation(actor=request.user, organisation=organisation)
    context = {"organisation": organisation, "administered": administered, "rows": rows}
    return render(request, "directory/users.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    organisation, _all = _administered(request, roles.MANAGE_USERS)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=_actor(request),
                organisation=organisation,
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                roles=data["roles"],
                base_url=settings.OPENNRM_BASE_URL,
            )
        except InvalidInput as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("User %(username)s was created. We sent them an e-mail to choose a password.")
                % {"username": user.get_username()},
            )
            return redirect(_in(reverse("directory:user_detail", args=[user.pk]), organisation))
    status = 400 if form.errors else 200
    context = {"organisation": organisation, "form": form}
    return render(request, "directory/user_create.html", context, status=status)


def _render_user_detail(
    request: HttpRequest,
    organisation: Organisation,
    user: User,
    *,
    form: Form | None = None,
    action_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    held = selectors.roles_in(user=user, organisation=organisation)
    context = {
        "organisation": organisation,
        "member": user,
        "held": [(role, Role(role).label) for role in held],
        "grantable": [(role, label) for role, label in Role.choices if role not in held],
        "form": form if form is not None else RoleForm(),
        "action_errors": action_errors or [],
        "has_two_factor": twofactor.has_totp(user),
        "recovery_codes": twofactor.remaining_recovery_codes(user),
        "locked_out": selectors.is_locked_out(user=user),
    }
    return render(request, "directory/user_detail.html", context, status=status)


@require_GET
@login_required
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    organisation, _all = _administered(request, roles.MANAGE_USERS)
    user = _managed_user(request, organisation, user_id)
    return _render_user_detail(request, organisation, user)


def _user_change(
    request: HttpRequest,
    user_id: int,
    change: Callable[[Organisation, User], object],
    success: str,
    next_url_name: str = "directory:user_detail",
) -> HttpResponse:
    """Run one change on a managed user: a success message and redirect, or the error shown on
    the user's page (status 400) with nothing changed.
    """
    organisation, _all = _administered(request, roles.MANAGE_USERS)
    user = _managed_user(request, organisation, user_id)
    try:
        change(organisation, user)
    except NotFoundOrForbidden as exc:
        raise Http404 from exc
    except InvalidInput as exc:
        errors = [message for messages_ in exc.errors.values() for message in messages_]
        return _render_user_detail(request, organisation, user, action_errors=errors, status=400)
    values = {"username": user.get_username(), "organisation": organisation.name}
    messages.success(request, success % values)
    args = [user.pk] if next_url_name == "directory:user_detail" else []
    return redirect(_in(reverse(next_url_name, args=args), organisation))


@require_POST
@login_required
def user_role_grant(request: HttpRequest, user_id: int) -> HttpResponse:
    organisation, _all = _administered(request, roles.MANAGE_USERS)
    user = _managed_user(request, organisation, user_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_grant(
                actor=_actor(request),
                organisation=organisation,
                user_id=user.pk,
                role=form.cleaned_data["role"],
            )
        except NotFoundOrForbidden as exc:
            raise Http404 from exc
        except InvalidInput as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The role was given to %(username)s.") % {"username": user.username}
            )
            return redirect(_in(reverse("directory:user_detail", args=[user.pk]), organisation))
    return _render_user_detail(request, organisation, user, form=form, status=400)


@require_POST
@login_required
def user_role_withdraw(request: HttpRequest, user_id: int) -> HttpResponse:
    def change(organisation: Organisation, user: User) -> None:
        form = RoleForm(request.POST)
        if not form.is_valid():
            raise InvalidInput({"role": [_("Choose a role from the list.")]})
        services.membership_revoke(
            actor=_actor(request),
            organisation=organisation,
            user_id=user.pk,
            role=form.cleaned_data["role"],
        )

    return _user_change(request, user_id, change, _("The role was withdrawn from %(username)s."))


@require_http_methods(["GET", "POST"])
@login_required
def user_remove(request: HttpRequest, user_id: int) -> HttpResponse:
    if request.method == "POST":

        def change(organisation: Organisation, user: User) -> None:
            services.user_remove_from_organisation(
                actor=_actor(request), organisation=organisation, user_id=user.pk
            )

        success = _("%(username)s was removed from %(organisation)s.")
        return _user_change(request, user_id, change, success, "directory:users")
    organisation, _all = _administered(request, roles.MANAGE_USERS)
    user = _managed_user(request, organisation, user_id)
    context = {"organisation": organisation, "member": user}
    return render(request, "directory/user_remove.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def user_reset_two_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    organisation, _all = _administered(request, roles.MANAGE_USERS)
    user = _managed_user(request, organisation, user_id)
    if request.method == "POST":
        services.user_reset_two_factor(
            actor=_actor(request), organisation=organisation, user_id=user.pk
        )
        messages.success(
            request,
            _(
                "Two-factor authentication of %(username)s was reset. They set it up again when "
                "they next sign in."
            )
            % {"username": user.get_username()},
        )
        return redirect(_in(reverse("directory:user_detail", args=[user.pk]), organisation))
    context = {"organisation": organisation, "member": user}
    return render(request, "directory/user_reset_two_factor.html", context)


@require_POST
@login_required
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    def change(organisation: Organisation, user: User) -> None:
        services.user_unlock(actor=_actor(request), organisation=organisation, user_id=user.pk)

    return _user_change(
        request, user_id, change, _("%(username)s can sign in again: the lock-out was lifted.")
    )


# --- API clients ------------------------------------------------------------------------------


@require_GET
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    organisation, administered = _administered(request, roles.MANAGE_TOKENS)
    rows = selectors.tokens_of_organisation(actor=request.user, organisation=organisation)
    context = {
        "organisation": organisation,
        "administered": administered,
        "rows": [(token, _token_status(token)) for token in rows],
    }
    return render(request, "directory/tokens.html", context)


def _token_status(token: Any) -> str:
    if token.revoked_at is not None:
        return _("Revoked")
    if selectors.token_expired(token):
        return _("Expired")
    return _("Active")


@require_http_methods(["GET", "POST"])
@login_required
def token_create(request: HttpRequest) -> HttpResponse:
    organisation, _all = _administered(request, roles.MANAGE_TOKENS)
    members = list(selectors.members_for_tokens(actor=request.user, organisation=organisation))
    form = TokenCreateForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, full = services.api_token_create(
                actor=_actor(request),
                organisation=organisation,
                user_id=data["user"],
                name=data["name"],
                expires_in_days=data["expires_in_days"],
            )
        except InvalidInput as exc:
            add_service_errors(form, exc)
        else:
            context = {"organisation": organisation, "token": token, "full_token": full}
            return render(request, "directory/token_created.html", context)
    status = 400 if form.errors else 200
    context = {"organisation": organisation, "form": form, "members": members}
    return render(request, "directory/token_create.html", context, status=status)


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    organisation, _all = _administered(request, roles.MANAGE_TOKENS)
    try:
        token = services.api_token_revoke(
            actor=_actor(request), organisation=organisation, token_id=token_id
        )
    except NotFoundOrForbidden as exc:
        raise Http404 from exc
    except InvalidInput:
        messages.error(request, _("This token had already been revoked; nothing was changed."))
    else:
        messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return redirect(_in(reverse("directory:tokens"), organisation))


# --- choosing a password through the e-mailed link ---------------------------------------------


class PasswordSetView(PasswordResetConfirmView):
    """The link of the welcome e-mail (``services.set_password_link``): choose a password."""

    template_name = "directory/password_set.html"
    success_url = reverse_lazy("directory:password_set_done")

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            services.user_password_set(user=self.user, password=form.cleaned_data["new_password1"])
        except InvalidInput as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class PasswordSetDoneView(TemplateView):
    template_name = "directory/password_set_done.html"


# --- the inbox ------------------------------------------------------------------------------------


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    rows = [
        (item, notifications.render(item)) for item in notifications.inbox(cast(User, request.user))
    ]
    return render(request, "directory/inbox.html", {"rows": rows})


@require_POST
@login_required
def inbox_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one of the user's notifications read and follow its link (another user's: 404)."""
    item = Notification.objects.filter(pk=notification_id, user=cast(User, request.user)).first()
    if item is None:
        raise Http404
    notifications.mark_read(cast(User, request.user), item.pk)
    safe = url_has_allowed_host_and_scheme(item.link, allowed_hosts=None)
    return HttpResponseRedirect(item.link if safe else reverse("home"))


@require_POST
@login_required
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    notifications.mark_read(cast(User, request.user))
    return redirect("directory:inbox")
