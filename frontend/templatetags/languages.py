"""``{{ page|translated:"title" }}``: company-written text in the reader's language, else the company's default
language's (core.company.selectors.translated; issue 19)."""

from django import template

from core.company.selectors import translated as translated_text

register = template.Library()


@register.filter
def translated(obj, field: str) -> str:
    if obj is None or obj == "":
        return ""
    return translated_text(obj, field)
