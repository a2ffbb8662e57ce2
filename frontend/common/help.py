"""The product's help pages: reference documents kept in docs/ (the same text developers read), rendered to HTML for
the console (/console/help/<page>/), so an admin never needs the repository.

Markdown is rendered by markdown-it-py (CommonMark, tables on, raw HTML off, so a document cannot inject markup);
each heading gets an id for links into the page, and a table of contents lists the second-level headings.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

PAGES = {"plans": "docs/plans.md"}  # help page slug -> document
_HEADING = re.compile(r"<h([1-4])>(.*?)</h\1>", re.S)


@dataclass(frozen=True)
class HelpPage:
    title: str
    body: SafeString
    contents: tuple[tuple[str, str], ...]  # (anchor, heading text) of the second-level headings


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", html.unescape(re.sub(r"<[^>]+>", "", text)).lower()).strip("-") or "section"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


@cache
def help_page(slug: str) -> HelpPage | None:
    """The rendered page, or None for an unknown slug (rendered once per process: the documents ship with it)."""
    if slug not in PAGES:
        return None
    source = (Path(settings.BASE_DIR) / PAGES[slug]).read_text(encoding="utf-8")
    rendered = MarkdownIt("commonmark", {"html": False}).enable("table").render(source)
    taken: set[str] = set()
    contents: list[tuple[str, str]] = []
    title = ""

    def anchor(match: re.Match) -> str:
        nonlocal title
        level, text = match.group(1), match.group(2)
        slug = _slug(text, taken)
        if level == "1" and not title:
            title = html.unescape(re.sub(r"<[^>]+>", "", text))
        if level == "2":
            contents.append((slug, html.unescape(re.sub(r"<[^>]+>", "", text))))
        return f'<h{level} id="{slug}">{text}</h{level}>'

    body = _HEADING.sub(anchor, rendered)
    body = body.replace("<table>", '<div class="table-scroll" tabindex="0"><table>')
    body = body.replace("</table>", "</table></div>")
    body = body.replace("<pre>", '<pre tabindex="0">')  # a scrollable block the keyboard can reach
    return HelpPage(title=title or slug, body=mark_safe(body), contents=tuple(contents))  # noqa: S308 - markdown-it output, raw HTML off
