"""A card's explanation is shown in the room's language while the event log keeps it in English,
byte for byte the same whatever language the room speaks."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from hmt_sim.events import dumps
from hmt_sim.i18n import use_language
from hmt_sim.inspecttext import gate_line
from hmt_sim.room.views import inspect_view
from hmt_sim.scenario import load_scenario
from hmt_sim.session import Session

ENGLISH_WORDS = ("confidence", "recommend", "judges", "false alarms", "contested", "proposes")


def _cards(name: str, seed: int, lang: str, until: float = 240.0,
           overrides: dict[str, Any] | None = None) -> tuple[Session, dict[int, dict[str, str]]]:
    """Run with one human seat who rejects every card; each card's explanation as shown in
    ``lang`` and as shown in English, by decision id."""
    s = Session(load_scenario(name, overrides=overrides), seed=seed, human_seats=["operator"])
    seen: dict[int, dict[str, str]] = {}
    with use_language(lang):
        while s.now < until and not s.finished:
            s.advance(2.0)
            for card in s.pending_decisions():
                with use_language("en"):
                    english = next(c for c in s.pending_decisions()
                                   if c["decision"] == card["decision"])["explanation"]
                seen[card["decision"]] = {"shown": card["explanation"], "en": english}
                s.decide(card["decision"], "reject")
    return s, seen


def _logged(s: Session) -> dict[int, str]:
    return {e["decision"]: e["explanation"] for e in s.events if e["kind"] == "recommendation"}


def test_a_dutch_card_words_the_explanation_in_dutch_and_the_log_keeps_english() -> None:
    s, cards = _cards("training_sandbox", 3, "nl")
    logged = _logged(s)
    shown = [c["shown"] for c in cards.values()]
    # the sandbox's cards hold the AI's call, a biased region, spoofing and an operator's flag
    assert any("valse alarmen x2" in t for t in shown)
    assert any("sensorbeeld betwist" in t for t in shown)
    assert any(t.startswith("operator meldt een dreiging") for t in shown)
    assert all("zekerheid" in t for t in shown if t.startswith("vijandig"))
    for d, c in cards.items():
        assert c["en"] == logged[d]  # English shows the logged text itself
        assert not any(w in c["shown"] for w in ENGLISH_WORDS), c["shown"]
        assert "confidence" in logged[d] or logged[d].startswith("operator flags")


def test_person_led_levels_word_their_own_calls_in_dutch() -> None:
    _s, cards = _cards("training_sandbox", 3, "nl", until=120.0,
                      overrides={"autonomy.levels": {"warn": 1, "jam": 1, "engage": 1}})
    assert cards
    assert all(c["shown"] == "geen beoordeling door de AI (niveau 1): uw eigen oordeel"
               and c["en"] == "no AI assessment (level 1): your own call" for c in cards.values())


def test_inspect_on_a_dutch_seat_page_has_no_english_key_names() -> None:
    s = Session(load_scenario("training_sandbox"), seed=3, human_seats=["operator"])
    while not s.pending_decisions():
        s.advance(1.0)
    card = s.pending_decisions()[0]
    with use_language("nl"):
        info = inspect_view(s.inspect(card["decision"]))
    text = " ".join([*info["evidence_lines"], *info["reasons_lines"],
                     *(r["explanation"] for r in info["recommendations"])])
    assert "km van" in text and "advies: storen" in text, text
    assert re.search(r"\d,\d km van", text) and not re.search(r"\d\.\d", text), text
    assert not any(key in text for key in ("range_km", "speed_mps", "heading", "region_bias",
                                           "recommend", "confidence")), text


def test_the_event_log_is_the_same_bytes_in_english_and_dutch() -> None:
    digests = {}
    for lang in ("en", "nl"):
        s, cards = _cards("urban_nomination", 1, lang, until=300.0)
        assert len(cards) >= 3
        digests[lang] = hashlib.sha256(
            "\n".join(dumps(e) for e in s.events).encode()).hexdigest()
    assert digests["en"] == digests["nl"]


def test_rule_checks_are_worded_not_logged_english() -> None:
    blocked = {"rule": "doubt", "outcome": "blocked", "detail": "P(civilian) 0.62 > 0.20"}
    referred = {"rule": "kill_switch", "outcome": "referred",
                "detail": "stop order in force: autonomous action suspended"}
    unknown = {"rule": "plugin_rule", "outcome": "referred", "detail": "a plugin's words"}
    with use_language("nl"):
        lines = [gate_line(g) for g in (blocked, referred, unknown)]
    assert lines[0].startswith("ROE-toets twijfel: tegengehouden - ")
    assert "P(civilian)" not in lines[0]
    assert lines[1] == ("ROE-toets noodstop: doorverwezen - er geldt een stopbevel: autonoom "
                        "optreden is opgeschort")
    assert lines[2].endswith("(a plugin's words)")  # no words for it here: the log's detail
    assert gate_line(blocked) == ("Rule check doubt: blocked - the chance that it is civilian "
                                  "is above what the rules of engagement allow")
