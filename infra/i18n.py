"""The translation catalogues: one way to update, check and compile them, used by people, `make` and CI.

    python -m infra.i18n update    # find every marked string (makemessages) into locale/<lang>/LC_MESSAGES
    python -m infra.i18n check     # the committed catalogues are up to date and complete (0 untranslated, 0 fuzzy)
    python -m infra.i18n compile   # .po -> .mo (compilemessages), done by `make test`, `make demo` and `make serve`

`check` runs makemessages into a copy of locale/ and compares, so a string marked in code but missing from the
committed catalogue fails CI just like an untranslated one. Locations are kept per file (not per line) so that a
moved line does not rewrite the catalogue.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
# English is the source; these ship complete.
SHIPPED = ["es"]
IGNORED = [".venv/*", "node_modules/*", "var/*", "artifacts/*", "bench/*", "docs/*", "*/tests/*", "tests/*"]


def _manage(args: list[str], locale_dir: Path) -> None:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", CANOPY_LOCALE_DIR=str(locale_dir))
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def update(locale_dir: Path = LOCALE) -> None:
    ignore = [arg for pattern in IGNORED for arg in ("--ignore", pattern)]
    for domain in ("django",):
        _manage(
            [
                "makemessages",
                *[arg for lang in SHIPPED for arg in ("-l", lang)],
                "--domain",
                domain,
                "--add-location=file",
                "--no-obsolete",
                "--no-wrap",
                *ignore,
            ],
            locale_dir,
        )


# What a translation must keep: Python placeholders ("%(name)s") and the variables of company e-mail templates
# ("{{ first_name }}"), so a translated e-mail never loses the member's name or a link.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|\{\{\s*[\w.]+\s*\}\}")


def _placeholders(text: str) -> set[str]:
    return {re.sub(r"\s+", "", found) for found in PLACEHOLDER.findall(text)}


def _lost_placeholders(entry: polib.POEntry) -> set[str]:
    if entry.msgid_plural:
        wanted = _placeholders(entry.msgid_plural) | _placeholders(entry.msgid)
        kept: set[str] = set().union(*(_placeholders(text) for text in entry.msgstr_plural.values()))
        return wanted - kept - {"%(counter)s"}
    return _placeholders(entry.msgid) - _placeholders(entry.msgstr)


def problems(locale_dir: Path = LOCALE) -> list[str]:
    """What keeps a shipped catalogue from being complete: untranslated and fuzzy entries, and (for entries with
    placeholders) a translation that lost one."""
    found: list[str] = []
    for lang in SHIPPED:
        path = locale_dir / lang / "LC_MESSAGES" / "django.po"
        if not path.exists():
            found.append(f"{lang}: {path} is missing")
            continue
        catalogue = polib.pofile(str(path))
        for entry in catalogue:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                found.append(f"{lang}: fuzzy: {entry.msgid!r}")
            elif not entry.translated():
                found.append(f"{lang}: untranslated: {entry.msgid!r}")
            elif lost := _lost_placeholders(entry):
                found.append(f"{lang}: the translation lost {', '.join(sorted(lost))}: {entry.msgid!r}")
    return found


def check() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "locale"
        shutil.copytree(LOCALE, copy)
        update(copy)
        missing: list[str] = []
        for lang in SHIPPED:
            committed = {e.msgid for e in polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))}
            current = {e.msgid for e in polib.pofile(str(copy / lang / "LC_MESSAGES" / "django.po"))}
            missing += [f"{lang}: not in the committed catalogue: {msgid!r}" for msgid in sorted(current - committed)]
        found = missing + problems(copy)
    for line in found[:200]:
        print(line)
    if found:
        print(f"{len(found)} problem(s): run `python -m infra.i18n update`, translate, and commit locale/.")
        return 1
    print("Translation catalogues complete: " + ", ".join(SHIPPED))
    return 0


def compile_catalogues() -> None:
    _manage(["compilemessages", "--ignore", ".venv", "--ignore", "node_modules"], LOCALE)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
        return 0
    if command == "compile":
        compile_catalogues()
        return 0
    if command == "check":
        return check()
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
