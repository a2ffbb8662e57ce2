"""Draws a :class:`~plans.statements.data.Statement` or :class:`~plans.statements.data.YearSummary` as a PDF on a
ReportLab canvas (installs from PyPI as a wheel, nothing from apt; docs/plans.md "Statements" says why not fpdf2 or
WeasyPrint). No database access here: the selectors in ``plans.statements.data`` decide every figure.

Bounded memory and time: lines arrive streamed (``Statement.lines``) and are drawn row by row; each finished page
goes into the document as a compressed content stream (~5 KB for 45 rows) and the "of N" page count is one form
drawn at the end, so no page is kept to be renumbered. Measured here (2 shared cores): 20,000 lines -> 1.6 MB PDF,
~30 MB more resident memory, 8-17 s. ``MAX_LINES`` caps a statement at 20,000 listed lines: past that the totals are
still complete and the statement says how many lines are not listed and that the back office and API list them all.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from core import formatting
from plans.currencies import conversion_text, rate_text
from plans.statements.data import Branding, Statement, StatementLine, YearSummary

MAX_LINES = 20_000
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
CENT = Decimal("0.01")
INK = (33 / 255, 37 / 255, 41 / 255)
MUTED = (108 / 255, 117 / 255, 125 / 255)
RULE = (222 / 255, 226 / 255, 230 / 255)
STRIPE = (246 / 255, 248 / 255, 250 / 255)
PAGE_W, PAGE_H = A4
LEFT, RIGHT, BOTTOM = 15 * mm, PAGE_W - 15 * mm, 16 * mm

# Columns of the line table on A4 portrait with 15 mm margins (180 mm): (heading, width mm, alignment)
LINE_COLUMNS = (
    ("bonus", 38, "L"),
    ("from", 44, "L"),
    ("order", 19, "L"),
    ("level", 12, "R"),
    ("volume", 22, "R"),
    ("rate", 16, "R"),
    ("amount", 29, "R"),
)
# A line with no source member (an adjustment) spends the source, order, level, volume and rate columns on its reason.
NOTE_COLUMNS = (("bonus", 38, "L"), ("from", 113, "L"), ("amount", 29, "R"))


def money(amount: Decimal, currency: str) -> str:
    """The active language's separators, two decimals, the currency code: every amount on paper carries its
    currency ("1,234.56 USD"; "1.234,56 USD" in Spanish)."""
    return formatting.money(amount, currency)


def _points(value: Decimal | None) -> str:
    return "" if value is None else formatting.number(value)


def _colour(hex_colour: str) -> tuple[float, float, float]:
    """The company's colour as RGB fractions (ReportLab's); the default green if the stored value is unusable."""
    value = hex_colour.lstrip("#")
    try:
        return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255)
    except ValueError:
        return (47 / 255, 111 / 255, 78 / 255)


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


class _Document:
    """A4 drawn on a ReportLab canvas: the company's colour band and name on every page, "Page n of N" in the footer
    (N is a form drawn once at the end and referenced from every page, so pages are never kept to be numbered)."""

    def __init__(self, brand: Branding, title: str, subtitle: str):
        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=A4, pageCompression=1)
        self.brand, self.title_text, self.subtitle = brand, title, subtitle
        self.colour = _colour(brand.colour)
        self.canvas.setTitle(f"{brand.name} – {title}")
        self.canvas.setAuthor(brand.name)
        self.canvas.setCreator("Canopy")
        self.face, self.bold = _fonts()
        self.table_head: tuple | None = None  # repeated under the band on each new page while a table runs
        self.page = 0
        self.y = 0.0
        self._new_page()

    # ------------------------------------------------------------------------------------------------ pages

    def _new_page(self) -> None:
        if self.page:
            self._footer()
            self.canvas.showPage()
        self.page += 1
        c = self.canvas
        c.setFillColorRGB(*self.colour)
        c.rect(0, PAGE_H - 22 * mm, PAGE_W, 22 * mm, stroke=0, fill=1)
        c.setFillColorRGB(1, 1, 1)
        c.setFont(self.bold, 14)
        c.drawString(LEFT, PAGE_H - 13 * mm, self.fit(self.brand.name, 110 * mm, self.bold, 14))
        c.setFont(self.face, 10)
        c.drawRightString(RIGHT, PAGE_H - 13 * mm, self.text_safe(self.title_text))
        self.y = PAGE_H - 30 * mm
        if self.table_head is not None:
            self.table_header(*self.table_head)

    def _footer(self) -> None:
        c = self.canvas
        c.setFont(self.face, 7.5)
        c.setFillColorRGB(*MUTED)
        c.drawString(LEFT, 8 * mm, self.fit(self.subtitle, 120 * mm, self.face, 7.5))
        label = _("Page %(page)s of") % {"page": self.page} + " "
        c.drawRightString(RIGHT - 8 * mm, 8 * mm, self.text_safe(label))
        c.saveState()
        c.translate(RIGHT - 8 * mm, 8 * mm)
        c.doForm("page_count")
        c.restoreState()
        c.setFillColorRGB(*INK)

    def _room(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self._new_page()

    def finish(self) -> bytes:
        self._footer()
        c = self.canvas
        c.beginForm("page_count")
        c.setFont(self.face, 7.5)
        c.setFillColorRGB(*MUTED)
        c.drawString(0, 0, str(self.page))
        c.endForm()
        c.save()
        return self.buffer.getvalue()

    # ------------------------------------------------------------------------------------------------ text

    def text_safe(self, text: str) -> str:
        if self.face == "Helvetica":  # the standard fonts hold Windows-1252 (Latin-1 with dashes, quotes, "…")
            return text.encode("cp1252", "replace").decode("cp1252")
        return text

    def fit(self, text: str, width: float, face: str, size: float) -> str:
        """Cut a long name to its column with an ellipsis rather than let it run into the next column."""
        text = self.text_safe(text)
        if stringWidth(text, face, size) <= width:
            return text
        while text and stringWidth(text + "…", face, size) > width:
            text = text[:-1]
        return self.text_safe(text + "…")

    # ------------------------------------------------------------------------------------------------ building blocks

    def heading(self, text: str) -> None:
        self._room(14 * mm)
        self.y -= 8 * mm
        self.canvas.setFont(self.bold, 11)
        self.canvas.setFillColorRGB(*self.colour)
        self.canvas.drawString(LEFT, self.y, self.text_safe(text))
        self.canvas.setFillColorRGB(*INK)
        self.y -= 3 * mm

    def facts(self, rows: list[tuple[str, str]]) -> None:
        c = self.canvas
        for label, value in rows:
            self._room(6 * mm)
            self.y -= 5.5 * mm
            c.setFont(self.face, 9)
            c.setFillColorRGB(*MUTED)
            c.drawString(LEFT, self.y, self.text_safe(label))
            c.setFillColorRGB(*INK)
            c.setFont(self.bold, 9)
            c.drawString(LEFT + 40 * mm, self.y, self.fit(value, 140 * mm, self.bold, 9))

    def _cells(self, columns: tuple, values: dict[str, str], face: str, height: float, fill) -> None:
        c = self.canvas
        if fill is not None:
            c.setFillColorRGB(*fill)
            c.rect(LEFT, self.y - height, RIGHT - LEFT, height, stroke=0, fill=1)
            c.setFillColorRGB(*INK)
        c.setFont(face, 8)
        x = LEFT
        base = self.y - height + 1.9 * mm
        for key, width, align in columns:
            text = self.fit(values.get(key, ""), (width - 3) * mm, face, 8)
            if align == "R":
                c.drawRightString(x + (width - 1.5) * mm, base, text)
            else:
                c.drawString(x + 1.5 * mm, base, text)
            x += width * mm
        self.y -= height

    def table_header(self, columns: tuple, labels: dict[str, str]) -> None:
        self._room(13 * mm)
        self._cells(columns, labels, self.bold, 6.5 * mm, RULE)

    def row(self, columns: tuple, values: dict[str, str], *, shade: bool) -> None:
        if self.y - 5.5 * mm < BOTTOM:
            self._new_page()
        self._cells(columns, values, self.face, 5.5 * mm, STRIPE if shade else None)

    def total_line(self, label: str, value: str) -> None:
        c = self.canvas
        self._room(12 * mm)
        self.y -= 1.5 * mm
        c.setStrokeColorRGB(*self.colour)
        c.setLineWidth(1.4)
        c.line(LEFT, self.y, RIGHT, self.y)
        self.y -= 6.5 * mm
        c.setFont(self.bold, 11)
        c.drawString(LEFT, self.y, self.text_safe(label))
        c.drawRightString(RIGHT, self.y, self.text_safe(value))
        self.y -= 2 * mm

    def note(self, text: str) -> None:
        c = self.canvas
        c.setFont(self.face, 8)
        c.setFillColorRGB(*MUTED)
        for line in simpleSplit(self.text_safe(text), self.face, 8, RIGHT - LEFT):
            self._room(5 * mm)
            self.y -= 4.5 * mm
            c.setFont(self.face, 8)
            c.setFillColorRGB(*MUTED)
            c.drawString(LEFT, self.y, line)
        c.setFillColorRGB(*INK)


def _fonts() -> tuple[str, str]:
    """DejaVu Sans (every Latin, Greek and Cyrillic name) where the system has it, else the standard Helvetica."""
    registered = pdfmetrics.getRegisteredFontNames()
    if "DejaVu" in registered:
        return "DejaVu", "DejaVu-Bold"
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("DejaVu", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(bold)))
            return "DejaVu", "DejaVu-Bold"
    return "Helvetica", "Helvetica-Bold"


def _bonus_table(doc: _Document, rows, currency: str) -> None:
    columns = (("bonus", 110, "L"), ("lines", 30, "R"), ("amount", 40, "R"))
    labels = {"bonus": _("Bonus"), "lines": _("Lines"), "amount": _("Amount")}
    doc.table_header(columns, labels)
    for i, b in enumerate(rows):
        doc.row(
            columns,
            {"bonus": b.name, "lines": formatting.number(b.lines, 0), "amount": money(b.amount, currency)},
            shade=bool(i % 2),
        )
    if not rows:
        doc.note(_("Nothing was posted to you in this period."))


def _line_values(doc: _Document, line: StatementLine, currency: str) -> tuple[tuple, dict[str, str]]:
    """The row's columns and texts. A long source name is cut before its member number, never the number."""
    amount = money(line.amount, currency)
    if line.source_number is None:
        return NOTE_COLUMNS, {"bonus": line.bonus, "from": line.reason, "amount": amount}
    number = f" #{line.source_number}"
    room = (44 - 3) * mm - stringWidth(number, doc.face, 8)
    return LINE_COLUMNS, {
        "bonus": line.bonus,
        "from": doc.fit(line.source_name, room, doc.face, 8) + number,
        "order": "" if line.order_number is None else f"#{line.order_number}",
        "level": "" if not line.level else str(line.level),
        "volume": _points(line.volume),
        "rate": "" if line.rate is None else formatting.percent(line.rate),
        "amount": amount,
    }


