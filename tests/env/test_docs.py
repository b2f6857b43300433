"""The examples of docs/gymnasium.md and the README's RL section run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def examples(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "hmt_sim.env" in b]


@pytest.mark.parametrize("doc", ["docs/gymnasium.md", "README.md"])
def test_examples_run(doc: str, capsys: pytest.CaptureFixture[str]):
    blocks = examples(ROOT / doc)
    assert blocks
    for i, block in enumerate(blocks):
        exec(compile(block, f"{doc}[python block {i}]", "exec"), {})
    if doc == "docs/gymnasium.md":  # the printed card is the one the comment shows
        assert capsys.readouterr().out.strip() == "hostile at 99% confidence; recommend jam"
