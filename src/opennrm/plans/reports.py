"""The progress report of a plan: the same rows for the HTML page, the PDF and the XLSX file."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.utils.translation import gettext as _

from opennrm.plans.models import Measure, Plan, ProgressUpdate

FONTS = Path(__file__).resolve().parent.parent / "core" / "fonts"  # shared with the dossier
DASH = "\u2013"


@dataclass
class ReportRow:
    measure: Measure
    theme: str
    latest: ProgressUpdate | None


def rows(plan: Plan) -> list[ReportRow]:
    measures = list(plan.measures.select_related("lead_organisation"))
    latest: dict[int, ProgressUpdate] = {}
    for update in ProgressUpdate.objects.filter(measure__plan=plan).order_by("created_at", "pk"):
        latest[update.measure_id] = update
    return [ReportRow(m, plan.theme_name(m.theme), latest.get(m.pk)) for m in measures]


def _deadline(measure: Measure) -> str:
    return measure.deadline_text or DASH


def pdf(plan: Plan, today: date) -> bytes:
    from fpdf import FPDF

    document = FPDF(format="A4", orientation="landscape")
    document.set_title(plan.code)
    document.set_creator("OpenNRM")
    document.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    document.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    document.set_auto_page_break(auto=True, margin=12)
    document.add_page()
    width = document.w - document.l_margin - document.r_margin
    document.set_font("DejaVu", "B", 15)
    document.multi_cell(width, 8, plan.title, new_x="LMARGIN", new_y="NEXT")
    document.set_font("DejaVu", "", 10)
    document.multi_cell(
        width,
        5,
        _("Progress report of %(date)s. %(owner)s, %(start)s-%(end)s.")
        % {
            "date": today.isoformat(),
            "owner": plan.owner,
            "start": plan.period_from,
            "end": plan.period_to,
        },
        new_x="LMARGIN",
        new_y="NEXT",
    )
    current = None
    for row in rows(plan):
        if row.theme != current:
            current = row.theme
            document.ln(3)
            document.set_font("DejaVu", "B", 12)
            document.multi_cell(width, 6, row.theme or DASH, new_x="LMARGIN", new_y="NEXT")
        measure = row.measure
        document.set_font("DejaVu", "B", 9)
        head = f"{measure.number}. {measure.get_status_display()} {DASH} {_deadline(measure)}"
        if measure.due_on and measure.due_on < today and measure.is_open:
            head += " " + _("(overdue)")
        document.multi_cell(width, 5, head, new_x="LMARGIN", new_y="NEXT")
        document.set_font("DejaVu", "", 9)
        document.multi_cell(width, 4.5, measure.text, new_x="LMARGIN", new_y="NEXT")
        document.multi_cell(
            width,
            4.5,
            _("Lead: %(body)s") % {"body": measure.lead_as_printed or DASH},
            new_x="LMARGIN",
            new_y="NEXT",
        )
        if row.latest is not None:
            update = row.latest
            text = _("Progress (%(day)s): %(text)s") % {
                "day": update.created_at.date().isoformat(),
                "text": update.narrative,
            }
            if update.evidence_url:
                text += f" {DASH} {update.evidence_url}"
            document.multi_cell(width, 4.5, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def xlsx(plan: Plan, today: date) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(plan.code[:31])
    bold = book.add_format({"bold": True})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    headers = [
        _("Number"),
        _("Theme"),
        _("Measure"),
        _("Lead"),
        _("Contributing bodies"),
        _("Deadline as printed"),
        _("Due"),
        _("Status"),
        _("Latest progress"),
        _("Evidence"),
        _("Source"),
    ]
    for column, header in enumerate(headers):
        sheet.write(0, column, header, bold)
    for line, row in enumerate(rows(plan), start=1):
        m = row.measure
        values = [
            m.number,
            row.theme,
            m.text,
            m.lead_as_printed,
            "; ".join(m.contributors),
            m.deadline_text,
            None,
            m.get_status_display(),
            row.latest.narrative if row.latest else "",
            row.latest.evidence_url if row.latest else "",
            m.source,
        ]
        for column, value in enumerate(values):
            if column == 6:
                if m.due_on is not None:
                    sheet.write_datetime(line, column, m.due_on, dates)
                continue
            # Text is written as text: a cell beginning with "=" never becomes a formula.
            sheet.write_string(line, column, str(value))
    sheet.freeze_panes(1, 0)
    sheet.set_column(2, 2, 80)
    book.close()
    return buffer.getvalue()