def statement_pdf(statement: Statement) -> bytes:
    """The period's commission statement: who and when, totals by bonus, every line, the grand total."""
    brand, cur = statement.branding, statement.branding.currency
    period = f"{_date(statement.period_start)} – {_date(statement.period_end)}"
    doc = _Document(brand, _("Commission statement"), _("%(name)s #%(number)s · %(period)s") % {
        "name": statement.member_name, "number": statement.member_number, "period": period})  # fmt: skip
    doc.facts([
        (_("Member"), f"{statement.member_name} (#{statement.member_number})"),
        (_("Period"), period),
        (_("Period status"), str(statement.period_status)),
        (_("Currency"), cur),
    ])  # fmt: skip
    doc.heading(_("Totals by bonus"))
    _bonus_table(doc, statement.by_bonus, cur)
    doc.total_line(_("Total for the period"), money(statement.total, cur))
    doc.heading(_("Every line (%(count)s)") % {"count": formatting.number(statement.line_count, 0)})
    labels = {"bonus": _("Bonus"), "from": _("From member"), "order": _("Order"), "level": _("Level"),
              "volume": _("Volume"), "rate": _("Rate"), "amount": _("Amount")}  # fmt: skip
    doc.table_head = (LINE_COLUMNS, labels)
    doc.table_header(LINE_COLUMNS, labels)
    written = 0
    for line in statement.lines:
        if written == MAX_LINES:
            break
        columns, values = _line_values(doc, line, cur)
        doc.row(columns, values, shade=bool(written % 2))
        written += 1
    doc.table_head = None
    if statement.line_count > written:
        doc.note(_("%(more)s more lines are not listed here (a statement lists at most %(max)s); the totals above "
                   "count them all, and the back office and the API list every line.")
                 % {"more": formatting.number(statement.line_count - written, 0),
                    "max": formatting.number(MAX_LINES, 0)})  # fmt: skip
    doc.total_line(_("Total for the period"), money(statement.total, cur))
    _converted(doc, statement)
    if brand.support_email:
        doc.note(_("Questions about this statement: %(email)s") % {"email": brand.support_email})
    return doc.finish()


