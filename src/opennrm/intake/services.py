"""Writes of the intake (DESIGN rule 1): one service per use case, one transaction each.

Signals are recorded by professionals (``signal_record``) or arrive through the public form
(``public_report_submit``); both land in the triage queue of the coordination centre of their
country. ``screening_run`` applies a catalogue and stores the result with the exact catalogue
content it used. Every service writes its audit event inside its transaction; audit details name
fields, codes and counts, never what was written.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from opennrm.core import audit, clock, context, crypto
from opennrm.core.errors import (
    InvalidInput,
    NotFoundOrForbidden,
    PermissionDeniedError,
)
from opennrm.core.locks import lock_for_update
from opennrm.core.models import AuditAction
from opennrm.core.references import new_reference, random_code
from opennrm.core.taxonomies import Population
from opennrm.core.validation import FieldErrors, clean_text
from opennrm.directory import roles
from opennrm.directory import selectors as directory_selectors
from opennrm.directory.models import Organisation
from opennrm.intake import catalogues as catalogue_rules
from opennrm.intake.catalogues import Catalogue
from opennrm.intake.models import (
    CatalogueVersion,
    PublicReport,
    Screening,
    Signal,
    SignalAddition,
    SignalLink,
    SignalSource,
    TriageStatus,
)
from opennrm.intake.ports import persons
from opennrm.intake.questionnaires import Questionnaire
from opennrm.intake.scoring import UnknownIndicatorError, screen
from opennrm.intake.selectors import OBJECT_TYPE, access_signal
from opennrm.intake.validation import (
    clean_dismiss_reason,
    clean_link_kind,
    clean_public_report,
    clean_signal_data,
)

PUBLIC_CODE_PURPOSE = "intake.public_report_code"
PIN_ATTEMPTS = 5
PIN_LOCK = timedelta(hours=1)
ADDITION_LIMIT = 5000
PERSON_FIELDS = ("given_names", "family_name", "date_of_birth")


def _new_reference() -> str:
    return new_reference("S", lambda code: Signal.objects.filter(reference=code).exists())


def _deny(actor: Any, organisation_id: int | None, action: str) -> PermissionDeniedError:
    audit.record(
        action=AuditAction.DENIED,
        actor=actor,
        organisation_id=organisation_id,
        object_type=OBJECT_TYPE,
        detail={"action": action},
    )
    return PermissionDeniedError()


def _filled(values: Mapping[str, Any]) -> list[str]:
    return sorted(name for name, value in values.items() if value not in (None, "", [], False))


# --- recording ------------------------------------------------------------------------------------


def _person_for_signal(
    *, actor: Any, organisation_id: int, person: Mapping[str, Any] | None
) -> int | None:
    """The id of the person named on a new signal: none, a new one, or an existing one."""
    if not person:
        return None
    if person.get("id") not in (None, ""):
        try:
            return persons().check(actor=actor, person_id=person["id"], action="view")
        except NotFoundOrForbidden:
            raise InvalidInput({"person": [_("Choose a person you may see.")]}) from None
    data = {name: person.get(name) for name in PERSON_FIELDS if person.get(name) not in (None, "")}
    if not data:
        return None
    try:
        return persons().create(actor=actor, organisation_id=organisation_id, data=data)
    except PermissionDeniedError:
        raise InvalidInput({"person": [_("You may not register persons.")]}) from None


def signal_record(
    *,
    actor: Any,
    organisation_id: int,
    data: Mapping[str, Any],
    person: Mapping[str, Any] | None = None,
) -> Signal:
    """Record a professional's signal for ``organisation_id`` (the actor needs ``ADD_SIGNAL``
    there). ``person`` optionally names the person: ``{"id": …}`` links a person the actor may
    see, ``{"given_names", "family_name", "date_of_birth"}`` registers a new one."""
    if not isinstance(organisation_id, int) or not actor.has_perm(
        roles.ADD_SIGNAL, organisation_id
    ):
        raise _deny(actor, organisation_id if isinstance(organisation_id, int) else None, "create")
    organisation = Organisation.objects.get(pk=organisation_id)
    values = clean_signal_data(data, jurisdiction=organisation.country)
    with transaction.atomic():
        person_id = _person_for_signal(actor=actor, organisation_id=organisation_id, person=person)
        now = clock.now()
        signal = Signal(
            reference=_new_reference(),
            source=SignalSource.PROFESSIONAL,
            organisation=organisation,
            observer=actor if getattr(actor, "pk", None) else None,
            jurisdiction=organisation.country,
            recorded_at=now,
            updated_at=now,
            person_id=person_id,
            **values,
        )
        signal.save(force_insert=True)
        audit.record_object(
            action=AuditAction.CREATE,
            actor=actor,
            obj=signal,
            detail={"fields": _filled(values), "person": bool(person_id), "acute": signal.acute},
        )
    return signal


def _touch(signal: Signal, fields: Iterable[str], *, coarse: bool = False) -> None:
    signal.version += 1
    signal.updated_at = clock.now_to_the_hour() if coarse else clock.now()
    signal.save(update_fields=[*fields, "version", "updated_at"])


def signal_update(
    *, actor: Any, signal_id: int, expected_version: int, data: Mapping[str, Any]
) -> Signal:
    """Correct a signal's details if nobody changed it since ``expected_version``."""
    current = access_signal(actor=actor, signal_id=signal_id, action="change")
    values = clean_signal_data(data, jurisdiction=current.jurisdiction)
    with transaction.atomic():
        signal = lock_for_update(Signal, signal_id, expected_version)
        changed = [name for name, value in values.items() if getattr(signal, name) != value]
        if not changed:
            return signal
        for name in changed:
            setattr(signal, name, values[name])
        _touch(signal, changed)
        audit.record_object(
            action=AuditAction.UPDATE, actor=actor, obj=signal, detail={"fields": sorted(changed)}
        )
    return signal


