"""What the engine's modules import, in a fresh interpreter: nothing a run does not use.

``importlib.metadata`` (email, zipfile, csv, socket...) is needed only to list or load entry
points; ``importlib.resources`` only to read a translation catalog; PyYAML and the scenario
loader only to read a scenario file; and no pydantic validator is built before something is
validated (building one makes pydantic scan every installed distribution for its plugins).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def loaded_after(statement: str, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` are in ``sys.modules`` after ``statement``, in a fresh interpreter."""
    probe = (f"import sys, json\n{statement}\n"
             f"print(json.dumps(sorted(n for n in {names!r} if n in sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    return list(json.loads(proc.stdout))


def test_the_plugin_registry_reads_entry_points_only_when_asked() -> None:
    statement = "import hmt_sim.plugins.registry"
    assert loaded_after(statement, ("importlib.metadata",)) == []
    asked = f"{statement}\nhmt_sim.plugins.registry.Registry('x', 'hmt_sim.none').offers()"
    assert loaded_after(asked, ("importlib.metadata",)) == ["importlib.metadata"]


def test_translations_read_their_files_only_for_another_language() -> None:
    assert loaded_after("import hmt_sim.i18n", ("importlib.resources",)) == []
    nl = "import hmt_sim.i18n\nhmt_sim.i18n.translations('nl')"
    assert loaded_after(nl, ("importlib.resources",)) == ["importlib.resources"]


@pytest.mark.parametrize("module", ["hmt_sim.scenario.schema", "hmt_sim.session"])
def test_the_engine_imports_neither_yaml_nor_the_loader(module: str) -> None:
    names = ("yaml", "hmt_sim.scenario.loader", "pydantic.plugin._loader")
    assert loaded_after(f"import {module}", names) == []
    loads = f"import {module}\nfrom hmt_sim.scenario import load_scenario"
    assert loaded_after(loads, names) == ["hmt_sim.scenario.loader", "yaml"]


def test_no_validator_is_built_at_import() -> None:
    probe = ("import hmt_sim.session\nfrom hmt_sim.scenario import schema\n"
             "def models(cls):\n"
             "    for sub in cls.__subclasses__():\n"
             "        yield sub\n"
             "        yield from models(sub)\n"
             "built = [m.__name__ for m in models(schema.Spec) if m.__pydantic_complete__]\n"
             "assert not built, built\n"
             "schema.Trust()\n"
             "assert schema.Trust.__pydantic_complete__")
    subprocess.run([sys.executable, "-c", probe], cwd=ROOT, timeout=120, check=True)
