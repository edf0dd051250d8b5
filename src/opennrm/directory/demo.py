"""Demo data: real partner organisations from the sources, and one demo user per role.

Loading is idempotent (``update_or_create`` by slug and user name) and refused in production.
Demo users carry ``is_demo=True``: the authentication backend lets them sign in only while
``OPENNRM_DEMO=1``. Each demo user but the analyst gets a confirmed TOTP device whose key is
derived from ``SECRET_KEY`` and the user name, so reloading keeps the same authenticator secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.core import audit, clock
from opennrm.core.models import AuditAction
from opennrm.directory.models import Membership, Organisation, OrganisationKind, User
from opennrm.directory.roles import Role

# One password for every demo account: passes the validators in settings (12+ characters, not
# common, not numeric, unlike the user names). Demo accounts never work without OPENNRM_DEMO=1.
DEMO_PASSWORD = "Lantern-Harbour-Meadow-2041"  # noqa: S105 - public demo credential
DEMO_DEVICE = "demo authenticator"

_MG = "domain/minors-guide.md"
_AP = "domain/action-plans-and-barrier-model.md"
_PR = "domain/prevention-report.md"


class DemoRefused(Exception):
    """Demo data may not be loaded here (production)."""


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    name: str
    short_name: str
    kind: OrganisationKind
    country: str
    source: str
    region: str = ""  # ISO 3166-2; empty: the whole country


# The routing functions (jurisdictions/<cc>.yaml, ``functions``) each demo organisation performs.
FUNCTIONS: dict[str, tuple[str, ...]] = {
    "nl-police-avim": ("police-avim",),
    "nl-utrecht": (
        "care-coordinator",
        "municipality-public-order",
        "municipality-thb-chain-director",
    ),
    "nl-veilig-thuis": ("veilig-thuis",),
    "nl-raad-kinderbescherming": ("child-care-protection-board",),
    "nl-nidos": ("nidos",),
    "nl-comensha": ("coordination-centre",),
    "be-immigration-office": ("immigration-office",),
    "be-payoke": ("specialised-centre",),
    "be-pag-asa": ("specialised-centre",),
    "be-surya": ("specialised-centre",),
    "be-guardianship-service": ("guardianship-service",),
}

K = OrganisationKind
ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    # --- Netherlands ---
    DemoOrganisation(
        "nl-police-avim",
        "National Police (AVIM: Aliens, Identification and Human Trafficking)",
        "Police AVIM",
        K.POLICE,
        "NL",
        f"{_MG} L77 (National Police); {_AP} L20, L24-25 (ask for the AVIM); source 004:L76",
    ),
    DemoOrganisation(
        "nl-kmar",
        "Royal Netherlands Marechaussee",
        "KMar",
        K.BORDER_POLICE,
        "NL",
        f"{_MG} L77 (Border Police / KMar); {_PR} L146 (KMar: border police)",
    ),
    DemoOrganisation(
        "nl-om",
        "Public Prosecution Service",
        "OM",
        K.PROSECUTION,
        "NL",
        f"{_MG} L78 (Public Prosecutor's Office); {_PR} L148 (PPS leads investigations)",
    ),
    DemoOrganisation(
        "nl-ind",
        "Immigration and Naturalisation Service",
        "IND",
        K.IMMIGRATION,
        "NL",
        f"{_PR} L147 (IND implements B9: reflection period, residence permit); {_AP} L13",
    ),
    DemoOrganisation(
        "nl-nla",
        "Netherlands Labour Authority (formerly Inspectorate SZW)",
        "NLA",
        K.LABOUR_INSPECTORATE,
        "NL",
        f"{_PR} L145 (SZW Inspectorate: labour exploitation); {_MG} L80 (ISZW)",
    ),
    DemoOrganisation(
        "nl-comensha",
        "CoMensha (Coordination Centre Human Trafficking)",
        "CoMensha",
        K.COORDINATION_CENTRE,
        "NL",
        f"{_MG} L70 (registers potential victims, coordinates care); {_PR} L137-139",
    ),
    DemoOrganisation(
        "nl-nidos",
        "Nidos",
        "Nidos",
        K.GUARDIANSHIP,
        "NL",
        f"{_MG} L81 (guardianship of unaccompanied foreign minors)",
    ),
    DemoOrganisation(
        "nl-coa",
        "Central Agency for the Reception of Asylum Seekers",
        "COA",
        K.SHELTER_NGO,
        "NL",
        f"{_MG} L82 (runs the Protected Shelter; care coordinators); {_AP} L14",
    ),
    DemoOrganisation(
        "nl-veilig-thuis",
        "Veilig Thuis (Safe at Home)",
        "Veilig Thuis",
        K.CHILD_PROTECTION,
        "NL",
        f"{_AP} L14, L22 (report to Veilig Thuis); source 004:L86-89",
    ),
    DemoOrganisation(
        "nl-raad-kinderbescherming",
        "Child Care and Protection Board",
        "RvdK",
        K.CHILD_PROTECTION,
        "NL",
        f"{_AP} L22-23, L26 (Veilig Thuis calls in the Board); {_MG} L85; source 004:L89-93",
    ),
    DemoOrganisation(
        "nl-utrecht",
        "Municipality of Utrecht",
        "Utrecht",
        K.MUNICIPALITY,
        "NL",
        f"{_MG} L72 (Task Force member); {_AP} L20-21 (regional care coordinator); "
        f"{_PR} L150 (municipal anti-trafficking coordinators)",
        region="NL-UT",
    ),
    DemoOrganisation(
        "nl-rapporteur",
        "National Rapporteur on Trafficking in Human Beings",
        "NRM-NL",
        K.NATIONAL_RAPPORTEUR,
        "NL",
        f"{_MG} L71; {_PR} L134-136 (annual reports)",
    ),
    # A fictitious school: source 004 addresses professionals in the educational domain (L78), and
    # the referral walk-through starts with a teacher's signal (issue #4).
    DemoOrganisation(
        "nl-demo-school",
        "Demo Secondary School, Utrecht (fictitious)",
        "Demo school",
        K.EDUCATION,
        "NL",
        "source 004:L78 (professionals in the educational domain); fictitious demo organisation",
        region="NL-UT",
    ),
    # --- Belgium ---
    DemoOrganisation(
        "be-federal-police",
        "Federal Police, Central Service for THB",
        "Federal Police",
        K.POLICE,
        "BE",
        f"{_PR} L73-76 (THB unit in each judicial district)",
    ),
    DemoOrganisation(
        "be-immigration-office",
        "Immigration Office",
        "DVZ/OE",
        K.IMMIGRATION,
        "BE",
        f"{_AP} L48-50 (informed of presumed victims; victim status); {_PR} L78-80",
    ),
    DemoOrganisation(
        "be-social-inspection",
        "Social Inspection (FPS Social Security)",
        "Social Inspection",
        K.LABOUR_INSPECTORATE,
        "BE",
        f"{_PR} L77 (Social Inspection, Circular COL 1/2007)",
    ),
    DemoOrganisation(
        "be-guardianship-service",
        "Guardianship Service (FPS Justice)",
        "Guardianship Service",
        K.GUARDIANSHIP,
        "BE",
        f"{_AP} L56-57 (UFM guardianship procedure); source 003:L347",
    ),
    DemoOrganisation(
        "be-payoke",
        "Payoke",
        "Payoke",
        K.SHELTER_NGO,
        "BE",
        f"{_AP} L50-51 (recognised specialised centre, Flanders); {_PR} L83",
        region="BE-VLG",
    ),
    DemoOrganisation(
        "be-pag-asa",
        "PAG-ASA",
        "PAG-ASA",
        K.SHELTER_NGO,
        "BE",
        f"{_AP} L50-51 (recognised specialised centre, Brussels); {_PR} L83",
        region="BE-BRU",
    ),
    DemoOrganisation(
        "be-surya",
        "Sürya",
        "Sürya",
        K.SHELTER_NGO,
        "BE",
        f"{_AP} L50-51 (recognised specialised centre, Wallonia); {_PR} L83",
        region="BE-WAL",
    ),
    DemoOrganisation(
        "be-myria",
        "Myria (Federal Migration Centre)",
        "Myria",
        K.NATIONAL_RAPPORTEUR,
        "BE",
        f"{_AP} L58-59 (CEOOR, now Myria, manages the anonymised victim-file database)",
    ),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role
    organisation: str  # slug
    totp: bool = True


USERS: tuple[DemoUser, ...] = (
    DemoUser("demo-frontline", "Fenna", "Demo", Role.FRONTLINE, "nl-police-avim"),
    DemoUser("demo-caseworker", "Casper", "Demo", Role.CASE_WORKER, "nl-coa"),
    DemoUser("demo-carecoordinator", "Carla", "Demo", Role.CARE_COORDINATOR, "nl-utrecht"),
    DemoUser("demo-investigator", "Ivo", "Demo", Role.INVESTIGATOR, "nl-police-avim"),
    DemoUser("demo-prosecutor", "Pieter", "Demo", Role.PROSECUTOR, "nl-om"),
    DemoUser("demo-coordinator", "Cora", "Demo", Role.COORDINATOR, "nl-comensha"),
    # Analysts see pseudonymised figures only: no two-factor needed (roles.ROLES_REQUIRING_2FA).
    DemoUser("demo-analyst", "Anna", "Demo", Role.ANALYST, "nl-rapporteur", totp=False),
    DemoUser("demo-auditor", "Aart", "Demo", Role.AUDITOR, "nl-comensha"),
    DemoUser("demo-admin", "Ada", "Demo", Role.ADMINISTRATOR, "nl-comensha"),
    DemoUser("demo-teacher", "Tess", "Demo", Role.FRONTLINE, "nl-demo-school"),
    DemoUser("demo-veiligthuis", "Vera", "Demo", Role.CASE_WORKER, "nl-veilig-thuis"),
    DemoUser("demo-police-be", "Bart", "Demo", Role.FRONTLINE, "be-federal-police"),
    DemoUser("demo-guardian", "Gijs", "Demo", Role.CASE_WORKER, "nl-nidos"),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organisation: str
    password: str
    totp_secret: str  # base32, empty when the user has no authenticator
    otpauth_uri: str


def totp_key(username: str) -> str:
    """The hex TOTP key of a demo user: HMAC-SHA256(SECRET_KEY, user name), first 20 bytes."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"opennrm-demo-totp:{username}".encode(), hashlib.sha256
    ).digest()
    return digest[:20].hex()


