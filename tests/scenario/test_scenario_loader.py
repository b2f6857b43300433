"""The loader turns every bad scenario file into located, readable problems."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from hmt_sim.errors import ScenarioError
from hmt_sim.scenario import (
    ACTION_CLASSES,
    MAX_BYTES,
    Scenario,
    load_scenario,
    load_scenario_text,
    scenario_json_schema,
)

HEADER = "id: test_case\ntitle: A test scenario\n"

REPO = Path(__file__).resolve().parents[2]

BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]"
            for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)

# (case id, file text, line, column, key path, message fragment)
BAD_FILES = [
    (
        "wrong type",
        HEADER + "run:\n  duration_s: fast\n",
        4, 15, "run.duration_s", "expected a number, got 'fast'",
    ),
    (
        "out of range",
        HEADER + "autonomy:\n  levels:\n    engage: 12\n",
        5, 13, "autonomy.levels.engage", "must be >= 1 and <= 10, got 12",
    ),
    (
        "unknown key with typo",
        HEADER + "autonomy:\n  levl: 3\n",
        4, 3, "autonomy.levl", "unknown key 'levl'; did you mean 'levels'?",
    ),
    (
        "unknown top-level key",
        HEADER + "escalaton: {gain: 0.3}\n",
        3, 1, "escalaton", "did you mean 'escalation'?",
    ),
    (
        "unknown key without close match lists allowed keys",
        HEADER + "run:\n  banana: 1\n",
        4, 3, "run.banana", "(allowed: duration_s, tick_s, seed, sample_interval_s)",
    ),
    (
        "bad indentation",
        HEADER + "run:\n  duration_s: 5\n tick_s: 1\n",
        5, 2, "", "invalid YAML: expected <block end>",
    ),
    (
        "over-indented key",
        HEADER + "run:\n  duration_s: 5\n    tick_s: 1\n",
        5, 11, "", "check the indentation",
    ),
    (
        "tab indentation",
        HEADER + "run:\n\tduration_s: 5\n",
        4, 1, "", "use spaces, not tabs",
    ),
    (
        "top level is a list",
        "- id: x\n- title: y\n",
        1, 1, "", "the top level must be a mapping of keys (id: ..., title: ...), got a list",
    ),
    (
        "top level is a scalar",
        "just some words\n",
        1, 1, "", "the top level must be a mapping of keys (id: ..., title: ...), got 'just",
    ),
    ("empty file", "", 1, 1, "", "file is empty; a scenario needs at least id and title"),
    (
        "only comments",
        "# a scenario, one day\n\n",
        1, 1, "", "file is empty; a scenario needs at least id and title",
    ),
    ("alias bomb", BOMB, 1, None, "", "expands to more than 20,000 values"),
    (
        "deep nesting",
        HEADER + "briefing: " + "[" * 200 + "]" * 200 + "\n",
        3, 60, "", "nesting is deeper than 50 levels",
    ),
    (
        "recursive alias",
        HEADER + "questions: &q [*q]\n",
        3, 12, "", "an alias refers to the node that contains it",
    ),
    (
        "duplicate key",
        HEADER + "run:\n  seed: 1\n  seed: 2\n",
        5, 3, "run.seed", "duplicate key 'seed' (first defined at line 4, column 3)",
    ),
    (
        "unknown inject kind",
        HEADER + "injects:\n  - at_s: 5\n    kind: spoofng\n",
        5, 11, "injects.0.kind",
        "unknown kind 'spoofng'; did you mean 'spoofing'? (allowed kinds: ai_degradation, ",
    ),
    (
        "inject without kind",
        HEADER + "injects:\n  - at_s: 5\n",
        4, 5, "injects.0.kind", "missing required key 'kind' (allowed kinds: ai_degradation,",
    ),
    (
        "wave kind not in kinds",
        HEADER
        + "kinds:\n  drone: {true_class: hostile}\nred:\n  waves:\n"
        + "    - kind: dron\n      count: 3\n      origin: {x: 1, y: 2}\n",
        7, 13, "red.waves.0.kind", "unknown contact kind 'dron' (allowed: drone)",
    ),
    (
        "region_bias names an unknown region",
        HEADER
        + "area:\n  regions:\n    - {id: city, rect: [0, 0, 1, 1]}\n"
        + "ai:\n  reliability: 0.9\n  region_bias:\n    town: 2.0\n",
        9, 5, "ai.region_bias.town", "unknown region (allowed: city)",
    ),
    (
        "python object tag",
        HEADER + "briefing: !!python/object/apply:os.system ['echo pwned']\n",
        3, 11, "briefing", "tag '!!python/object/apply:os.system' is not allowed",
    ),
    (
        "custom local tag",
        HEADER + "briefing: !secret text\n",
        3, 11, "briefing", "tag '!secret' is not allowed",
    ),
    (
        "literal with close match",
        HEADER + "themes: [tech]\n",
        3, 10, "themes.0",
        "must be one of: technical, responsible_use, governance; got 'tech'; "
        "did you mean 'technical'?",
    ),
    (
        "identifier pattern",
        "id: Airbase-1\ntitle: t\n",
        1, 5, "id", "must be a lower-case name",
    ),
    (
        "bad dict key is located at the key",
        HEADER + "kinds:\n  Drone: {true_class: hostile}\n",
        4, 3, "kinds.Drone", "must be a lower-case name",
    ),
    (
        "missing required field is located at its mapping",
        HEADER + "red:\n  waves:\n    - kind: a\n      origin: {x: 1, y: 2}\n",
        5, 7, "red.waves.0.count", "missing required key 'count'",
    ),
    (
        "rect too short",
        HEADER + "area:\n  regions:\n    - id: a\n      rect: [1, 2, 3]\n",
        6, 13, "area.regions.0.rect", "expected 4 items, got 3",
    ),
    (
        "model validator pointed at the field it names",
        HEADER + "area:\n  regions:\n    - id: a\n      rect: [3, 2, 1, 4]\n",
        6, 13, "area.regions.0.rect", "x1 > x0 and y1 > y0",
    ),
    (
        "unknown action class pointed at its key",
        HEADER + "autonomy:\n  levels: {warn: 5, engag: 5}\n",
        4, 21, "autonomy.levels.engag", "unknown action class 'engag'; allowed: warn, jam, engage",
    ),
    (
        "union of scalars gives one message",
        HEADER + "injects:\n  - {at_s: 1, kind: roe_change, changes: {doubt_p: fast}}\n",
        4, 52, "injects.0.changes.doubt_p",
        "expected a number, a whole number, true/false or null, got 'fast'",
    ),
    (
        "explicit int tag that cannot be read",
        HEADER + "operators: {count: !!int two}\n",
        3, 20, "operators.count", "cannot read 'two' as !!int",
    ),
    (
        "explicit int tag on an empty value",
        HEADER + "operators: {count: !!int ''}\n",
        3, 20, "operators.count", "cannot read '' as !!int",
    ),
    (
        "non-printable character",
        HEADER + "briefing: a\x07b\n",
        3, 12, "", "non-printable character #x0007",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "line", "column", "key_path", "fragment"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_file_is_located(
    write, problems_of, text: str, line: int, column: int | None, key_path: str, fragment: str
) -> None:
    path = write(text)
    problems = problems_of(path)
    first = problems[0]
    assert fragment in first.message
    assert (first.file, first.line, first.path) == (str(path), line, key_path)
    if column is not None:
        assert first.column == column
    rendered = str(first)
    assert rendered.startswith(f"{path}:{line}:")
    assert "Traceback" not in rendered and "errors.pydantic.dev" not in rendered


def test_error_line_format(write, problems_of, tmp_path: Path) -> None:
    path = write(HEADER + "autonomy:\n  levels:\n    engage: 12\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == (
        f"{path}:5:13: error: autonomy.levels.engage: must be >= 1 and <= 10, got 12"
    )
    assert (info.value.file, info.value.line, info.value.column) == (str(path), 5, 13)


def test_alias_bomb_fails_fast(write, problems_of, tmp_path: Path) -> None:
    path = write(BOMB)
    start = time.perf_counter()
    problems = problems_of(path)
    assert time.perf_counter() - start < 5.0  # ~0.1 s here; the bound only says "bounded"
    assert "the limit is 20,000" in problems[0].message


def test_file_over_the_size_cap(write, problems_of, tmp_path: Path) -> None:
    path = write(HEADER + "briefing: |\n" + ("  " + "x" * 98 + "\n") * 22_000)
    assert path.stat().st_size > MAX_BYTES
    (problem,) = problems_of(path)
    assert (problem.line, problem.column) == (1, 1)
    assert "file is too large (2.1 MiB); the limit is 2 MiB" in problem.message


def test_text_over_the_size_cap() -> None:
    with pytest.raises(ScenarioError, match="the limit is 2 MiB"):
        load_scenario_text("x" * (MAX_BYTES + 1), "big.yaml")


def test_binary_garbage(write, problems_of, tmp_path: Path) -> None:
    path = write(bytes(range(256)) * 8)
    (problem,) = problems_of(path)
    assert (problem.line, problem.column) == (1, 1)
    assert problem.message == "file contains NUL bytes: it is a binary file, not YAML text"


def test_invalid_utf8_is_located(write, problems_of, tmp_path: Path) -> None:
    path = write(HEADER.encode() + b"briefing: caf\xe9 au lait\n")
    (problem,) = problems_of(path)
    assert (problem.line, problem.column) == (3, 14)
    assert "not valid UTF-8 text (byte 0xe9)" in problem.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text(write, problems_of, encoding: str) -> None:
    path = write(HEADER.encode(encoding))
    (problem,) = problems_of(path)
    assert (problem.line, problem.column) == (1, 1)
    assert problem.message == "file is UTF-16 encoded; save it as UTF-8"


def test_utf8_bom_is_accepted(write, problems_of, tmp_path: Path) -> None:
    path = write(b"\xef\xbb\xbf" + HEADER.encode())
    assert load_scenario(path).id == "test_case"


def test_python_tag_never_runs(write, problems_of, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write(HEADER + f"briefing: !!python/object/apply:os.system ['touch {marker}']\n")
    (problem,) = problems_of(path)
    assert "scenario files hold plain data only" in problem.message
    assert not marker.exists()


def test_several_errors_reported_at_once(write, problems_of, tmp_path: Path) -> None:
    text = (
        "id: test_case\n"
        "title: ''\n"
        "run: {duration_s: -1, seed: 1.5}\n"
        "kinds:\n"
        "  x: {true_class: enemy}\n"
        "autonomy:\n"
        "  levels: {engage: 0}\n"
        "  veto_windw_s: 3\n"
    )
    problems = problems_of(write(text))
    got = [(p.line, p.column, p.path) for p in problems]
    assert got == [
        (2, 8, "title"),
        (3, 19, "run.duration_s"),
        (3, 29, "run.seed"),
        (5, 19, "kinds.x.true_class"),
        (7, 20, "autonomy.levels.engage"),
        (8, 3, "autonomy.veto_windw_s"),
    ]
    messages = [p.message for p in problems]
    assert messages[0] == "must not be empty"
    assert messages[1] == "must be > 0.0, got -1"
    assert messages[2] == "expected a whole number, got 1.5"
    assert messages[3] == "must be one of: hostile, civilian; got 'enemy'"
    assert messages[4] == "must be >= 1 and <= 10, got 0"
    assert messages[5] == "unknown key 'veto_windw_s'; did you mean 'veto_window_s'?"


def test_reference_errors_all_reported(write, problems_of, tmp_path: Path) -> None:
    text = (
        HEADER
        + "kinds:\n  drone: {true_class: hostile}\n"
        + "red:\n  waves:\n    - {kind: drone, count: 1, origin: {x: 0, y: 0}}\n"
        + "    - {kind: jet, count: 1, origin: {x: 0, y: 0}}\n"
        + "injects:\n  - {at_s: 1, kind: spoofing, region: city}\n"
    )
    problems = problems_of(write(text))
    assert [(p.line, p.column, p.path) for p in problems] == [
        (8, 14, "red.waves.1.kind"),
        (10, 39, "injects.0.region"),
    ]
    assert problems[1].message.startswith("unknown region 'city'")


def test_yaml_merge_keys_are_supported(write, problems_of, tmp_path: Path) -> None:
    text = (
        HEADER
        + "kinds:\n  a: &k {true_class: hostile, speed_mps: 10}\n"
        + "  b: {<<: *k, speed_mps: 20}\n"
    )
    sc = load_scenario(write(text))
    assert (sc.kinds["a"].speed_mps, sc.kinds["b"].speed_mps) == (10.0, 20.0)
    assert sc.kinds["b"].true_class == "hostile"


def test_yes_no_keys_stay_names(write, problems_of, tmp_path: Path) -> None:
    # YAML 1.1 would read the key `no` as False; keys are names, so it stays the string 'no'.
    text = HEADER + "kinds:\n  no: {true_class: civilian}\n"
    assert "no" in load_scenario(write(text)).kinds


def test_bundled_airbase_swarm_loads() -> None:
    sc = load_scenario(REPO / "scenarios" / "airbase_swarm.yaml")
    assert isinstance(sc, Scenario)
    assert sc.id == "airbase_swarm"
    assert sc.autonomy.levels == {"warn": 7, "jam": 7, "engage": 5}
    assert [w.kind for w in sc.red.waves] == ["attack_drone", "cruise_missile", "attack_drone"]
    assert len(sc.injects) == 3


def test_load_scenario_text_uses_the_filename() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(HEADER + "run: {tick_s: 0}\n", "editor.yaml")
    assert str(info.value) == "editor.yaml:3:15: error: run.tick_s: must be > 0.0, got 0"


def test_minimal_scenario_gets_defaults() -> None:
    sc = load_scenario_text(HEADER)
    assert sc.title == "A test scenario"
    assert set(sc.autonomy.levels) == set(ACTION_CLASSES)


def test_json_schema_round_trip() -> None:
    schema = json.loads(json.dumps(scenario_json_schema()))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "hmt-sim scenario"
    assert schema["type"] == "object"
    assert set(schema["properties"]) == set(Scenario.model_fields)
    assert schema["required"] == ["id", "title"]
    assert schema["additionalProperties"] is False
    assert "Autonomy" in schema["$defs"]


def test_too_many_contacts_is_refused_with_the_limit() -> None:
    from hmt_sim.errors import ScenarioError
    from hmt_sim.scenario import load_scenario_text

    text = (
        "id: big\ntitle: t\nkinds: {d: {true_class: hostile}}\nred:\n  waves:\n"
        + "".join(f"    - {{kind: d, count: 100000, origin: {{x: 0, y: {i}}}}}\n" for i in range(3))
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "big.yaml")
    assert "300,000 contacts; the limit is 200,000" in str(info.value)
    assert str(info.value).startswith("big.yaml:6:5: error: red.waves:")
