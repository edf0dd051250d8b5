"""System checks of the rules the cases app interprets; each message names the file and line.

* ``opennrm.E106`` the protection procedures (``procedures``) of a jurisdiction file are
  malformed;
* ``opennrm.E107`` its ``case_deadlines`` section is malformed;
* ``opennrm.E108`` its ``retention`` section is malformed.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from opennrm.cases.procedures import load_case_deadlines, load_procedures
from opennrm.cases.retention import load_retention


@register("opennrm")
def check_procedures(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    _found, errors = load_procedures()
    problems = [Error(str(error), id="opennrm.E106") for error in errors]
    _rules, deadline_errors = load_case_deadlines()
    problems += [Error(str(error), id="opennrm.E107") for error in deadline_errors]
    _retention, retention_errors = load_retention()
    problems += [Error(str(error), id="opennrm.E108") for error in retention_errors]
    return problems
