# ruff: noqa: F811  (the posted fixture is imported from the statement tests)
"""A commission statement rendered in Spanish: every label from the catalogue, amounts, volumes and rates with the
Spanish separators (Babel), dates in Django's Spanish format. The company of plans/tests/conftest.py: a earns 10.00
on b's order and 5.00 on c's; an adjustment of 1,234.56 brings a's total to 1,249.56."""

from decimal import Decimal

import pytest
from django.utils import translation

from plans.services_adjustments import ledger_adjust
from plans.statements.data import period_statement
from plans.statements.render import statement_pdf
from plans.tests.test_statements import after, pdf_lines, posted  # noqa: F401 - posted is a fixture

pytestmark = pytest.mark.django_db


def test_statement_pdf_in_spanish(chain, posted, admin):
    a, b = chain["a"], chain["b"]
    ledger_adjust(member=a, amount=Decimal("1234.56"), reason="Bono de bienvenida", by=admin, period=posted)

    with translation.override("es"):
        lines = pdf_lines(statement_pdf(period_statement(member=a, period=posted)))

    assert lines[:2] == ["Alpha", "Extracto de comisiones"]
    assert after(lines, "Miembro") == f"{a.full_name} (#{a.number})"
    assert after(lines, "Período") == "1 de enero de 2026 – 31 de enero de 2026"
    assert after(lines, "Estado del período") == "Contabilizado"
    assert after(lines, "Moneda") == "USD"
    assert "Totales por bono" in lines
    assert after(lines, "Total del período") == "1.249,56 USD"
    assert "Todas las líneas (3)" in lines
    headings = lines.index("Todas las líneas (3)")
    assert lines[headings + 1 : headings + 8] == ["Bono", "Del miembro", "Pedido", "Nivel", "Volumen", "Tasa",
                                                  "Importe"]  # fmt: skip
    first = headings + 8
    assert lines[first : first + 7] == [
        "Team Bonus", f"{b.full_name} #{b.number}", f"#{b.orders.get().number}", "1", "100,00",
        "10,00 %", "10,00 USD",
    ]  # fmt: skip
    assert lines[first + 14 : first + 17] == ["Ajuste", "Bono de bienvenida", "1.234,56 USD"]
    assert lines[-2:] == ["Página 1 de", "1"]


def test_the_same_statement_in_english_is_unchanged(chain, posted, admin):
    a = chain["a"]
    ledger_adjust(member=a, amount=Decimal("1234.56"), reason="Welcome bonus", by=admin, period=posted)
    with translation.override("en"):
        lines = pdf_lines(statement_pdf(period_statement(member=a, period=posted)))
    assert lines[1] == "Commission statement"
    assert after(lines, "Total for the period") == "1,249.56 USD"
    assert "1,234.56 USD" in lines
