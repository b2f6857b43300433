"""Bundled scenarios: the folder, the listing, and name resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from hmt_sim.errors import InputError
from hmt_sim.scenario import bundled_dir, list_bundled, load_scenario, resolve

REPO = Path(__file__).resolve().parents[2]
GOOD = "id: {id}\ntitle: {title}\ndescription: {description}\n"


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "bundled"
    folder.mkdir()
    (folder / "zulu.yaml").write_text(GOOD.format(id="zulu", title="Z", description="last"))
    (folder / "alpha.yaml").write_text(GOOD.format(id="alpha", title="A", description="first"))
    (folder / "broken.yaml").write_text("id: broken\ntitle: B\nrun: {tick_s: 0}\n")
    (folder / "notes.txt").write_text("not a scenario")
    monkeypatch.setenv("HMT_SIM_SCENARIOS", str(folder))
    return folder


def test_default_bundled_dir_is_the_repo_scenarios_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HMT_SIM_SCENARIOS", raising=False)
    assert bundled_dir() == REPO / "scenarios"


def test_env_var_selects_the_folder(library: Path) -> None:
    assert bundled_dir() == library


def test_list_bundled_is_sorted_and_survives_a_broken_file(library: Path) -> None:
    rows = list_bundled()
    assert [r[0] for r in rows] == ["alpha", "broken", "zulu"]
    assert rows[0] == ("alpha", "A", "first")
    assert rows[2] == ("zulu", "Z", "last")
    broken = rows[1]
    assert broken[1] == "(cannot be loaded)"
    assert broken[2].endswith(":3:15: error: run.tick_s: must be > 0.0, got 0")


def test_list_bundled_includes_airbase_swarm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HMT_SIM_SCENARIOS", raising=False)
    rows = {row[0]: row for row in list_bundled()}
    assert rows["airbase_swarm"][1] == "Drone swarm on an airbase beside a city"


def test_resolve_an_id(library: Path) -> None:
    assert resolve("alpha") == library / "alpha.yaml"
    assert load_scenario("alpha").title == "A"


def test_resolve_prefers_an_existing_path(library: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "alpha").write_text(GOOD.format(id="local", title="L", description="d"))
    assert resolve("alpha") == Path("alpha")
    assert load_scenario("alpha").id == "local"


def test_unknown_id_lists_bundled_with_did_you_mean(library: Path) -> None:
    with pytest.raises(InputError) as info:
        resolve("alpah")
    assert str(info.value) == (
        "unknown scenario 'alpah': no such file and no bundled scenario of that name; "
        "did you mean 'alpha'? (bundled scenarios: alpha, broken, zulu)"
    )


def test_missing_file_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"scenario file not found: .*nope\.yaml"):
        load_scenario(tmp_path / "nope.yaml")


def test_directory_is_not_a_scenario(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a scenario file"):
        load_scenario(tmp_path)