def base32_secret(hex_key: str) -> str:
    return base64.b32encode(bytes.fromhex(hex_key)).decode()


def _organisations() -> dict[str, Organisation]:
    loaded = {}
    for entry in ORGANISATIONS:
        organisation, _created = Organisation.objects.update_or_create(
            slug=entry.slug,
            defaults={
                "name": entry.name,
                "short_name": entry.short_name,
                "kind": entry.kind,
                "country": entry.country,
                "region": entry.region,
                "functions": list(FUNCTIONS.get(entry.slug, ())),
                "is_active": True,
            },
        )
        loaded[entry.slug] = organisation
    return loaded


def _user(entry: DemoUser, organisation: Organisation) -> DemoLogin:
    user, _created = User.objects.update_or_create(
        username=entry.username,
        defaults={
            "first_name": entry.first_name,
            "last_name": entry.last_name,
            "email": f"{entry.username}@demo.invalid",
            "is_demo": True,
            "is_active": True,
        },
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    Membership.objects.filter(user=user).exclude(
        organisation=organisation, role=entry.role
    ).delete()
    Membership.objects.update_or_create(
        user=user, organisation=organisation, role=entry.role, defaults={"is_active": True}
    )
    secret = uri = ""
    if entry.totp:
        key = totp_key(entry.username)
        TOTPDevice.objects.filter(user=user).exclude(name=DEMO_DEVICE).delete()
        device, _created = TOTPDevice.objects.update_or_create(
            user=user, name=DEMO_DEVICE, defaults={"key": key, "confirmed": True}
        )
        secret, uri = base32_secret(key), device.config_url
    return DemoLogin(
        username=entry.username,
        role=str(entry.role.label),
        organisation=organisation.name,
        password=DEMO_PASSWORD,
        totp_secret=secret,
        otpauth_uri=uri,
    )


def load() -> list[DemoLogin]:
    """Create or refresh the demo organisations and users; returns their logins."""
    if settings.PRODUCTION:
        raise DemoRefused("demo data is never loaded in production (OPENNRM_ENV=production)")
    with transaction.atomic():
        organisations = _organisations()
        logins = [_user(entry, organisations[entry.organisation]) for entry in USERS]
        audit.record(
            action=AuditAction.UPDATE,
            actor_label="demo_load",
            object_type="demo",
            detail={"organisations": len(organisations), "users": len(logins)},
        )
    return logins


def current_code(username: str) -> str:
    """The current TOTP code of a demo user's authenticator (demo instances only)."""
    if not settings.OPENNRM_DEMO:
        raise DemoRefused("demo codes are only shown when OPENNRM_DEMO=1")
    user = User.objects.filter(username=username, is_demo=True).first()
    if user is None:
        raise DemoRefused(f"{username!r} is not a demo user")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise DemoRefused(f"{username!r} has no authenticator (analysts need none)")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = clock.now().timestamp()
    return f"{totp.token():0{device.digits}d}"
