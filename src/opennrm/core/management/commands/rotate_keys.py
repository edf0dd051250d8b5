"""``opennrm rotate-keys``: re-encrypt every encrypted value under the primary data key.

Every ``EncryptedField`` of every installed model is found through the app registry. The raw
ciphertexts are read with SQL (no decryption on the way), and only values whose key id is not the
primary one are decrypted and re-encrypted, in batches with one transaction each. Each row is
written with a compare-and-swap on its old ciphertext, so a concurrent edit is never overwritten
(its value already uses the primary key). A second run finds nothing to do.
"""

from __future__ import annotations

import base64
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction

from opennrm.config.env import new_key, new_key_id, parse_data_keys, save_local_data_keys
from opennrm.core import audit, context, crypto
from opennrm.core.fields import EncryptedField
from opennrm.core.models import AuditAction

HELP = """Re-encrypt every encrypted value under the first (primary) data key.

Only values under another key are touched, in batches of one transaction each; the command is
idempotent and can be interrupted and run again. --check only counts the values still under old
keys. One audit event (key_rotation) records the counts and key ids (never keys).

Keys from the environment (production):
  1. opennrm keygen                     prints a new entry 'keyid:key'
  2. put it FIRST in OPENNRM_DATA_KEYS and keep the old keys after it; restart every process
  3. opennrm rotate-keys                re-encrypts
  4. opennrm rotate-keys --check        must report 0
  5. remove the old keys from OPENNRM_DATA_KEYS and restart. Keep them, offline, as long as
     backups made before the rotation are kept: those backups need them.
Local instance (keys in var/secrets.json): stop the server, run 'opennrm rotate-keys --generate'
(adds a new key in front and re-encrypts), start the server again; the old keys can then be
removed from var/secrets.json.
"""


@dataclass(frozen=True)
class EncryptedColumn:
    model: type[models.Model]
    field: EncryptedField

    @property
    def label(self) -> str:
        return f"{self.model._meta.db_table}.{self.field.column}"


def encrypted_columns() -> list[EncryptedColumn]:
    """Every column of an ``EncryptedField`` in an installed model, each once."""
    columns: list[EncryptedColumn] = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.local_concrete_fields:
            if isinstance(field, EncryptedField):
                columns.append(EncryptedColumn(model, field))
    return sorted(columns, key=lambda column: column.label)


class _Sql:
    """The three statements of one column, quoted for the current database."""

    def __init__(self, column: EncryptedColumn, primary_prefix: str) -> None:
        qn = connection.ops.quote_name
        meta = column.model._meta
        table, value, pk = qn(meta.db_table), qn(column.field.column), qn(meta.pk.column)
        # substr() and <> compare case-sensitively on SQLite and PostgreSQL (LIKE would not).
        stale = f"{value} IS NOT NULL AND substr({value}, 1, {len(primary_prefix):d}) <> %s"
        self.params: list[Any] = [primary_prefix]
        self.count = f"SELECT COUNT(*) FROM {table} WHERE {stale}"  # noqa: S608 - quoted names
        self.batch = (
            f"SELECT {pk}, {value} FROM {table} WHERE {stale} AND {pk} > %s "  # noqa: S608
            f"ORDER BY {pk} LIMIT %s"
        )
        self.first_batch = (
            f"SELECT {pk}, {value} FROM {table} WHERE {stale} "  # noqa: S608
            f"ORDER BY {pk} LIMIT %s"
        )
        self.swap = f"UPDATE {table} SET {value} = %s WHERE {pk} = %s AND {value} = %s"  # noqa: S608


