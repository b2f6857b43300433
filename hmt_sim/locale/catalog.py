"""Keep the catalogs in step with the code: extract, update, check.

``python -m hmt_sim.locale.catalog`` (``make i18n``) extracts every marked message of
``hmt_sim`` and ``visualiser`` into ``messages.pot`` and merges it into each language's ``.po``:
new messages arrive empty, messages whose text changed arrive fuzzy (Babel's guess, to be
reviewed), and messages no longer in the code are dropped. It then lists what a translator still
has to do; ``--check`` exits 1 while anything is left (for CI).

The markers are :func:`hmt_sim.i18n._`, ``gettext``, ``N_``, ``ngettext`` (singular and plural)
and ``pgettext`` (a context, then the message).
"""

from __future__ import annotations

import argparse
import string
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

LOCALE_DIR = Path(__file__).resolve().parent
ROOT = LOCALE_DIR.parents[1]
SOURCES = ("hmt_sim", "visualiser")  # relative to the checkout
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2),
            "pgettext": ((1, "c"), 2)}
TEMPLATE = LOCALE_DIR / "messages.pot"


@dataclass(frozen=True, slots=True)
class Problem:
    """One message a translator still has to see to."""

    msgid: str
    what: str  # "missing", "empty", "fuzzy" or "placeholders ..."

    def __str__(self) -> str:
        short = self.msgid if len(self.msgid) <= 70 else self.msgid[:67] + "..."
        return f"{self.what}: {short!r}"


def _skip_dir(path: str) -> bool:
    name = Path(path).name
    return not (name.startswith(".") or name == "__pycache__" or name == "locale")


def extract(root: Path = ROOT) -> Catalog:
    """Every marked message of the sources under ``root``, with where it is used."""
    template = Catalog(project="hmt-sim", charset="utf-8", fuzzy=False)
    for source in SOURCES:
        base = root / source
        if not base.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
                base, keywords=KEYWORDS, comment_tags=("Translators:",),
                directory_filter=_skip_dir):
            where = (f"{source}/{filename}", lineno)
            template.add(message, None, [where], auto_comments=comments, context=context)
    return template


def write_catalog(catalog: Catalog, path: Path, **options: bool) -> None:
    """Write a .po or .pot file (wrapped at 100, as the code is)."""
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, **options)


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    """Read a .po or .pot file."""
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def fields(text: str) -> set[str]:
    """The ``{name}`` placeholders of a message (``{{`` is a literal brace, not one)."""
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text)
                if name is not None}
    except ValueError:  # an unbalanced brace: report it as a placeholder of its own
        return {"<unbalanced brace>"}


def _forms(message: Message) -> list[tuple[str, str]]:
    """(source, translation) pairs: one for a simple message, one per plural form."""
    ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
    strs = message.string if isinstance(message.string, tuple | list) else (message.string,)
    pairs = []
    for i, text in enumerate(strs):
        pairs.append((ids[min(i, len(ids) - 1)], text or ""))
    return pairs


def problems(po: Catalog, template: Catalog) -> list[Problem]:
    """What keeps ``po`` from translating every message of ``template``."""
    found: list[Problem] = []
    for tmessage in template:
        if not tmessage.id:
            continue
        key = tmessage.id[0] if isinstance(tmessage.id, tuple | list) else tmessage.id
        message = po.get(tmessage.id, tmessage.context)
        if message is None:
            found.append(Problem(key, "missing"))
            continue
        if message.fuzzy:
            found.append(Problem(key, "fuzzy"))
            continue
        pairs = _forms(message)
        if not pairs or any(not text.strip() for _src, text in pairs):
            found.append(Problem(key, "empty"))
            continue
        for source, text in pairs:
            want, got = fields(source), fields(text)
            if want != got:
                found.append(Problem(key, f"placeholders {sorted(want)} in the source, "
                                          f"{sorted(got)} in the translation"))
                break
    return found


def languages() -> list[str]:
    """The languages with a catalog (``nl.po`` -> ``nl``)."""
    return sorted(p.stem for p in LOCALE_DIR.glob("*.po"))


def update(root: Path = ROOT) -> dict[str, list[Problem]]:
    """Extract the template, merge it into every .po, write both; problems per language."""
    template = extract(root)
    write_catalog(template, TEMPLATE, omit_header=False)
    report: dict[str, list[Problem]] = {}
    for lang in languages():
        path = LOCALE_DIR / f"{lang}.po"
        po = read_catalog(path, lang)
        po.update(template, update_header_comment=False)
        write_catalog(po, path, ignore_obsolete=True)
        report[lang] = problems(read_catalog(path, lang), template)
    return report


def _print(report: dict[str, list[Problem]]) -> int:
    left = 0
    for lang, found in report.items():
        sys.stdout.write(f"{lang}.po: {len(found)} message(s) to translate or review\n")
        for problem in found:
            sys.stdout.write(f"  {problem}\n")
        left += len(found)
    return left


def main(argv: list[str] | None = None) -> int:
    """Update the catalogs; with ``--check``, only check them (exit 1 if work is left)."""
    parser = argparse.ArgumentParser(prog="python -m hmt_sim.locale.catalog",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a message is missing, empty, fuzzy or "
                        "has other placeholders than its source")
    args = parser.parse_args(argv)
    if args.check:
        template = extract()
        report = {lang: problems(read_catalog(LOCALE_DIR / f"{lang}.po", lang), template)
                  for lang in languages()}
    else:
        report = update()
        sys.stdout.write(f"wrote {TEMPLATE.relative_to(ROOT)} and "
                         + ", ".join(f"hmt_sim/locale/{lang}.po" for lang in report) + "\n")
    left = _print(report)
    return 1 if args.check and left else 0


if __name__ == "__main__":
    sys.exit(main())
