"""The case dossier handed over across a border: machine-readable JSON and a PDF for people.

On return, the dossier goes to the guardian or the service in the country of origin (minors guide
§2.7: "actively transfer the child's dossier to the guardian in the country of origin",
001:L6395-L6396). It leaves OpenNRM only with a recorded basis: the person's consent (with the
date it was given) or a legal ground, explained. ``case_export`` records who exported what, to
whom, on which basis, with a SHA-256 digest of the JSON, in the same transaction as its audit
event; the files themselves are not kept.

Field names follow HTCDS where it has one (the ``htcds`` block; standards.md §H.1).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from opennrm.cases import casework, procedures
from opennrm.cases.case_selectors import access_case
from opennrm.cases.casefiles import acting_organisation, record
from opennrm.cases.models import CaseExport, CaseFile, ExportBasis, ExportGround, Sex
from opennrm.cases.selectors import access_person
from opennrm.cases.templatetags.cases import deadline_label
from opennrm.core import audit, clock
from opennrm.core.dates import clean_date
from opennrm.core.errors import NotFoundOrForbidden, PermissionDeniedError
from opennrm.core.models import AuditAction
from opennrm.core.taxonomies import EXPLOITATION_FORMS
from opennrm.core.validation import FieldErrors, clean_choice, clean_text

FORMAT = "opennrm.case-dossier.v1"
DASH = "\u2013"
FONTS = Path(__file__).resolve().parent.parent / "core" / "fonts"  # shared with plans
COUNTRY_LENGTH = 2

HTCDS_GENDER: dict[str, str] = {
    Sex.FEMALE: "Feminine",
    Sex.MALE: "Masculine",
    Sex.OTHER: "NonConforming",
    Sex.UNKNOWN: "NonSpecifiedUnknown",
}
HTCDS_STATUS = {
    "potential": "PossibleVictimOfTrafficking",
    "presumed": "PossibleVictimOfTrafficking",
    "identified": "ActualVictimOfTrafficking",
}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _display(row: models.Model, field: str) -> str:
    return str(getattr(row, f"get_{field}_display")())


def build(case: CaseFile, *, exported_by: str, basis: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the receiving service needs, in one JSON-ready mapping (no internal ids of
    staff; organisations by name and country)."""
    person = case.person
    situation = casework.situation_of(case)
    forms = {form.code: form.htcds for form in EXPLOITATION_FORMS}
    procedures_out = []
    for row in case.procedures.order_by("pk"):
        rule = procedures.get(row.procedure)
        names = {state.code: state.name for state in rule.states} if rule else {}
        procedures_out.append(
            {
                "procedure": row.procedure,
                "name": rule.name if rule else row.procedure,
                "state": row.state,
                "state_name": names.get(row.state, row.state),
                "since": _iso(row.started_on),
                "due_on": _iso(row.due_on),
                "due_kind": row.due_kind,
                "renewals_used": row.renewals_used,
                "history": [
                    {
                        "step": step.action,
                        "from": step.from_state,
                        "to": step.to_state,
                        "effective_on": _iso(step.effective_on),
                        "source": step.source,
                    }
                    for step in row.transitions.all()
                ],
            }
        )
    return {
        "format": FORMAT,
        "exported_at": clock.now().isoformat(),
        "exported_by": exported_by,
        "basis": dict(basis),
        "case": {
            "reference": case.reference,
            "jurisdiction": case.jurisdiction,
            "lead_organisation": case.lead_organisation.name,
            "phase": case.phase,
            "opened_at": case.opened_at.isoformat(),
            "identification_status": case.identification_status,
            "identification_decided_by": case.identification_decided_by.name
            if case.identification_decided_by
            else None,
            "identification_decided_on": _iso(case.identification_decided_on),
            "unaccompanied_minor": case.unaccompanied_minor,
            "guardian": {
                "organisation": case.guardian_organisation.name,
                "appointed_on": _iso(case.guardian_appointed_on),
            }
            if case.guardian_organisation
            else None,
        },
        "person": {
            "given_names": person.given_names,
            "family_name": person.family_name,
            "aliases": person.aliases,
            "date_of_birth": _iso(person.date_of_birth),
            "identity_documents": person.identity_documents,
        },
        "situation": {
            "sex": situation.sex,
            "birth_year": situation.birth_year,
            "citizenships": situation.citizenships,
            "languages": situation.languages,
            "exploitation_forms": situation.exploitation_forms,
            "sectors": situation.sectors,
            "means_of_control": situation.means_of_control,
            "recruitment_methods": situation.recruitment_methods,
            "relationship_to_trafficker": situation.relationship,
            "recruitment": {
                "country": situation.recruitment_country or None,
                "place": situation.recruitment_place or None,
                "date": _iso(situation.recruited_on),
            },
            "transit_countries": situation.transit_countries,
            "exploitation": {
                "country": situation.exploitation_country or None,
                "place": situation.exploitation_place or None,
                "from": _iso(situation.exploitation_started_on),
                "until": _iso(situation.exploitation_ended_on),
            },
            "scope": situation.scope,
        },
        "htcds": {
            "prs_Gender": HTCDS_GENDER.get(situation.sex, "NonSpecifiedUnknown"),
            "prs_Citizenship": situation.citizenships,
            "vic_TraffickingStatus": HTCDS_STATUS.get(case.identification_status),
            "vic_TypeOfExploitation": sorted(
                {forms.get(code, "Other") for code in situation.exploitation_forms}
            ),
            "vic_ForcedLabourIndustry": situation.sectors,
        },
        "protection_procedures": procedures_out,
        "services": [
            {
                "service": service.kind,
                "provider": service.provider.name if service.provider else None,
                "status": service.status,
                "from": _iso(service.starts_on),
                "until": _iso(service.ends_on),
                "sessions": service.sessions,
            }
            for service in case.services.select_related("provider")
        ],
        "placements": [
            {
                "shelter": placement.shelter.name,
                "from": _iso(placement.started_on),
                "until": _iso(placement.ended_on),
                "days": placement.days(clock.now().date()),
            }
            for placement in case.placements.select_related("shelter")
        ],
        "interviews": [
            {
                "date": _iso(row.held_on),
                "by": row.interviewer_organisation.name,
                "certified_interviewer": row.certified_interviewer,
                "audio_visual": row.audio_visual,
                "child_friendly_room": row.child_friendly_room,
                "minor_at_the_time": row.minor_at_the_time,
            }
            for row in case.interviews.select_related("interviewer_organisation")
        ],
        "justice": [
            {
                "decision": event.kind,
                "date": _iso(event.decided_on),
                "authority": event.authority.name if event.authority else None,
                "reference": event.reference or None,
                "reason": event.reason or None,
                "sentence": event.sentence or None,
                "confiscation": event.confiscation,
            }
            for event in case.justice_events.select_related("authority")
        ],
        "compensation": [
            {
                "claimed_on": _iso(row.claimed_on),
                "amount_claimed_cents": row.amount_claimed,
                "awarded_on": _iso(row.awarded_on),
                "amount_awarded_cents": row.amount_awarded,
                "paid_on": _iso(row.paid_on),
                "amount_paid_cents": row.amount_paid,
                "advanced_by_state": row.paid_by_state,
            }
            for row in case.compensations.all()
        ],
        "informed": [
            {"date": _iso(row.informed_on), "about": row.topic} for row in case.information.all()
        ],
        "open_deadlines": [
            {"kind": row.kind, "due_on": _iso(row.due_on), "label": row.label or None}
            for row in case.deadlines.filter(status="open").exclude(kind="task")
        ],
    }


