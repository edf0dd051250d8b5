"""Data-subject rights (issue #6, item 5): the access request and rectification with history.

``subject_access`` answers an access request (GDPR art. 15): everything OpenNRM holds about one
person, as machine-readable JSON and as a PDF in the requester's language, in one ZIP: the
identity, the corrections made and why, the signals about the person (what was observed), every
case file (the full dossier of each), and to whom the data was disclosed (case-team grants,
dossiers handed over abroad). Only who may export the person (their organisation's case workers
and coordinators) answers it; the answer is audited as an export with the purpose
``subject_access``.

``person_rectify`` corrects fields of the person's identity (art. 16) with a reason; each changed
field keeps its value before and after (encrypted) in ``sharing.Rectification``, shown on the
person's page to who may change the person.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from opennrm.cases import dossier, services
from opennrm.cases.models import CaseFile, Person
from opennrm.cases.selectors import access_person
from opennrm.cases.validation import PERSON_FIELDS
from opennrm.core import audit, clock
from opennrm.core.errors import InvalidInput
from opennrm.core.models import AuditAction
from opennrm.core.validation import FieldErrors, clean_text
from opennrm.intake.models import Signal
from opennrm.sharing import selectors as sharing_selectors
from opennrm.sharing import services as sharing
from opennrm.sharing.models import AccessGrant

FORMAT = "opennrm.subject-access.v1"
PURPOSE = "subject_access"
REASON_MAX = 2000
DASH = "\u2013"


def _text(value: Any) -> str:
    if value in (None, "", [], {}):
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value.isoformat() if hasattr(value, "isoformat") else value)


def build(person: Person, *, exported_by: str) -> dict[str, Any]:
    cases = list(
        CaseFile.objects.filter(person=person)
        .select_related("lead_organisation", "guardian_organisation", "person")
        .order_by("pk")
    )
    signals = Signal.objects.filter(person=person).select_related("organisation").order_by("pk")
    grants = AccessGrant.objects.filter(
        object_type="case", object_id__in=[case.pk for case in cases]
    ).select_related("organisation", "legal_basis")
    return {
        "format": FORMAT,
        "exported_at": clock.now().isoformat(),
        "exported_by": exported_by,
        "person": {
            "id": person.pk,
            "registered_by": person.organisation.name,
            "registered_at": person.created_at.isoformat(),
            **{name: getattr(person, name) for name in PERSON_FIELDS},
            "date_of_birth": _text(person.date_of_birth) or None,
        },
        "rectifications": [
            {
                "at": row.at.isoformat(),
                "field": row.field,
                "before": row.old_value,
                "after": row.new_value,
                "reason": row.reason,
            }
            for row in sharing_selectors.rectifications_of(
                object_type="person", object_id=person.pk
            )
        ],
        "signals": [
            {
                "recorded_at": signal.recorded_at.isoformat(),
                "organisation": signal.organisation.name,
                "what_was_observed": signal.description,
                "description_of_the_person": signal.person_description,
                "place": signal.place_detail,
                "municipality": signal.municipality,
            }
            for signal in signals
        ],
        "case_files": [
            dossier.build(case, exported_by=exported_by, basis={"basis": PURPOSE, "label": ""})
            for case in cases
        ],
        "disclosed_to": [
            {
                "organisation": grant.organisation.name,
                "categories": grant.categories,
                "purpose": grant.purpose,
                "basis": grant.legal_basis.title if grant.legal_basis else "consent",
                "from": grant.starts_on.isoformat(),
                "until": grant.ends_on.isoformat(),
                "removed": grant.revoked_at.isoformat() if grant.revoked_at else None,
            }
            for grant in grants
        ]
        + [
            {
                "organisation": export.recipient_name,
                "country": export.recipient_country,
                "categories": ["dossier"],
                "purpose": "handover abroad",
                "basis": export.basis,
                "from": export.exported_at.date().isoformat(),
            }
            for case in cases
            for export in case.exports.all()
        ],
    }


def _lines(person: Person, cases: list[CaseFile], document: Mapping[str, Any]) -> list[Any]:
    out: list[tuple[str, str]] = [
        ("h1", _("Everything held about a person")),
        (
            "",
            _("Answer to an access request, made on %(day)s by %(organisation)s.")
            % {"day": clock.now().date().isoformat(), "organisation": document["exported_by"]},
        ),
        ("h2", _("Identity")),
    ]
    for name in PERSON_FIELDS:
        label = str(getattr(Person._meta.get_field(name), "verbose_name", name))
        out.append(("", f"{label}: {_text(getattr(person, name)) or DASH}"))
    out.append(("h2", _("Corrections")))
    for row in document["rectifications"]:
        out.append(
            ("", f"{row['at'][:10]} {row['field']}: {row['before'] or DASH} → {row['after']}")
        )
    if not document["rectifications"]:
        out.append(("", DASH))
    out.append(("h2", _("Signals")))
    for signal in document["signals"]:
        out.append(("", f"{signal['recorded_at'][:10]} {signal['organisation']}"))
        if signal["what_was_observed"]:
            out.append(("", signal["what_was_observed"]))
    if not document["signals"]:
        out.append(("", DASH))
    out.append(("h2", _("Disclosed to")))
    for row in document["disclosed_to"]:
        out.append(("", f"{row['organisation']} ({row['from']}): {', '.join(row['categories'])}"))
    if not document["disclosed_to"]:
        out.append(("", DASH))
    for case, case_document in zip(cases, document["case_files"], strict=True):
        out.extend(dossier.lines_of(case, case_document))
    return out


def subject_access(*, actor: Any, person_id: object) -> tuple[Person, bytes]:
    """The ZIP answering an access request for ``person_id`` (JSON and PDF)."""
    person = access_person(actor=actor, person_id=person_id, action="export", purpose=PURPOSE)
    organisation = person.organisation.name
    with transaction.atomic():
        document = build(person, exported_by=organisation)
        cases = list(
            CaseFile.objects.filter(person=person)
            .select_related("lead_organisation", "guardian_organisation", "person")
            .order_by("pk")
        )
        body = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
        pdf = dossier.render_lines(f"person-{person.pk}", _lines(person, cases, document))
        audit.record_object(
            action=AuditAction.EXPORT,
            actor=actor,
            obj=person,
            purpose=PURPOSE,
            detail={
                "case_files": [case.pk for case in cases],
                "signals": len(document["signals"]),
            },
        )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(f"person-{person.pk}.json", body)
        bundle.writestr(f"person-{person.pk}.pdf", pdf)
    return person, archive.getvalue()


def person_rectify(
    *, actor: Any, person_id: object, expected_version: int, data: Mapping[str, Any], reason: Any
) -> Person:
    """Correct the person's identity at the person's request, keeping before and after."""
    errors = FieldErrors()
    text = clean_text(reason, "reason", REASON_MAX, errors, multiline=True)
    if not text and "reason" not in errors.errors:
        errors.add("reason", _("Say what the person asked to correct and why."))
    errors.raise_if_any()
    before = access_person(actor=actor, person_id=person_id, action="change")
    old = {name: _text(getattr(before, name)) for name in PERSON_FIELDS}
    with transaction.atomic():
        person = services.person_update(
            actor=actor,
            person_id=before.pk,
            expected_version=expected_version,
            data=data,
            purpose="rectification",
        )
        changes = [
            (name, old[name], _text(getattr(person, name)))
            for name in PERSON_FIELDS
            if _text(getattr(person, name)) != old[name]
        ]
        if not changes:
            raise InvalidInput({"__all__": [_("Nothing was changed.")]})
        sharing.rectifications_record(
            actor=actor,
            object_type="person",
            object_id=person.pk,
            changes=changes,
            reason=text,
        )
    return person
