"""docs/plugins.md runs as written: its Python blocks, in order, in a fresh interpreter (so its
registrations start from nothing and its sweep forks real workers from that process)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "plugins.md"


def doc_code() -> str:
    """The doc's ```python blocks, joined in order."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 6, "the doc lost its example"
    return "\n".join(blocks)


def test_the_docs_example_runs_as_written(tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    # The doc's code, then checks on what it left behind (its variables).
    script.write_text(doc_code() + """
import json
means = df.groupby("ai.classifier")["ai.accuracy"].mean()
print("RESULT " + json.dumps({
    "train_accuracy": float(train_accuracy),
    "run_accuracy": run.metrics["ai"]["accuracy"],
    "rows": len(df), "ok": int((df["status"] == "ok").sum()),
    "classifiers": sorted(df["ai.classifier"].unique()),
    "mean_accuracy": {k: float(v) for k, v in means.items()},
    "seeds": sorted(int(s) for s in df["seed"].unique()),
}))
""", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    import json

    got = json.loads(line.removeprefix("RESULT "))
    assert got["rows"] == 6 and got["ok"] == 6
    assert got["classifiers"] == ["logistic", "parametric"]
    assert got["seeds"] == [1, 2, 3]
    # A classifier fitted on informative cues learns them: well above chance on its training
    # range and in the runs (the bundled AI is at reliability 0.9 for comparison).
    assert got["train_accuracy"] > 0.9
    assert got["mean_accuracy"]["logistic"] > 0.75
    assert (tmp_path / "results" / "classifiers").is_dir()