def _encoded(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        from argparse import RawDescriptionHelpFormatter

        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--generate",
            action="store_true",
            help="first add a new key in front of the keys in var/secrets.json (local only)",
        )
        parser.add_argument(
            "--check", action="store_true", help="only count the values still under old keys"
        )
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate"] and options["check"]:
            raise CommandError("--generate and --check cannot be combined")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        token = context.set_current(
            context.RequestContext(request_id=uuid.uuid4().hex, channel="cli")
        )
        try:
            if options["check"]:
                self._check()
                return
            generated = self._generate() if options["generate"] else None
            self._rotate(options["batch_size"], generated)
        finally:
            context.reset(token)

    # --- steps ---------------------------------------------------------------------------

    def _generate(self) -> str:
        if settings.OPENNRM_DATA_KEYS_FROM_ENV:
            raise CommandError(
                "the data keys come from OPENNRM_DATA_KEYS: create a key with 'opennrm keygen', "
                "put it first in OPENNRM_DATA_KEYS, restart, and run 'opennrm rotate-keys' "
                "without --generate"
            )
        current = list(settings.OPENNRM_DATA_KEYS)
        key_id = new_key_id({kid for kid, _key in current})
        entries = [f"{key_id}:{new_key()}", *(f"{kid}:{_encoded(key)}" for kid, key in current)]
        raw = ",".join(entries)
        save_local_data_keys(settings.VAR_DIR, raw)
        settings.OPENNRM_DATA_KEYS = parse_data_keys("OPENNRM_DATA_KEYS", raw)
        self.stdout.write(f"new primary data key {key_id} added to {settings.VAR_DIR}/secrets.json")
        return key_id

    def _check(self) -> None:
        ring = crypto.keyring()
        prefix = f"{crypto.PREFIX}:{ring.primary_id}:"
        total = 0
        with connection.cursor() as cursor:
            for column in encrypted_columns():
                sql = _Sql(column, prefix)
                cursor.execute(sql.count, sql.params)
                count = int(cursor.fetchone()[0])
                total += count
                self.stdout.write(f"{column.label}: {count}")
        self.stdout.write(f"{total} values still use old keys (primary key: {ring.primary_id})")

    @staticmethod
    def _fetch(cursor: Any, sql: _Sql, after: Any, size: int) -> list[tuple[Any, str]]:
        if after is None:
            cursor.execute(sql.first_batch, [*sql.params, size])
        else:
            cursor.execute(sql.batch, [*sql.params, after, size])
        return [(pk, str(value)) for pk, value in cursor.fetchall()]

    def _rotate(self, batch_size: int, generated: str | None) -> None:
        ring = crypto.keyring()
        prefix = f"{crypto.PREFIX}:{ring.primary_id}:"
        done: Counter[str] = Counter()
        unreadable: Counter[str] = Counter()
        old_ids: set[str] = set()
        for column in encrypted_columns():
            sql, aad = _Sql(column, prefix), column.field.aad
            done[column.label] = 0
            after: Any = None
            while True:
                with transaction.atomic(), connection.cursor() as cursor:
                    rows = self._fetch(cursor, sql, after, batch_size)
                    in_batch = 0
                    for pk, stored in rows:
                        try:
                            old_id = crypto.key_id_of(stored)
                            plaintext = crypto.decrypt(stored, aad=aad, ring=ring)
                        except crypto.DecryptionError:
                            unreadable[column.label] += 1
                            continue
                        fresh = crypto.encrypt(plaintext, aad=aad, ring=ring)
                        cursor.execute(sql.swap, [fresh, pk, stored])
                        if cursor.rowcount == 1:
                            in_batch += 1
                            old_ids.add(old_id)
                    if in_batch:
                        # In the batch's own transaction: a run stopped half-way leaves an
                        # event for every batch it committed.
                        audit.record(
                            action=AuditAction.KEY_ROTATION_BATCH,
                            actor_label="opennrm rotate-keys",
                            detail={
                                "primary_key_id": ring.primary_id,
                                "column": column.label,
                                "reencrypted": in_batch,
                            },
                        )
                    done[column.label] += in_batch
                if len(rows) < batch_size:
                    break
                after = rows[-1][0]
            self.stdout.write(f"{column.label}: {done[column.label]} re-encrypted")
        total = sum(done.values())
        with transaction.atomic():
            audit.record(
                action=AuditAction.KEY_ROTATION,
                actor_label="opennrm rotate-keys",
                detail={
                    "primary_key_id": ring.primary_id,
                    "previous_key_ids": sorted(old_ids),
                    "generated_key_id": generated or "",
                    "reencrypted": dict(sorted(done.items())),
                    "total": total,
                    "unreadable": sum(unreadable.values()),
                },
            )
        self.stdout.write(f"{total} values re-encrypted under key {ring.primary_id}")
        if unreadable:
            fields = ", ".join(sorted(unreadable))
            raise CommandError(
                f"{sum(unreadable.values())} values could not be decrypted with the configured "
                f"keys ({fields}): configure the key they name and run again"
            )
