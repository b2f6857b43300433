"""The red cell: people choose red's step at its next reaction; replayed, counted apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from hmt_sim import sessionfile
from hmt_sim.errors import InputError
from hmt_sim.events import dumps
from hmt_sim.scenario import load_scenario
from hmt_sim.scenario.library import resolve
from hmt_sim.session import Session, simulate

SEED = 3


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    # 300 s, a reaction every 20 s, red starts at rung 2: short and lively
    return load_scenario(resolve("training_sandbox"))


def _to_reaction(s: Session) -> float:
    """Run just past red's next reaction; returns the time it happened."""
    t = s.red_view()["next_reaction_s"]
    s.run_to(t + 0.5)
    return t


def _log(s: Session) -> list[str]:
    return [dumps(e) for e in s.events]


def _model_moves_red(scenario) -> tuple[int, list[dict]]:  # type: ignore[no-untyped-def]
    """A seed whose run has the model move red at a reaction, and those moves."""
    for seed in range(1, 30):
        events = Session(scenario, seed=seed).run_to_end().events
        moved = [e for e in events if e["kind"] == "escalation_step" and e["side"] == "red"
                 and e["reason"] != "adversary_step"]
        if moved:
            return seed, moved
    raise AssertionError("no seed in 1..29 has the model move red")


def test_a_chosen_escalate_raises_red_at_the_next_reaction_then_the_model_is_back(scenario
                                                                                   ) -> None:
    s = Session(scenario, seed=SEED, red_cell=True)
    s.advance(7.0)
    before = s.red_view()
    assert before["chosen"] is None and before["next_reaction_s"] == 20.0
    item = s.red_choose("escalate")
    assert item == {"t": 7.0, "type": "red_choose", "step": "escalate"}
    assert s.red_view()["chosen"] == "escalate"
    assert s.red_view()["rung"] == before["rung"]  # nothing moves before the reaction
    t = _to_reaction(s)
    after = s.red_view()
    assert after["rung"] == before["rung"] + 1
    assert after["chosen"] is None and after["next_reaction_s"] == t + 20.0
    assert after["history"] == [{"t": t, "step": "escalate", "by": "red_cell"}]
    step = next(e for e in s.events if e["kind"] == "escalation_step" and e["side"] == "red")
    assert (step["t"], step["from_rung"], step["to_rung"], step["inadvertent"], step["reason"]) \
        == (t, before["rung"], before["rung"] + 1, False, "red_cell")
    # the next reaction is the model's own again: no red_cell record for it
    _to_reaction(s)
    assert sum(e["kind"] == "red_cell" for e in s.events) == 1


def test_a_hold_is_recorded_and_holds_red_where_the_model_would_have_moved(scenario) -> None:
    seed, moved = _model_moves_red(scenario)
    held = Session(scenario, seed=seed, red_cell=True)
    t_move = moved[0]["t"]
    held.run_to(t_move - 20.0 + 1.0)  # after the reaction before the model's first move
    held.red_choose("hold")
    _to_reaction(held)
    assert held.red_view()["rung"] == moved[0]["from_rung"]
    assert held.red_view()["history"][-1] == {"t": t_move, "step": "hold", "by": "red_cell"}


def test_model_clears_a_choice_and_gives_the_models_step(scenario) -> None:
    plain = Session(scenario, seed=SEED)
    s = Session(scenario, seed=SEED, red_cell=True)
    s.advance(5.0)
    s.red_choose("de-escalate")
    s.red_choose("model")
    assert s.red_view()["chosen"] is None
    plain.run_to_end()
    s.run_to_end()
    def game(events: list[dict]) -> list[tuple]:  # the log without inputs (seqs shift)
        return [(e["t"], e["kind"], e.get("track"), e.get("side"), e.get("to_rung"))
                for e in events if e["kind"] != "input"]

    assert game(s.events) == game(plain.events)
    assert s.result().metrics["escalation"]["red_cell_steps"] == 0


