"""Who bears the harm: civilian casualties per run by region, by bias and autonomy level.

    python experiments/region_bias/figure.py results/region_bias -o share.png
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")


def draw(results: Path, out: Path) -> Path:
    import matplotlib.pyplot as plt
    import numpy as np

    from hmt_sim import load_results

    df = load_results(results, ok_only=True)
    regions = [c for c in df.columns if c.startswith("harm.harm_by_region.")]
    if not regions:
        raise SystemExit(f"{results}: no harm.harm_by_region.* columns (kept metrics?)")
    bias, level = "ai.region_bias.old_quarter", "autonomy.level"
    means = df.groupby([level, bias])[regions].mean()
    levels = list(means.index.get_level_values(0).unique())
    fig, axes = plt.subplots(1, len(levels), figsize=(4 * len(levels), 4), sharey=True,
                             layout="constrained", squeeze=False)
    for ax, lvl in zip(axes[0], levels, strict=True):
        table = means.loc[lvl]
        bottom = np.zeros(len(table))
        for col in regions:
            values = table[col].to_numpy(dtype=float)
            ax.bar([f"{b:g}" for b in table.index], values, bottom=bottom,
                   label=col.rsplit(".", 1)[-1].replace("_", " "))
            bottom += values
        ax.set_title(f"autonomy level {lvl}")
        ax.set_xlabel("AI false-positive bias over the old quarter (x)")
    axes[0][0].set_ylabel("civilian casualties per run (mean), by region")
    # Outside the axes: the bars reach the top of the panel, a legend inside would cover them.
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, title="region", fontsize=8, loc="outside right upper")
    fig.savefig(out, dpi=120)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("-o", "--out", type=Path, default=Path("region_share.png"))
    args = parser.parse_args(argv)
    print(f"wrote {draw(args.results, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
