"""System checks for the rule files (DESIGN rule 3): a malformed file stops ``manage.py check``.

Every message starts with the file and line at fault. Ids are stable:

* ``opennrm.E100`` a jurisdiction file is malformed;
* ``opennrm.E101`` an indicator catalogue is malformed;
* ``opennrm.E102`` a questionnaire or one of its translations is malformed;
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from opennrm.core.jurisdictions import load_jurisdictions
from opennrm.intake.catalogues import load_catalogues
from opennrm.intake.questionnaires import load_questionnaires


@register("opennrm")
def check_rule_files(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    _jurisdictions, errors = load_jurisdictions()
    problems += [Error(str(error), id="opennrm.E100") for error in errors]
    _catalogues, errors = load_catalogues()
    problems += [Error(str(error), id="opennrm.E101") for error in errors]
    _questionnaires, errors = load_questionnaires()
    problems += [Error(str(error), id="opennrm.E102") for error in errors]
    return problems