def _converted(doc: _Document, statement: Statement) -> None:
    """The total in the member's currency: the base amount, the rate recorded with the period's run, the result."""
    value = statement.converted
    if value is None:
        return
    doc.heading(_("Paid in %(currency)s") % {"currency": value.currency})
    doc.facts([
        (_("Exchange rate"), _("1 %(base)s = %(rate)s %(currency)s") % {
            "base": value.base_currency, "rate": rate_text(value.rate), "currency": value.currency}),
        (_("In your currency"), conversion_text(value)),
    ])  # fmt: skip
    doc.note(_("Commissions are calculated in %(base)s and converted once, at the rate recorded with the period's "
               "run, rounded half-up to the smallest unit of %(currency)s; your payout converts what it pays the "
               "same way.")
             % {"base": value.base_currency, "currency": value.currency})  # fmt: skip


def year_summary_pdf(summary: YearSummary) -> bytes:
    """The calendar year's earnings for tax filing: by month, by bonus, the year's total and what was paid out."""
    brand, cur = summary.branding, summary.branding.currency
    who = {"name": summary.member_name, "number": summary.member_number, "year": summary.year}
    title = _("Year-end earnings summary %(year)s") % {"year": summary.year}
    doc = _Document(brand, title, _("%(name)s #%(number)s · %(year)s") % who)
    doc.facts([
        (_("Member"), f"{summary.member_name} (#{summary.member_number})"),
        (_("Calendar year"), str(summary.year)),
        (_("Commission periods"), str(summary.periods)),
        (_("Currency"), cur),
    ])  # fmt: skip
    doc.heading(_("Earnings by month"))
    columns = (("month", 140, "L"), ("amount", 40, "R"))
    doc.table_header(columns, {"month": _("Month (period start)"), "amount": _("Amount")})
    for i, m in enumerate(summary.by_month):
        month = formats.date_format(datetime.date(summary.year, m.month, 1), "F Y")
        doc.row(columns, {"month": month, "amount": money(m.amount, cur)}, shade=bool(i % 2))
    doc.heading(_("Earnings by bonus"))
    _bonus_table(doc, summary.by_bonus, cur)
    doc.total_line(_("Total earnings %(year)s") % {"year": summary.year}, money(summary.total, cur))
    doc.heading(_("Payouts"))
    doc.facts([(_("Paid out in %(year)s") % {"year": summary.year}, money(summary.paid_out, cur))])
    doc.note(_("Earnings are counted in the year their commission period starts; payouts in the year they were "
               "paid. This summary is for your records and tax filing; it is not tax advice."))  # fmt: skip
    if brand.support_email:
        doc.note(_("Questions: %(email)s") % {"email": brand.support_email})
    return doc.finish()
