"""Sweep benchmarks: throughput against ``mesa.batch_run``, parallel efficiency, flat memory.

Run:  .venv/bin/python -m pytest -m benchmark benchmarks/bench_sweep.py -s [-k throughput]
(or   .venv/bin/python benchmarks/bench_sweep.py [throughput|efficiency]  without pytest).

1. Throughput: the same model and grid through ``mesa.batch_run`` (``number_processes=2``; the
   model is a ``mesa.Model`` whose ``step()`` runs our ``simulate`` to completion and reports a
   few metrics through a ``DataCollector``; it parses the scenario once per setting in each
   worker, as our sweep does) and through our sweep with 2 workers. Each side runs in a fresh
   process of its own (``batch_run`` also because it sets the process-wide start method to spawn
   on every call), with its library imported before the clock starts (Mesa there, hmt-sim's
   engine and sweep here) and nothing warmed up: both timings include everything else a user
   waits for (reading the scenario, pool start, the runs, collecting and writing the results).
2. Parallel efficiency: runs of >= 50 ms, 1 worker vs 2 workers: T1 / (2 x T2).
3. Memory: peak RSS of the sweep process plus its workers, and the parent's tracemalloc peak,
   for a 20,000-run and a 1,000-run sweep of a very short scenario, each in a fresh process.

Every figure depends on the machine's load (``os.getloadavg`` is printed with them).
"""

from __future__ import annotations

import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import mesa
import pytest

ROOT = Path(__file__).resolve().parents[1]
LEVELS = [5, 6, 7, 8]
RELIABILITY = [0.6, 0.75, 0.9]
SHORT_S = 60.0  # a short tabletop vignette: a few ms per run
LONG_S = 3600.0  # an hour of the scenario: >= 50 ms of CPU per run


# --------------------------------------------------------------------------------------------
# The Mesa side: our engine wrapped as a mesa.Model, run by mesa.batch_run
# --------------------------------------------------------------------------------------------


@functools.cache
def _parsed(*overrides: tuple[str, Any]) -> Any:
    """The scenario parsed once per setting in each worker process (as our sweep does), so the
    comparison is of the two runners, not of parsing YAML per run."""
    from hmt_sim.scenario import load_scenario

    return load_scenario("airbase_swarm", overrides=dict(overrides))


class HMTBatchModel(mesa.Model):
    """One tabletop run per model: ``step()`` simulates the whole scenario to its end."""

    def __init__(self, level: int = 5, reliability: float = 0.9, duration_s: float = SHORT_S,
                 seed: int | None = None) -> None:
        super().__init__(rng=seed)
        self.run_seed = int(seed or 0)
        self.overrides = {"autonomy.level": level, "ai.reliability": reliability,
                          "run.duration_s": duration_s}
        self.casualties = self.leakers = self.review_rate = self.max_rung = None
        self.datacollector = mesa.DataCollector(model_reporters={
            "harm.civilian_casualties": "casualties", "mission.leakers": "leakers",
            "control.meaningful_review_rate": "review_rate",
            "escalation.max_rung_red": "max_rung"})

    def step(self) -> None:
        from hmt_sim.metrics import flatten
        from hmt_sim.session import simulate

        sc = _parsed(*sorted(self.overrides.items()))
        flat = flatten(simulate(sc, seed=self.run_seed).metrics)
        self.casualties = flat["harm.civilian_casualties"]
        self.leakers = flat["mission.leakers"]
        self.review_rate = flat["control.meaningful_review_rate"]
        self.max_rung = flat["escalation.max_rung_red"]
        self.datacollector.collect(self)
        self.running = False


def _mesa_main(processes: int, seeds: int, duration_s: float) -> None:
    """Subprocess entry: time batch_run and print JSON."""
    import resource

    from mesa.batchrunner import batch_run

    start = time.perf_counter()
    cpu0 = _cpu_self_and_children(resource)
    rows = batch_run(HMTBatchModel, parameters={"level": LEVELS, "reliability": RELIABILITY,
                                        "duration_s": duration_s},
                     number_processes=processes, rng=list(range(1, seeds + 1)),
                     max_steps=10, display_progress=False)
    wall = time.perf_counter() - start
    cpu = _cpu_self_and_children(resource) - cpu0  # the pool's workers are joined by now
    print(json.dumps({"runs": len(rows), "wall_s": wall, "cpu_s": cpu}))


