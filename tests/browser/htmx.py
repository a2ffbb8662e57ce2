"""Waiting for htmx pages to be still before checking them (axe reads a region dimmed while a refresh runs as low
contrast)."""

from __future__ import annotations

QUIET_MS = 600  # longer than any hx-trigger delay our pages use (the plan builder's is 300 ms)

WATCH = """() => {
  if (!window.__htmxWatched) {
    window.__htmxWatched = true;
    for (const name of ["htmx:trigger", "htmx:beforeRequest", "htmx:afterRequest", "htmx:afterSettle"]) {
      document.body.addEventListener(name, () => { window.__htmxLast = Date.now(); });
    }
  }
  window.__htmxLast = Date.now();
}"""


def htmx_settled(page) -> None:
    """No htmx request in flight and none started for QUIET_MS: a change whose request is still waiting out its
    ``delay:`` shows no class, so "nothing in flight" alone could be read just before it fires."""
    page.evaluate(WATCH)
    page.wait_for_function(
        f"() => !document.querySelector('.htmx-request') && Date.now() - window.__htmxLast > {QUIET_MS}", polling=100
    )
