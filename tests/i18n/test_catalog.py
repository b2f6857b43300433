"""The Dutch catalog translates every message the code marks, with the same placeholders.

The template is extracted from the sources here and now (not read from messages.pot), so a string
someone wrapped in ``_()`` since the last ``make i18n`` fails this test until it is translated.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from hmt_sim.i18n import _, language, ngettext, pgettext, translations, use_language
from hmt_sim.locale.catalog import LOCALE_DIR, extract, fields, problems, read_catalog


@pytest.fixture(scope="module")
def template() -> Catalog:
    return extract()


def test_every_message_is_translated_into_dutch(template: Catalog) -> None:
    assert len(template) > 300, "the extraction found too few messages: are the sources there?"
    found = problems(read_catalog(LOCALE_DIR / "nl.po", "nl"), template)
    listing = "\n".join(str(p) for p in found[:40])
    assert not found, (f"{len(found)} message(s) in hmt_sim/locale/nl.po need a translator "
                       f"(run make i18n, then translate; docs/i18n.md):\n{listing}")


def test_the_check_catches_each_kind_of_problem(tmp_path: Path) -> None:
    source = Catalog(locale="en")
    for msgid in ("Approve", "{n} tracks", "Reject", "Hold", "Wait"):
        source.add(msgid)
    source.add(("{n} leaker", "{n} leakers"))
    po = Catalog(locale="nl")
    po.add("Approve", "Goedkeuren")
    po.add("{n} tracks", "{count} tracks")  # placeholder renamed
    po.add("Reject", "")  # empty
    po.add("Hold", "Aanhouden", flags=["fuzzy"])  # fuzzy
    po.add(("{n} leaker", "{n} leakers"), ("{n} doorbreker", "doorbrekers"))  # plural lost {n}
    kinds = {p.msgid: p.what.split()[0] for p in problems(po, source)}
    assert kinds == {"{n} tracks": "placeholders", "Reject": "empty", "Hold": "fuzzy",
                     "Wait": "missing", "{n} leaker": "placeholders"}


def test_placeholders_are_format_fields() -> None:
    assert fields("{n} of {total} runs") == {"n", "total"}
    assert fields("a {{literal}} brace") == set()
    assert fields("{b}truth{_b}") == {"b", "_b"}


def test_the_language_in_force_translates_and_is_restored() -> None:
    assert language() == "en"
    with use_language("NL") as lang:
        assert lang == "nl"
        assert _("Discussion questions") == "Discussievragen"
        assert ngettext("{n} leaker", "{n} leakers", 1).format(n=1) == "1 doorbreker"
        assert ngettext("{n} leaker", "{n} leakers", 2).format(n=2) == "2 doorbrekers"
        # one English word, two meanings: a decision's outcome, a sweep's outcome
        assert (_("outcome"), pgettext("sweep", "outcome")) == ("afloop", "uitkomst")
    assert language() == "en"
    assert _("Discussion questions") == "Discussion questions"
    assert translations("en").gettext("Approve") == "Approve"
