"""The wheel holds what an installed package needs, once, and builds without warnings.

The build runs offline (``--no-build-isolation`` with the dev environment's setuptools) from a
copy of the checkout's tracked and untracked-but-not-ignored files, so a stale ``build/`` folder
cannot leak old modules into the wheel and the checkout is left as it was. Installing the wheel
into a fresh environment and running it is scripts/check-wheel.sh (run by .ci/run).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import NamedTuple

import pytest

import hmt_sim

ROOT = Path(__file__).parents[1]
BUNDLED = ROOT / "hmt_sim" / "bundled"
# setuptools' own warnings, and distutils-style "warning:" lines from its commands
WARNING = re.compile(r"SetuptoolsDeprecationWarning|SetuptoolsWarning|BuildBackendWarning|"
                     r"^\s*warning:", re.IGNORECASE | re.MULTILINE)


def copy_sources(dest: Path) -> list[str]:
    """Copy the files git would commit (tracked or new, not ignored), keeping symlinks; return
    the paths copied."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    copied = []
    for name in filter(None, listed):
        src = ROOT / name
        if not src.exists() and not src.is_symlink():
            continue  # deleted in the working tree, not yet committed
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, target)
        copied.append(name)
    return copied


class Built(NamedTuple):
    """A wheel built from a copy of the checkout: its path, the build log, the files copied."""

    wheel: Path
    log: str
    sources: list[str]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The wheel built from a clean copy of the checkout."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the source list comes from git")
    pytest.importorskip("setuptools", minversion="77", reason="install the dev extras")
    src = tmp_path_factory.mktemp("src")
    out = tmp_path_factory.mktemp("dist")
    sources = copy_sources(src)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-v", "-w", str(out), str(src)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    wheels = list(out.glob("hmt_sim-*.whl"))
    assert len(wheels) == 1, sorted(p.name for p in out.iterdir())
    return Built(wheels[0], log, sources)


def test_the_build_prints_no_setuptools_warning(built: Built) -> None:
    found = [line for line in built.log.splitlines() if WARNING.search(line)]
    assert found == []


def test_the_wheel_ships_each_bundled_scenario_once_and_no_tests(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as zf:
        names = zf.namelist()
        yaml_names = [n for n in names if n.endswith((".yaml", ".yml"))]
        expected = sorted(f"hmt_sim/bundled/{p.name}" for p in BUNDLED.glob("*.yaml"))
        assert len(expected) == 8  # mass_swarm joined the seven
        assert sorted(yaml_names) == expected  # inside the package, once; no scenarios/ copy
        for name in expected:
            assert zf.read(name) == (ROOT / name).read_bytes()
        assert "hmt_sim/py.typed" in names
        assert "hmt_sim/cli/__init__.py" in names and "visualiser/__init__.py" in names
        # package data the room and the Dutch screens need at run time
        assert {"hmt_sim/locale/nl.po", "hmt_sim/room/static/room.html",
                "hmt_sim/room/static/room.js", "hmt_sim/room/static/room.css"} <= set(names)
    dist_info = f"hmt_sim-{hmt_sim.__version__}.dist-info"
    tops = {n.split("/")[0] for n in names}
    assert tops == {"hmt_sim", "visualiser", dist_info}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if "/tests/" in n or n.split("/")[-1].startswith("test_")]


def test_every_package_file_of_the_checkout_is_in_the_wheel(built: Built) -> None:
    # a new data file (a template, a font) that pyproject's package-data does not name would be
    # missing from an installed package while every test in the checkout still passes
    expected = {n for n in built.sources if n.startswith(("hmt_sim/", "visualiser/"))}
    with zipfile.ZipFile(built.wheel) as zf:
        shipped = {n for n in zf.namelist() if not n.split("/")[0].endswith(".dist-info")}
    assert sorted(expected - shipped) == []
    assert sorted(shipped - expected) == []


def test_the_wheel_metadata_has_the_package_version_and_spdx_license(built: Built) -> None:
    dist_info = f"hmt_sim-{hmt_sim.__version__}.dist-info"
    with zipfile.ZipFile(built.wheel) as zf:
        metadata = zf.read(f"{dist_info}/METADATA").decode()
        entry_points = zf.read(f"{dist_info}/entry_points.txt").decode()
    assert f"\nVersion: {hmt_sim.__version__}\n" in metadata
    assert "\nLicense-Expression: Apache-2.0\n" in metadata
    assert "\nLicense: " not in metadata  # the deprecated free-text field is gone
    assert "hmt-sim = hmt_sim.cli:main" in entry_points


def test_a_clone_keeps_the_scenarios_link(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)],
                   check=True, capture_output=True, timeout=120)
    link = clone / "scenarios"
    assert link.is_symlink() and os.readlink(link) == "hmt_sim/bundled"  # relative, portable
    assert (link / "airbase_swarm.yaml").read_bytes() == (
        clone / "hmt_sim" / "bundled" / "airbase_swarm.yaml").read_bytes()
