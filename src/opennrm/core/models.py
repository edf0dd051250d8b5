"""The audit trail: an append-only, hash-chained list of events.

Each event stores the SHA-256 of its predecessor's hash and its own canonical content, so altering
or deleting any row breaks the chain at that point (``opennrm audit verify``). A one-row head table
holds the last position and hash; appending locks it, so events are strictly serial. Events name
objects by type and id only: no personal data of the people in the case files is ever written here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    CREATE = "create", _("create")
    READ = "read", _("read")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")
    SEARCH = "search", _("search")
    LOGIN = "login", _("login")
    LOGIN_FAILED = "login_failed", _("failed login")
    LOCKOUT = "lockout", _("lock-out")
    LOGOUT = "logout", _("logout")
    OTP_SETUP = "otp_setup", _("two-factor set-up")
    OTP_FAILED = "otp_failed", _("failed two-factor code")
    RECOVERY_CODE_USED = "recovery_used", _("recovery code used")
    DENIED = "denied", _("permission denied")
    KEY_ROTATION = "key_rotation", _("key rotation")
    KEY_ROTATION_BATCH = "key_rotation_batch", _("key rotation batch")
    TOKEN_CREATE = "token_create", _("API token created")
    TOKEN_REVOKE = "token_revoke", _("API token revoked")
    TOKEN_USE = "token_use", _("API token used")
    TOKEN_REJECTED = "token_rejected", _("API token rejected")
    BREAK_GLASS = "break_glass", _("emergency access")
    ANONYMISE = "anonymise", _("anonymisation")


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(primary_key=True, verbose_name=_("position"))
    occurred_at = models.DateTimeField(db_index=True, verbose_name=_("time"))
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150, blank=True, verbose_name=_("actor"))
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    api_token_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(max_length=64, blank=True)
    legal_basis = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.CharField(max_length=45, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        permissions = [("view_all_auditevent", "View the audit trail of every organisation")]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """Exactly one row (pk=1): the position and hash of the last event in the chain."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"head #{self.seq}"