def test_the_session_file_replays_and_resumes_the_red_cells_choices(scenario,
                                                                     tmp_path: Path) -> None:
    path = tmp_path / "red.session.jsonl"
    live = Session(scenario, seed=SEED, red_cell=True)
    with sessionfile.open(path, scenario, SEED, red_cell=True) as writer:
        for t, step in ((3.0, "escalate"), (45.0, "hold"), (90.0, "de-escalate"),
                        (125.0, "escalate"), (130.0, "model")):
            live.run_to(t)
            writer.append(live.red_choose(step))
        live.run_to(150.0)
        writer.clock(live.now)
    record = sessionfile.read(path)
    assert record.red_cell and record.header["red_cell"] is True
    replay, _ = sessionfile.replay_session(path)
    replay.run_to(150.0)
    assert _log(replay) == _log(live)
    resumed, _, writer2 = sessionfile.resume(path)
    writer2.close()
    assert resumed.now == 150.0 and _log(resumed) == _log(live)
    live.run_to_end()
    resumed.run_to_end()
    assert _log(resumed) == _log(live)


def test_metrics_keep_the_red_cells_steps_apart_from_the_models(scenario) -> None:
    s = Session(scenario, seed=SEED, red_cell=True)
    for t, step in ((1.0, "escalate"), (21.0, "hold"), (41.0, "escalate")):
        s.run_to(t)
        s.red_choose(step)
    res = s.run_to_end()
    esc = res.metrics["escalation"]
    chosen = [e for e in res.events if e["kind"] == "red_cell"]
    assert [e["step"] for e in chosen] == ["escalate", "hold", "escalate"]
    assert esc["red_cell_steps"] == 3
    assert esc["red_cell_escalations"] == 2 and esc["red_cell_holds"] == 1
    red_steps = [e for e in res.events if e["kind"] == "escalation_step" and e["side"] == "red"]
    assert esc["red_model_steps"] == sum(1 for e in red_steps
                                         if e["reason"] not in ("red_cell", "adversary_step"))
    # a red cell's deliberate step is never an inadvertent one
    assert not any(e["inadvertent"] for e in red_steps if e["reason"] == "red_cell")
    seed, moved = _model_moves_red(scenario)
    plain = Session(scenario, seed=seed).run_to_end()
    assert plain.metrics["escalation"]["red_cell_steps"] == 0
    # the model's moves at red's reactions; an adversary_step inject's is not one
    assert plain.metrics["escalation"]["red_model_steps"] == len(moved) >= 1
    assert any(e["kind"] == "escalation_step" and e["reason"] == "adversary_step"
               for e in plain.events)


def test_red_choices_are_refused_without_a_red_cell_or_outside_the_steps(scenario,
                                                                         tmp_path: Path) -> None:
    s = Session(scenario, seed=SEED)
    with pytest.raises(InputError, match="no red cell"):
        s.red_choose("escalate")
    red = Session(scenario, seed=SEED, red_cell=True)
    with pytest.raises(InputError, match="escalate, hold, de-escalate, model"):
        red.red_choose("nuke")
    assert red.inputs == []
    # a file whose header has no red cell cannot carry red choices
    path = tmp_path / "edited.session.jsonl"
    with sessionfile.open(path, scenario, SEED) as writer:
        writer.append({"t": 2.0, "type": "red_choose", "step": "escalate"})
    with pytest.raises(InputError, match=r"edited\.session\.jsonl:2: .*no red cell"):
        sessionfile.replay_session(path)
    bad = tmp_path / "bad.session.jsonl"
    with sessionfile.open(bad, scenario, SEED, red_cell=True) as writer:
        writer.append({"t": 2.0, "type": "red_choose", "step": "up"})
    with pytest.raises(InputError, match=r"bad\.session\.jsonl:2: error: step: must be one of"):
        sessionfile.read(bad)


def test_simulate_replays_a_red_cells_inputs_and_a_bad_header_flag_is_refused(
        scenario, tmp_path: Path) -> None:
    live = Session(scenario, seed=SEED, red_cell=True)
    for t, step in ((2.0, "escalate"), (50.0, "de-escalate")):
        live.run_to(t)
        live.red_choose(step)
    live.run_to_end()
    again = simulate(scenario, seed=SEED, inputs=live.inputs, red_cell=True)
    assert [dumps(e) for e in again.events] == _log(live)
    path = tmp_path / "flag.session.jsonl"
    sessionfile.open(path, scenario, SEED, red_cell=True).close()
    text = path.read_text(encoding="utf-8").replace('"red_cell":true', '"red_cell":"yes"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"flag\.session\.jsonl:1: error: red_cell: must be "
                                         r"true or false"):
        sessionfile.read(path)
