"""Forms of the directory pages: they parse input; the services validate and decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from opennrm.core.errors import InvalidInput
from opennrm.directory.models import OrganisationKind, User
from opennrm.directory.roles import ROLE_CHOICES_FOR_ADMINISTRATORS

ALL = [("", _("All"))]


def add_service_errors(form: forms.Form, exc: InvalidInput) -> None:
    """Show a service's ``InvalidInput`` on the form: on its field if the form has it."""
    for field, messages in exc.errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class OrganisationFilterForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind of organisation"), required=False, choices=ALL + OrganisationKind.choices
    )

    def __init__(self, *args: Any, countries: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["country"])
        field.choices = ALL + [(code, code) for code in countries]


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only. The person signs in with it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send a link to choose a password to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=ROLE_CHOICES_FOR_ADMINISTRATORS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Give only the roles the person needs for their work."),
        error_messages={"required": _("Choose at least one role.")},
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=ROLE_CHOICES_FOR_ADMINISTRATORS,
        error_messages={
            "required": _("Choose a role."),
            "invalid_choice": _("Choose a role from the list."),
        },
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the API client"),
        max_length=100,
        help_text=_("Say which system uses it, for example: case system of the shelter."),
    )
    user = forms.TypedChoiceField(
        label=_("Acts as"),
        coerce=int,
        help_text=_(
            "The token has the roles of this service account, within this organisation only. "
            "Operators create service accounts with: opennrm user create --service-account"
        ),
        error_messages={
            "required": _("Choose the service account the token acts as."),
            "invalid_choice": _("Choose a service account from the list."),
        },
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_(
            "Leave empty for a token that does not expire. Revoke it when no longer needed."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, members: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(u.pk, u.get_username()) for u in members]
        cast(forms.ChoiceField, self.fields["user"]).choices = [
            ("", _("Choose a service account")),
            *choices,
        ]
