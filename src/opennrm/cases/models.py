"""Persons: the people OpenNRM supports. Identity fields are encrypted at rest.

Names and aliases are searchable only through ``PersonNameToken`` (keyed HMAC of normalised name
words); the date of birth through ``dob_index``. No plaintext identity is ever stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opennrm.core.fields import EncryptedDateField, EncryptedJSONField, EncryptedTextField
from opennrm.directory.models import Organisation


class Person(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    given_names = EncryptedTextField(_("given names"), blank=True)
    family_name = EncryptedTextField(_("family name"), blank=True)
    aliases = EncryptedJSONField(_("aliases"), default=list, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    identity_documents = EncryptedJSONField(_("identity documents"), default=list, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    email = EncryptedTextField(_("e-mail"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    dob_index = models.CharField(max_length=32, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        permissions = [
            ("view_own_org_person", "View persons of one's own organisation"),
            ("add_own_org_person", "Register persons in one's own organisation"),
            ("change_own_org_person", "Change persons of one's own organisation"),
            ("delete_own_org_person", "Delete persons of one's own organisation"),
            ("export_own_org_person", "Export persons of one's own organisation"),
        ]

    def __str__(self) -> str:
        return f"Person {self.pk}"  # never the name: str() ends up in logs and messages

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.given_names, self.family_name) if part)


class PersonNameToken(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_tokens")
    token = models.CharField(max_length=32, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "token"], name="person_name_token_unique")
        ]

    def __str__(self) -> str:
        return f"token of person {self.person_id}"