def _cpu_self_and_children(resource: Any) -> float:
    """CPU seconds of this process and of its children that have been waited for."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def mesa_batch_run(processes: int, seeds: int, duration_s: float = SHORT_S) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "mesa", str(processes), str(seeds), str(duration_s)],
        capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# Our side
# --------------------------------------------------------------------------------------------


def _spec(folder: Path, seeds: int, duration_s: float, levels: list[int] | None = None,
          reliability: list[float] | None = None) -> Path:
    path = folder / f"spec-{seeds}-{duration_s}.yaml"
    path.write_text(
        "scenario: airbase_swarm\n"
        f"set: {{run.duration_s: {duration_s}}}\n"
        "factors:\n"
        f"  autonomy.level: {levels or LEVELS}\n"
        f"  ai.reliability: {reliability or RELIABILITY}\n"
        f"seeds: {{start: 1, count: {seeds}}}\n")
    return path


def our_sweep(folder: Path, workers: int, seeds: int, duration_s: float,
              **spec_kw: Any) -> dict[str, Any]:
    import resource

    # The engine imported before the clock starts, as Mesa is in batch_run's parent process
    # (the first round would otherwise carry the import; the workers fork with it loaded).
    import hmt_sim.session  # noqa: F401
    from hmt_sim.sweep import load_results, run_sweep

    spec = _spec(folder, seeds, duration_s, **spec_kw)
    out = folder / f"out-{workers}-{seeds}-{duration_s}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    parent0 = time.process_time()
    start = time.perf_counter()
    summary = run_sweep(spec, out, workers=workers, force=True)
    wall = time.perf_counter() - start
    parent = time.process_time() - parent0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the pool's workers, joined at the end
    assert summary.failed == 0
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    busy = float(load_results(out, columns=["wall_s"])["wall_s"].sum())
    return {"runs": summary.ran, "wall_s": wall, "cpu_s": cpu, "busy_s": busy,
            "workers": workers, "total_cpu_s": cpu + parent}


def _ours_main(workers: int, seeds: int, duration_s: float) -> None:
    """Subprocess entry: time our sweep in a fresh process and print JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(our_sweep(Path(tmp), workers, seeds, duration_s)))