# --- the PDF ----------------------------------------------------------------------------------


def lines_of(case: CaseFile, document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(heading or "", text) lines of the PDF, in the reader's language."""
    person = document["person"]
    situation = casework.situation_of(case)
    out: list[tuple[str, str]] = [
        ("h1", _("Case dossier %(reference)s") % {"reference": case.reference}),
        (
            "",
            _("Exported on %(day)s by %(organisation)s.")
            % {"day": clock.now().date().isoformat(), "organisation": document["exported_by"]},
        ),
        ("", _("Basis: %(basis)s") % {"basis": document["basis"]["label"]}),
        ("h2", _("Person")),
        ("", " ".join(p for p in (person["given_names"], person["family_name"]) if p) or DASH),
        ("", _("Date of birth") + ": " + (person["date_of_birth"] or DASH)),
        ("", _("Sex") + ": " + _display(situation, "sex")),
        ("", _("Citizenship") + ": " + (", ".join(situation.citizenships) or DASH)),
        ("", _("Languages") + ": " + (", ".join(situation.languages) or DASH)),
        ("h2", _("Case")),
        ("", _("Lead organisation") + ": " + case.lead_organisation.name),
        ("", _("Identification status") + ": " + _display(case, "identification_status")),
    ]
    if case.guardian_organisation:
        out.append(("", _("Guardian") + ": " + case.guardian_organisation.name))
    out.append(("h2", _("Protection procedure")))
    for row in case.procedures.order_by("pk"):
        rule = procedures.get(row.procedure)
        known = rule is not None and any(state.code == row.state for state in rule.states)
        name = rule.name if rule is not None else row.procedure
        state = rule.state(row.state).name if rule is not None and known else row.state
        due = f" {DASH} {row.due_on}" if row.due_on else ""
        out.append(("", f"{name}: {state} ({row.started_on}{due})"))
    if not document["protection_procedures"]:
        out.append(("", DASH))
    out.append(("h2", _("Services and placements")))
    for service in case.services.select_related("provider"):
        provider = f" {DASH} {service.provider.name}" if service.provider else ""
        out.append(("", f"{_display(service, 'kind')}{provider}: {_display(service, 'status')}"))
    for placement in case.placements.select_related("shelter"):
        out.append(
            (
                "",
                _("Shelter") + f": {placement.shelter.name}, {placement.started_on} {DASH} "
                f"{placement.ended_on or '…'}",
            )
        )
    out.append(("h2", _("Criminal case and compensation")))
    for event in case.justice_events.all():
        out.append(("", f"{event.decided_on}: {_display(event, 'kind')}"))
    for claim in case.compensations.all():
        out.append(("", _("Compensation claimed") + f": {claim.claimed_on}"))
    out.append(("h2", _("Open deadlines")))
    for deadline in (
        case.deadlines.filter(status="open").exclude(kind="task").select_related("procedure")
    ):
        out.append(("", f"{deadline.due_on}: {deadline_label(deadline)}"))
    return out


def render_pdf(case: CaseFile, document: Mapping[str, Any]) -> bytes:
    return render_lines(case.reference, lines_of(case, document))


def render_lines(title: str, lines: list[tuple[str, str]]) -> bytes:
    """A PDF of (heading kind, text) lines: "h1", "h2" or "" for body text."""
    from fpdf import FPDF  # a pure-Python PDF writer, imported only when a dossier is made

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("OpenNRM")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for kind, text in lines:
        size, style = {"h1": (16, "B"), "h2": (12, "B")}.get(kind, (10, ""))
        pdf.set_font("DejaVu", style, size)
        if kind == "h2":
            pdf.ln(3)
        pdf.multi_cell(width, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --- the service --------------------------------------------------------------------------------


def clean_basis(data: Mapping[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    values: dict[str, Any] = {
        "recipient_name": clean_text(
            data.get("recipient_name"), "recipient_name", 200, errors, multiline=False
        ),
        "basis": clean_choice(
            data.get("basis"),
            "basis",
            ExportBasis.values,
            errors,
            _("Choose the basis for handing over the dossier."),
            required=True,
        ),
        "explanation": clean_text(
            data.get("explanation"), "explanation", 2000, errors, multiline=True
        ),
        "legal_ground": "",
        "consent_given_on": None,
    }
    country = str(data.get("recipient_country") or "").strip().upper()
    if len(country) != COUNTRY_LENGTH or not country.isalpha():
        errors.add("recipient_country", _("Enter the two-letter code of the country, e.g. RO."))
    values["recipient_country"] = country
    if not values["recipient_name"] and "recipient_name" not in errors.errors:
        errors.add("recipient_name", _("Name the service or guardian who receives the dossier."))
    if values["basis"] == ExportBasis.CONSENT:
        values["consent_given_on"] = clean_date(
            data.get("consent_given_on"),
            "consent_given_on",
            errors,
            required=True,
            latest=clock.now().date(),
        )
    elif values["basis"] == ExportBasis.LEGAL_GROUND:
        values["legal_ground"] = clean_choice(
            data.get("legal_ground"),
            "legal_ground",
            ExportGround.values,
            errors,
            _("Choose the legal ground."),
            required=True,
        )
        if not values["explanation"] and "explanation" not in errors.errors:
            errors.add("explanation", _("Explain why the dossier is handed over without consent."))
    errors.raise_if_any()
    return values


def case_export(
    *, actor: Any, case_id: int, data: Mapping[str, Any], language: str = "en"
) -> tuple[CaseExport, bytes]:
    """Export the dossier for a service or guardian abroad, on a recorded basis. Returns the
    record and a ZIP holding ``<reference>.json`` and ``<reference>.pdf``."""
    case = access_case(actor=actor, case_id=case_id, action="change", record_read=False)
    try:
        # The dossier carries the person's identity: only someone who may see it exports it
        # (the lead organisation); the read of the person is audited as such.
        access_person(actor=actor, person_id=case.person_id, action="view", purpose="export")
    except NotFoundOrForbidden:
        raise PermissionDeniedError from None
    values = clean_basis(data)
    with transaction.atomic():
        organisation = acting_organisation(actor, case)
        basis_label = (
            _("consent of the person, given on %(day)s")
            % {"day": values["consent_given_on"].isoformat()}
            if values["basis"] == ExportBasis.CONSENT
            else str(ExportGround(values["legal_ground"]).label)
        )
        basis = {
            "basis": values["basis"],
            "legal_ground": values["legal_ground"] or None,
            "consent_given_on": _iso(values["consent_given_on"]),
            "label": basis_label,
            "recipient": {"country": values["recipient_country"], "name": values["recipient_name"]},
        }
        document = build(case, exported_by=organisation.name if organisation else "", basis=basis)
        payload = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode()
        with translation.override(language):
            pdf = render_pdf(case, document)
        export = CaseExport.objects.create(
            case=case,
            exported_at=clock.now(),
            exported_by=actor,
            organisation=organisation,
            digest=hashlib.sha256(payload).hexdigest(),
            **values,
        )
        record(
            case,
            action="export",
            actor=actor,
            from_phase=case.phase,
            details={"export": export.pk, "country": values["recipient_country"]},
        )
        audit.record(
            action=AuditAction.EXPORT,
            actor=actor,
            organisation_id=case.lead_organisation_id,
            object_type="case",
            object_id=case.pk,
            legal_basis=values["legal_ground"] or "consent",
            detail={"export": export.pk, "country": values["recipient_country"]},
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{case.reference}.json", payload)
        archive.writestr(f"{case.reference}.pdf", pdf)
    return export, buffer.getvalue()
