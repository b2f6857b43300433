"""Participant-facing text in the language of the room.

Every string a participant, facilitator or report reader sees goes through :func:`_` (or
:func:`ngettext` for counts), so one catalog per language translates the pygame screens, the seat
pages, the report and the handouts alike. Constants defined at import time are marked with
:func:`N_` and translated where they are shown.

Catalogs are the ``.po`` files in ``hmt_sim/locale`` (``nl.po``, from the template
``messages.pot``). They are read with Babel and compiled in memory on first use, so a checkout or a
wheel needs no build step and a catalog can never be stale against its compiled form.

The language is one process-wide setting (``hmt-sim play --lang nl`` sets it once at start):
a tabletop exercise runs in one language. Code that must render another language regardless
(a test, a handout in two languages) uses :func:`use_language` or :func:`translations`.
"""

from __future__ import annotations

import gettext as _gettext
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from hmt_sim.errors import InputError

#: Languages with a catalog; English is the source language and needs none.
LANGUAGES: tuple[str, ...] = ("en", "nl")
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "nl": "Nederlands"}
DEFAULT_LANGUAGE = "en"

# The one process-wide setting, by design (see the module docstring); guarded for the seat
# server's threads.
_active = {"lang": DEFAULT_LANGUAGE}
_lock = threading.Lock()


def check_language(lang: str) -> str:
    """Return ``lang`` normalised (``NL`` -> ``nl``), or raise an error naming the choices."""
    norm = lang.strip().lower().replace("_", "-").split("-")[0]
    if norm not in LANGUAGES:
        allowed = ", ".join(f"{code} ({LANGUAGE_NAMES[code]})" for code in LANGUAGES)
        raise InputError(f"--lang {lang!r}: no such language; allowed: {allowed}")
    return norm


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English: the identity), read once per process."""
    lang = check_language(lang)
    if lang == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    from importlib import resources  # only here: it costs every run's start-up about 8 ms

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = resources.files("hmt_sim.locale").joinpath(f"{lang}.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries stay untranslated, as gettext intends
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def set_language(lang: str) -> str:
    """Make ``lang`` the language of everything shown from now on; returns the normalised code."""
    lang = check_language(lang)
    translations(lang)  # load (and check) the catalog now, not in front of the room
    with _lock:
        _active["lang"] = lang
    return lang


def language() -> str:
    """The language in force."""
    return _active["lang"]


@contextmanager
def use_language(lang: str) -> Iterator[str]:
    """Render in ``lang`` inside the block, then restore the previous language."""
    previous = language()
    set_language(lang)
    try:
        yield language()
    finally:
        set_language(previous)


def _(message: str) -> str:
    """Translate ``message`` into the language in force (the gettext convention's name)."""
    return translations(_active["lang"]).gettext(message)


def gettext(message: str) -> str:
    """Same as :func:`_`, for code that prefers the long name."""
    return _(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message whose form depends on ``count`` ("1 leaker", "3 leakers")."""
    return translations(_active["lang"]).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """Translate ``message`` in ``context``: one English word with two meanings ("outcome" of
    a decision, "outcome" of a sweep) gets two translations."""
    return translations(_active["lang"]).pgettext(context, message)


def decimal(text: str) -> str:
    """A number already formatted the English way ("12.5%", "0.9") with the decimal sign of the
    language in force ("12,5%" in Dutch). Digits only: a clock "4:05" or a word is unchanged."""
    lang = _active["lang"]
    if lang == DEFAULT_LANGUAGE or "." not in text:
        return text
    from babel.numbers import get_decimal_symbol

    sign = get_decimal_symbol(lang)
    return "".join(
        sign if ch == "." and 0 < i < len(text) - 1 and text[i - 1].isdigit()
        and text[i + 1].isdigit() else ch for i, ch in enumerate(text))


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it yet (constants at import time)."""
    return message
