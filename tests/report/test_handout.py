"""``hmt-sim handout``: briefing, one role card per seat (with its join QR code when the links are
given), the questions; printable; in English or Dutch; the facilitator's link never on it."""

from __future__ import annotations

import re
import subprocess
from html import escape
from pathlib import Path

import pytest

from hmt_sim.cli import main
from hmt_sim.room.keys import RoomKeys
from hmt_sim.room.qr import svg
from hmt_sim.scenario import load_scenario

CHROMIUM = Path("/usr/bin/chromium")
CARD = re.compile(r'<div class="role[^"]*" data-seat="([^"]+)">(.*?)<div class="notes">', re.S)


def _cards(text: str) -> dict[str, str]:
    return dict(CARD.findall(text))


def _handout(tmp_path: Path, *args: str, rc: int = 0) -> str:
    out = tmp_path / "handout.html"
    assert main(["handout", "airbase_swarm", "-o", str(out), *args]) == rc
    return out.read_text(encoding="utf-8") if rc == 0 else ""


def test_without_links_each_card_says_where_its_link_will_be(tmp_path: Path) -> None:
    sc = load_scenario("airbase_swarm")
    text = _handout(tmp_path, "--seats", "3")
    cards = _cards(text)
    assert list(cards) == ["1", "2", "3"]
    for body in cards.values():
        assert "<svg" not in body
        assert "appear on the facilitator&#x27;s screen when the room opens" in body
    assert escape(" ".join(sc.briefing.split()[:10])) in text
    for question in sc.questions:
        assert escape(question) in text
    assert not re.search(r'(src|href)="https?://', text)  # nothing fetched from the network
    assert '<html lang="en">' in text


def test_default_seats_are_the_scenario_operators(tmp_path: Path) -> None:
    text = _handout(tmp_path)
    assert len(_cards(text)) == load_scenario("airbase_swarm").operators.count


def test_text_links_put_each_seat_code_on_its_own_card(tmp_path: Path) -> None:
    links = ["http://192.168.1.20:8765/seat/1?t=AAAA1111", "http://192.168.1.20:8765/seat/2?t=BB22"]
    red = "http://192.168.1.20:8765/red?t=REDREDRED"
    path = tmp_path / "links.txt"
    path.write_text(f"# printed by hmt-sim serve\nSeat 1: {links[0]}\n\n{links[1]}\n"
                    f"Red cell: {red}\n", encoding="utf-8")
    cards = _cards(_handout(tmp_path, "--links", str(path)))
    assert list(cards) == ["1", "2", "red"]
    for key, link in (("1", links[0]), ("2", links[1]), ("red", red)):
        assert svg(link) in cards[key]
        assert escape(link) in cards[key]
    assert links[1] not in cards["1"] and links[0] not in cards["2"]


def test_the_room_file_of_serve_gives_the_links_but_never_the_facilitator(tmp_path: Path) -> None:
    keys = RoomKeys.create(3, red=True)
    keys.port = 8765
    room = tmp_path / "exercise.room.json"
    keys.save(room)
    text = _handout(tmp_path, "--links", str(room), "--lang", "nl")
    cards = _cards(text)
    assert list(cards) == ["1", "2", "3", "red"]
    for n in (1, 2, 3):
        link = f"http://127.0.0.1:8765/seat/{n}?t={keys.seats[n]}"
        assert svg(link) in cards[str(n)]
    assert keys.red is not None and f"/red?t={keys.red}" in cards["red"]
    assert keys.facilitator not in text
    assert '<html lang="nl">' in text and "Rolkaarten" in text


def test_mistakes_are_refused_with_where_and_what(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "links.txt"
    path.write_text("http://10.0.0.2:8765/seat/1?t=x\nhttp://10.0.0.2:8765/facilitator?t=boss\n",
                    encoding="utf-8")
    _handout(tmp_path, "--links", str(path), rc=2)
    assert f"{path}:2: this is the facilitator's link" in capsys.readouterr().err
    path.write_text("seat one\n", encoding="utf-8")
    _handout(tmp_path, "--links", str(path), rc=2)
    assert f"{path}:1: no link on this line" in capsys.readouterr().err
    path.write_text("http://10.0.0.2:8765/seat/1?t=x\n", encoding="utf-8")
    _handout(tmp_path, "--links", str(path), "--seats", "4", rc=2)
    assert "--seats 4, but --links" in capsys.readouterr().err
    _handout(tmp_path, "--lang", "de", rc=2)
    assert "allowed: en (English), nl (Nederlands)" in capsys.readouterr().err
    _handout(tmp_path, "--links", str(tmp_path / "missing.txt"), rc=2)
    assert "no such file" in capsys.readouterr().err


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed")
def test_prints_one_part_per_page_and_two_cards_to_a_page(tmp_path: Path) -> None:
    _handout(tmp_path, "--seats", "3", "--red")
    pdf = tmp_path / "handout.pdf"
    done = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update",
         f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}",
         "--no-pdf-header-footer", (tmp_path / "handout.html").as_uri()],
        capture_output=True, text=True, timeout=90, check=False)
    assert pdf.exists(), done.stderr[-2000:]
    data = pdf.read_bytes()
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    assert pages == 1 + 2 + 1, pages  # briefing, 4 cards two to a page, questions