def signal_link(*, actor: Any, signal_id: int, other_reference: str, kind: str) -> SignalLink:
    """Link two signals the actor may change, as concerning the same person or place."""
    kind = clean_link_kind(kind)
    signal = access_signal(actor=actor, signal_id=signal_id, action="change")
    reference = (other_reference or "").strip().upper()
    other_id = Signal.objects.filter(reference=reference).values_list("pk", flat=True).first()
    try:
        if other_id is None:
            raise NotFoundOrForbidden
        other = access_signal(actor=actor, signal_id=other_id, action="change")
    except NotFoundOrForbidden:
        raise InvalidInput(
            {"reference": [_("No signal with this reference that you may change.")]}
        ) from None
    if other.pk == signal.pk:
        raise InvalidInput({"reference": [_("A signal cannot be linked to itself.")]})
    low, high = sorted((signal.pk, other.pk))
    with transaction.atomic():
        try:
            with transaction.atomic():
                link = SignalLink.objects.create(
                    from_signal_id=low,
                    to_signal_id=high,
                    kind=kind,
                    created_at=clock.now(),
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError:
            raise InvalidInput({"reference": [_("These signals are already linked so.")]}) from None
        audit.record_object(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=signal,
            detail={"link": kind, "other": other.pk},
        )
    return link


def signal_link_person(
    *, actor: Any, signal_id: int, expected_version: int, person_id: int
) -> Signal:
    """Name the person of a signal: a person the actor may see."""
    access_signal(actor=actor, signal_id=signal_id, action="change")
    try:
        person_pk = persons().check(actor=actor, person_id=person_id, action="view")
    except NotFoundOrForbidden:
        raise InvalidInput({"person": [_("Choose a person you may see.")]}) from None
    with transaction.atomic():
        signal = lock_for_update(Signal, signal_id, expected_version)
        signal.person_id = person_pk
        _touch(signal, ["person"])
        audit.record_object(
            action=AuditAction.UPDATE, actor=actor, obj=signal, detail={"fields": ["person"]}
        )
    return signal


def signal_dismiss(*, actor: Any, signal_id: int, expected_version: int, reason: str) -> Signal:
    """Take a signal out of the triage queue with a reason (coordinators of its country only)."""
    reason = clean_dismiss_reason(reason)
    access_signal(actor=actor, signal_id=signal_id, action="triage")
    with transaction.atomic():
        signal = lock_for_update(Signal, signal_id, expected_version)
        signal.triage_status = TriageStatus.DISMISSED
        signal.dismiss_reason = reason
        signal.has_new_information = False
        _touch(signal, ["triage_status", "dismiss_reason", "has_new_information"])
        audit.record_object(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=signal,
            detail={"triage": "dismissed", "reason": reason},
        )
    return signal


def signal_mark_referred(*, actor: Any, signal_id: int) -> None:
    """A referral of the signal was sent: it leaves the triage queue (called by the referrals'
    ``referral_send`` inside its transaction, after it checked the actor's right to refer)."""
    signal = lock_for_update(Signal, signal_id)
    if signal.triage_status == TriageStatus.REFERRED:
        return
    signal.triage_status = TriageStatus.REFERRED
    signal.has_new_information = False
    _touch(signal, ["triage_status", "has_new_information"])
    audit.record_object(
        action=AuditAction.UPDATE,
        actor=actor if getattr(actor, "pk", None) else None,
        obj=signal,
        detail={"triage": "referred"},
    )


# --- screening ----------------------------------------------------------------------------------


def _stored_version(catalogue: Catalogue) -> CatalogueVersion:
    """The stored snapshot of this catalogue version, created on first use. A file whose content
    changed without a new version number is refused: old results would no longer be reproducible."""
    stored = CatalogueVersion.objects.filter(
        catalogue_id=catalogue.id, version=catalogue.version
    ).first()
    if stored is None:
        try:
            with transaction.atomic():
                return CatalogueVersion.objects.create(
                    catalogue_id=catalogue.id,
                    version=catalogue.version,
                    digest=catalogue.digest,
                    snapshot=catalogue.as_snapshot(),
                    first_used_at=clock.now(),
                )
        except IntegrityError:  # created by a concurrent screening
            stored = CatalogueVersion.objects.get(
                catalogue_id=catalogue.id, version=catalogue.version
            )
    if stored.digest != catalogue.digest:
        raise InvalidInput(
            {
                "catalogue": [
                    _(
                        "This catalogue version was changed after it was used. Ask the "
                        "administrator to publish the change as a new version."
                    )
                ]
            }
        )
    return stored


def screening_run(
    *,
    actor: Any,
    signal_id: int,
    catalogue_id: str,
    observed: Iterable[str],
    version: int | None = None,
) -> Screening:
    """Apply a catalogue (its newest version unless ``version``) to the observed indicators."""
    signal = access_signal(actor=actor, signal_id=signal_id, action="change")
    catalogue = catalogue_rules.catalogues().get(catalogue_id, version)
    if catalogue is None:
        raise InvalidInput({"catalogue": [_("Choose a catalogue from the list.")]})
    codes = list(observed)
    if not all(isinstance(code, str) for code in codes) or len(codes) > len(catalogue.indicators):
        raise InvalidInput({"observed": [_("Choose indicators from the list.")]})
    population = signal.population
    if catalogue.population == "minor" and population == Population.ADULT:
        raise InvalidInput(
            {"catalogue": [_("This catalogue is for minors; the signal concerns an adult.")]}
        )
    if catalogue.population == "adult" and population == Population.MINOR:
        raise InvalidInput(
            {"catalogue": [_("This catalogue is for adults; the signal concerns a minor.")]}
        )
    try:
        result = screen(catalogue, codes, population)
    except UnknownIndicatorError:
        raise InvalidInput({"observed": [_("Choose indicators from the list.")]}) from None
    with transaction.atomic():
        stored = _stored_version(catalogue)
        locked = lock_for_update(Signal, signal.pk)
        observed_refs = [
            ref for ref in locked.observed_indicators if not ref.startswith(f"{catalogue.id}:")
        ] + [f"{catalogue.id}:{item.indicator}" for item in result.contributions]
        locked.observed_indicators = observed_refs
        fields = ["observed_indicators"]
        if locked.triage_status == TriageStatus.NEW and may_triage(actor, locked):
            locked.triage_status = TriageStatus.SCREENED
            locked.has_new_information = False
            fields += ["triage_status", "has_new_information"]
        _touch(locked, fields)
        screening = Screening.objects.create(
            signal=locked,
            catalogue=stored,
            population=population,
            observed=[item.indicator for item in result.contributions],
            level=result.level,
            score=result.score,
            result=result.as_dict(),
            performed_by=actor if getattr(actor, "pk", None) else None,
            organisation_id=locked.organisation_id,
            performed_at=clock.now(),
        )
        audit.record_object(
            action=AuditAction.CREATE,
            actor=actor,
            obj=screening,
            detail={
                "signal": locked.pk,
                "catalogue": catalogue.key,
                "level": result.level,
                "indicators": len(result.contributions),
            },
        )
    return screening


def may_triage(actor: Any, signal: Signal) -> bool:
    return bool(actor.has_perm(roles.TRIAGE_SIGNAL, signal))


# --- first-contact questionnaire --------------------------------------------------------------


def first_contact_record(
    *,
    actor: Any,
    signal_id: int,
    expected_version: int,
    questionnaire: Questionnaire,
    language: str,
    answers: Mapping[str, str],
) -> Signal:
    """Store the person's answers (only answered questions) on the signal, encrypted."""
    access_signal(actor=actor, signal_id=signal_id, action="change")
    errors = FieldErrors()
    if language not in questionnaire.translations:
        errors.add("language", _("Choose a language from the list."))
    clean: dict[str, str] = {}
    for code, answer in answers.items():
        question = questionnaire.question(code)
        if question is None or answer not in questionnaire.options_of(question):
            errors.add(code, _("Choose one of the answers."))
        else:
            clean[code] = answer
    if not clean and not errors.errors:
        errors.add("answers", _("Record at least one answer."))
    errors.raise_if_any()
    with transaction.atomic():
        signal = lock_for_update(Signal, signal_id, expected_version)
        signal.first_contact = {
            "questionnaire": questionnaire.id,
            "version": questionnaire.version,
            "language": language,
            "answers": clean,
            "recorded_at": clock.now().isoformat(),
        }
        _touch(signal, ["first_contact"])
        audit.record_object(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=signal,
            detail={"fields": ["first_contact"], "answers": len(clean)},
        )
    return signal


# --- the public channel -------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicReceipt:
    code: str  # shown once to the reporter, never stored
    pin: str  # shown once to the reporter, stored only as a hash


def fake_receipt() -> PublicReceipt:
    """A receipt indistinguishable from a real one, for a bot caught by the honeypot."""
    return PublicReceipt(code=_format_code(random_code(12)), pin=f"{secrets.randbelow(10**6):06d}")


def _format_code(raw: str) -> str:
    return "-".join(raw[index : index + 4] for index in range(0, len(raw), 4))


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _public_report_submit(data: Mapping[str, Any], language: str) -> PublicReceipt:
    """``public_report_submit`` inside the anonymous context."""
    values = clean_public_report(data)
    centre = directory_selectors.coordination_centre(country=values["country"])
    if centre is None:
        raise InvalidInput({"country": [_("Reports for this country cannot be received yet.")]})
    parts = [
        (_("What"), values["what"]),
        (_("Where"), values["where"]),
        (_("When"), values["when"]),
        (_("Who is at risk"), values["who"]),
    ]
    description = "\n\n".join(f"{label}: {text}" for label, text in parts if text)
    population = {"yes": Population.MINOR, "no": Population.ADULT}.get(
        values["minor"], Population.UNKNOWN
    )
    raw_code = random_code(12)
    pin = f"{secrets.randbelow(10**6):06d}"
    # The hour, not the minute: with the web server's logs an exact time could point to a person.
    now = clock.now_to_the_hour()
    with transaction.atomic():
        signal = Signal.objects.create(
            reference=_new_reference(),
            source=SignalSource.PUBLIC,
            organisation=centre,
            observer=None,
            jurisdiction=values["country"],
            recorded_at=now,
            updated_at=now,
            population=population,
            description=description,
        )
        PublicReport.objects.create(
            signal=signal,
            code_index=crypto.blind_index(PUBLIC_CODE_PURPOSE, raw_code),
            pin_hash=make_password(pin),
            language=language[:8],
        )
        audit.record_object(
            action=AuditAction.CREATE,
            actor=None,
            actor_label="public",
            obj=signal,
            detail={
                "channel": "public_report",
                "fields": _filled({k: v for k, v in values.items() if k != "minor"}),
            },
        )
    return PublicReceipt(code=_format_code(raw_code), pin=pin)


def _public_report_add(code: str, pin: str, text: str) -> bool:
    """``public_report_add`` inside the anonymous context."""
    errors = FieldErrors()
    cleaned = clean_text(text, "text", ADDITION_LIMIT, errors, multiline=True)
    if not cleaned and not errors.errors:
        errors.add("text", _("Write what you want to add."))
    errors.raise_if_any()
    index = crypto.blind_index(PUBLIC_CODE_PURPOSE, _normalise_code(code))
    with transaction.atomic():
        report = (
            PublicReport.objects.select_for_update()
            .select_related("signal")
            .filter(code_index=index)
            .first()
        )
        if report is None:
            make_password(pin)  # the same work as a real check: no timing difference
            return False
        now = clock.now()
        if report.locked_until is not None and report.locked_until > now:
            return False
        if not check_password(str(pin or ""), report.pin_hash):
            report.failed_attempts += 1
            if report.failed_attempts >= PIN_ATTEMPTS:
                report.failed_attempts = 0
                report.locked_until = now + PIN_LOCK
            report.save(update_fields=["failed_attempts", "locked_until"])
            return False
        report.failed_attempts = 0
        report.locked_until = None
        report.save(update_fields=["failed_attempts", "locked_until"])
        signal = report.signal
        SignalAddition.objects.create(
            signal=signal,
            source=SignalSource.PUBLIC,
            text=cleaned,
            created_at=clock.now_to_the_hour(),
        )
        # Back in the queue: what was dismissed or screened before may now need another look.
        signal.has_new_information = True
        signal.triage_status = TriageStatus.NEW
        signal.dismiss_reason = ""
        _touch(signal, ["has_new_information", "triage_status", "dismiss_reason"], coarse=True)
        audit.record_object(
            action=AuditAction.UPDATE,
            actor=None,
            actor_label="public",
            obj=signal,
            detail={"channel": "public_report", "fields": ["addition"]},
        )
    return True


def public_report_submit(*, data: Mapping[str, Any], language: str) -> PublicReceipt:
    """Store an anonymous report as a signal in the triage queue of the country's coordination
    centre. Nothing about the reporter is stored: no address, no request id, times to the hour
    (also in the audit trail). The reference code and PIN are returned once."""
    with context.without_client_address():
        return _public_report_submit(data, language)


def public_report_add(*, code: str, pin: str, text: str) -> bool:
    """Add information to a public report, given its reference code and PIN. Returns False
    (and says nothing else) for a wrong code or PIN, or while the report is locked after
    repeated wrong PINs; the reporter never reads anything back."""
    with context.without_client_address():
        return _public_report_add(code, pin, text)
