"""What a person reads on a page: text nodes (not scripts or styles) and the labels in attributes. Assertions that a
word is absent look here, not in the raw HTML, whose CSRF tokens and CSP nonces are random letters."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser


class _Text(HTMLParser):
    ATTRIBUTES = {"aria-label", "placeholder", "title", "alt", "data-series"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        self.parts.extend(unescape(value) for name, value in attrs if name in self.ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def text_parts(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return [part for part in (" ".join(p.split()) for p in parser.parts) if part]


def visible_text(html: str) -> str:
    return " ".join(text_parts(html))
