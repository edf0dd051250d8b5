"""System checks of the rules the referrals interpret; each message names the file and line.

* ``opennrm.E103`` the routing rules of a jurisdiction file are malformed;
* ``opennrm.E104`` its working-day calendar is malformed;
* ``opennrm.W105`` its calendar lists no holidays beyond the next 60 days (deadlines in working
  days would then ignore the holidays of the coming year).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.checks import Error, Warning, register

from opennrm.core import calendars, clock
from opennrm.referrals.routing import load_routing

CALENDAR_WARNING_DAYS = 60


@register("opennrm")
def check_routing(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    _routing, errors = load_routing()
    return [Error(str(error), id="opennrm.E103") for error in errors]


@register("opennrm")
def check_calendars(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    found, errors = calendars.load_calendars()
    problems: list[Any] = [Error(str(error), id="opennrm.E104") for error in errors]
    horizon = clock.now().date() + timedelta(days=CALENDAR_WARNING_DAYS)
    for code, calendar in sorted(found.items()):
        if calendar.covers_until is not None and calendar.covers_until < horizon:
            problems.append(
                Warning(
                    f"the calendar of {code} lists holidays until {calendar.covers_until}: add "
                    "the next year's public holidays to its 'calendar' section",
                    id="opennrm.W105",
                )
            )
    return problems