def our_sweep_fresh(workers: int, seeds: int, duration_s: float = SHORT_S) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "ours", str(workers), str(seeds), str(duration_s)],
        capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _memory_main(runs: int) -> None:
    """Subprocess entry: a ``runs``-run sweep of a 2 s scenario; print peak memory as JSON."""
    import resource
    import tracemalloc

    import psutil

    from hmt_sim.sweep import run_sweep

    me = psutil.Process()
    peak = {"rss_sum": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                total = me.memory_info().rss + sum(
                    c.memory_info().rss for c in me.children(recursive=True))
            except psutil.Error:
                total = 0
            peak["rss_sum"] = max(peak["rss_sum"], total)
            time.sleep(0.05)

    with tempfile.TemporaryDirectory() as tmp:
        seeds = runs // 10
        spec = Path(tmp) / "spec.yaml"
        spec.write_text("scenario: airbase_swarm\nset: {run.duration_s: 2}\n"
                        "factors:\n  autonomy.level: [5, 6, 7, 8, 9]\n"
                        "  ai.reliability: [0.6, 0.9]\n"
                        f"seeds: {{start: 1, count: {seeds}}}\n")
        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        tracemalloc.start()
        start = time.perf_counter()
        summary = run_sweep(spec, Path(tmp) / "out", workers=2)
        wall = time.perf_counter() - start
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        stop.set()
        thread.join()
    print(json.dumps({
        "runs": summary.ran, "wall_s": wall, "rss_sum_peak": peak["rss_sum"],
        "parent_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "child_maxrss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
        "traced_peak": traced_peak}))


def memory_run(runs: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "memory", str(runs)], capture_output=True,
                         text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def report(sections: tuple[str, ...] = ("throughput", "efficiency", "memory")
           ) -> dict[str, float]:
    figures: dict[str, float] = {}
    load = os.getloadavg()
    print(f"\nmachine: {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} "
          f"{load[2]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seeds = 50  # 12 points x 50 seeds = 600 runs of a 60 s vignette
        if "throughput" in sections:
            _throughput(folder, seeds, figures)
        if "efficiency" in sections:
            _efficiency(folder, figures)
    if "memory" in sections:
        _memory(figures)
    return figures


def _throughput(folder: Path, seeds: int, figures: dict[str, float],
                rounds: int = 5) -> None:
    """Both sides ``rounds`` times, alternating, each in a fresh process; each figure is the
    median of the rounds (a busy machine slows whichever side happens to run during a burst)."""
    print(f"\n1. throughput, {len(LEVELS) * len(RELIABILITY)} points x {seeds} seeds, "
          f"run.duration_s={SHORT_S:g}, median of {rounds} alternating rounds")
    mesa2s, ourss = [], []
    for _ in range(rounds):
        mesa2s.append(mesa_batch_run(2, seeds))
        ourss.append(our_sweep_fresh(2, seeds))
    mesa1 = mesa_batch_run(1, seeds)

    def median(runs: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    mesa2 = {"runs": mesa2s[0]["runs"], "wall_s": median(mesa2s, "wall_s"),
             "cpu_s": median(mesa2s, "cpu_s")}
    ours = {"runs": ourss[0]["runs"], "wall_s": median(ourss, "wall_s"),
            "total_cpu_s": median(ourss, "total_cpu_s")}
    for name, r in (("mesa.batch_run, 1 process", mesa1),
                    ("mesa.batch_run, 2 processes", mesa2),
                    ("hmt-sim sweep, 2 workers", ours)):
        print(f"   {name:<30} {r['runs']:>5} runs {r['wall_s']:7.2f} s "
              f"{r['runs'] / r['wall_s']:8.1f} runs/s")
    ratios = [(o["runs"] / o["wall_s"]) / (m["runs"] / m["wall_s"])
              for m, o in zip(mesa2s, ourss, strict=True)]
    figures["throughput_ratio"] = statistics.median(ratios)
    print(f"   ratio (ours / batch_run, 2 each): {figures['throughput_ratio']:.1f}x "
          f"(aim >= 3x; rounds: {', '.join(f'{r:.1f}x' for r in ratios)})")
    # CPU per run, everything included (parent, pool start, workers): what a machine of your
    # own would give in wall time, whatever else runs on this one.
    cpu_ratios = [(m["cpu_s"] / m["runs"]) / (o["total_cpu_s"] / o["runs"])
                  for m, o in zip(mesa2s, ourss, strict=True)]
    figures["cpu_ratio_vs_mesa"] = statistics.median(cpu_ratios)
    print(f"   CPU per run: batch_run {mesa2['cpu_s'] / mesa2['runs'] * 1000:.1f} ms, ours "
          f"{ours['total_cpu_s'] / ours['runs'] * 1000:.1f} ms: "
          f"{figures['cpu_ratio_vs_mesa']:.1f}x less CPU per run (rounds: "
          f"{', '.join(f'{r:.1f}x' for r in cpu_ratios)})")
    load = os.getloadavg()
    print(f"   load average after the rounds: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


def _efficiency(folder: Path, figures: dict[str, float]) -> None:
    print(f"\n2. parallel efficiency, runs of run.duration_s={LONG_S:g}")
    kw = {"levels": [5, 7], "reliability": [0.75]}
    one = our_sweep(folder, 1, 24, LONG_S, **kw)
    two = our_sweep(folder, 2, 24, LONG_S, **kw)
    figures["efficiency"] = one["wall_s"] / (2 * two["wall_s"])
    figures["utilisation"] = two["busy_s"] / (2 * two["wall_s"])
    for r in (one, two):
        print(f"   {r['workers']} worker(s) {r['runs']} runs {r['wall_s']:6.2f} s wall, "
              f"{r['cpu_s'] / r['runs'] * 1000:4.0f} ms CPU and "
              f"{r['busy_s'] / r['runs'] * 1000:4.0f} ms wall per run in the workers")
    print(f"   efficiency T1 / (2 x T2) = {figures['efficiency']:.0%} (aim >= 90%); "
          f"workers busy running simulations {figures['utilisation']:.0%} of the sweep's "
          "wall time")
    figures["cpu_ratio"] = (one["cpu_s"] / one["runs"]) / (two["cpu_s"] / two["runs"])
    print(f"   CPU per run, 1 worker / 2 workers: {figures['cpu_ratio']:.0%}; with two idle cores "
          "the efficiency would be about that times the busy share: "
          f"{figures['cpu_ratio'] * figures['utilisation']:.0%}")
    print("   (when the load average exceeds the cores, T1 / (2 x T2) measures the CPU share the "
          "OS grants, not the executor)")


def _memory(figures: dict[str, float]) -> None:
    print("\n3. memory, run.duration_s=2, 2 workers, each sweep in a fresh process")
    small, large = memory_run(1_000), memory_run(20_000)
    for r in (small, large):
        print(f"   {r['runs']:>6} runs {r['wall_s']:6.1f} s  parent+workers RSS peak "
              f"{r['rss_sum_peak'] / 2**20:6.0f} MiB  parent max RSS "
              f"{r['parent_maxrss'] / 2**20:5.0f} MiB  parent tracemalloc peak "
              f"{r['traced_peak'] / 2**20:5.1f} MiB")
    figures["memory_ratio_rss"] = large["rss_sum_peak"] / small["rss_sum_peak"]
    figures["memory_ratio_traced"] = large["traced_peak"] / small["traced_peak"]
    print(f"   20,000 / 1,000 runs: RSS {figures['memory_ratio_rss']:.2f}x, "
          f"tracemalloc {figures['memory_ratio_traced']:.2f}x (aim <= 1.5x)")


# One test per section, so ``-k throughput`` (or efficiency, memory) runs just that one. Loose
# sanity bounds only: the aims above are reported, since a shared machine's load moves the
# absolute numbers.


@pytest.mark.benchmark
def test_bench_sweep_throughput() -> None:
    assert report(("throughput",))["throughput_ratio"] > 1.0


@pytest.mark.benchmark
def test_bench_sweep_efficiency() -> None:
    assert report(("efficiency",))["efficiency"] > 0.0


@pytest.mark.benchmark
def test_bench_sweep_memory() -> None:
    assert report(("memory",))["memory_ratio_rss"] < 2.0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "mesa":
        _mesa_main(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "ours":
        _ours_main(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "memory":
        _memory_main(int(sys.argv[2]))
    else:
        report(tuple(sys.argv[1:]) or ("throughput", "efficiency", "memory"))
