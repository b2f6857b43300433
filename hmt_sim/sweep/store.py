"""The results folder: Parquet part files committed by rename, plus a manifest.

Layout (``pandas.read_parquet(OUT)`` reads the parts: pyarrow skips names starting with ``_``
or ``.``)::

    OUT/_manifest.json              spec hash, package version, seeds, design points, columns
    OUT/part-000000.parquet         one row per run, written as runs finish
    OUT/_timeseries/part-000000.parquet   per-run time series, when the spec asks for them

Crash safety: a part is written to ``.part-NNNNNN.tmp.parquet`` (``hmt_sim.fileio``), fsynced,
then renamed; the rename is the commit. A ``kill -9`` at any moment leaves only whole parts
(plus a temp file that the next ``--resume`` deletes), so resuming skips exactly the
(point, seed) pairs in committed parts: no run is lost, none duplicated. The time-series part
with the same number is renamed *before* its results part, and orphans (no results part) are
deleted on resume.
"""

from __future__ import annotations

import json
import operator
import os
import re
import time
from collections.abc import Iterable, Sequence
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from hmt_sim.errors import InputError
from hmt_sim.fileio import atomic_path, temp_path, write_text_atomic

MANIFEST = "_manifest.json"
TIMESERIES_DIR = "_timeseries"
PART_RE = re.compile(r"^part-(\d{6,})\.parquet$")
META_COLUMNS = ("point", "seed", "status", "error", "wall_s")
FORMAT = "hmt-sim-sweep/1"

_TYPES = {"int": pa.int64(), "float": pa.float64(), "str": pa.string(), "bool": pa.bool_()}


def column_kind(values: Iterable[Any]) -> str:
    """The Parquet type of a factor column from its values (numbers widen to float)."""
    kinds = set()
    for v in values:
        if isinstance(v, bool):
            kinds.add("bool")
        elif isinstance(v, int):
            kinds.add("int")
        elif isinstance(v, float):
            kinds.add("float")
        else:
            kinds.add("str")
    if len(kinds) == 1:
        return kinds.pop()
    return "float" if kinds <= {"int", "float"} else "str"


class ResultsStore:
    """Writes committed parts; reads back which (point, seed) pairs are done."""

    def __init__(self, out: Path, manifest: dict[str, Any]) -> None:
        self.out = out
        self.manifest = manifest
        self.columns: list[tuple[str, str]] = [(c[0], c[1]) for c in manifest["columns"]]
        self.factor_keys: list[str] = list(manifest["factors"])
        self.points: list[dict[str, Any]] = [p["factors"] for p in manifest["points"]]
        self.next_part = 0
        self._set_metrics()

    def _set_metrics(self) -> None:
        self.schema = pa.schema([(name, _TYPES[kind]) for name, kind in self.columns])
        self.metric_names = [name for name, _ in self.columns[5 + len(self.factor_keys):]]
        self._metric_set = set(self.metric_names)

    # ------------------------------------------------------------------ rows and columns
    def normalise(self, row: tuple[Any, ...], chunk_columns: Sequence[str]) -> tuple[Any, ...]:
        """A worker row (in its chunk's column order, maybe with extras) → this store's order.

        New metric names in the extras become columns (see ``add_columns``)."""
        n = len(chunk_columns)
        extras = row[5 + n] if len(row) > 5 + n else None
        if extras is None and list(chunk_columns) == self.metric_names:
            return row
        values = dict(zip(chunk_columns, row[5 : 5 + n], strict=True))
        if extras:
            new = {k: v for k, v in extras.items() if k not in self._metric_set}
            if new:
                self.add_columns({k: "str" if isinstance(v, str) else "float"
                                  for k, v in new.items()})
            values.update(extras)
        return (*row[:5], *(values.get(m) for m in self.metric_names))

    def add_columns(self, kinds: dict[str, str]) -> None:
        """Add metric columns after the existing ones, in the manifest first, then in every
        committed part (as empty values: those runs did not report them). Appending, never
        re-sorting, keeps rows already built for the old columns aligned: they are padded at
        the end."""
        have = {name for name, _ in self.columns}
        self.columns = [*self.columns, *((m, kinds[m]) for m in sorted(kinds) if m not in have)]
        self._set_metrics()
        self.write_manifest(self.manifest.get("status", "running"))
        for number in sorted(part_numbers(self.out)):
            self._conform(self.out / _part_name(number))

    def _conform(self, path: Path) -> None:
        """Rewrite a part to this store's schema if it lacks columns (adds empty ones)."""
        table = pq.read_table(path)
        if table.schema.names == self.schema.names:
            return
        arrays = [table.column(f.name) if f.name in table.schema.names
                  else pa.nulls(table.num_rows, type=f.type) for f in self.schema]
        _write_atomic(pa.table(arrays, schema=self.schema), path)

    # ------------------------------------------------------------------ opening
    @classmethod
    def create(cls, out: Path, manifest: dict[str, Any], *, resume: bool,
               force: bool) -> tuple[ResultsStore, set[tuple[int, int]]]:
        """Open ``out`` for writing; returns the store and the pairs already committed."""
        if out.exists() and not out.is_dir():
            raise InputError(f"{out}: exists and is not a directory")
        if (out / TIMESERIES_DIR).is_symlink():  # planted: never write (or delete) through it
            raise InputError(f"{out / TIMESERIES_DIR}: a symbolic link is in the way (hmt-sim "
                             "does not write through links); remove it")
        existing = out.is_dir() and any(out.iterdir())
        if existing and resume:
            old = read_manifest(out)
            if old.get("spec_hash") != manifest["spec_hash"]:
                changed = "; ".join(manifest_differences(old, manifest)) or (
                    "the spec, its scenario or the seeds changed")
                raise InputError(
                    f"{out}: holds results of a different sweep ({changed}); use --force to "
                    "start again or choose another --out"
                )
            manifest = {**manifest, "created": old.get("created", manifest["created"]),
                        "versions": sorted({*old.get("versions", []), *manifest["versions"]}),
                        "columns": old.get("columns", manifest["columns"]),
                        "metrics": old.get("metrics", manifest["metrics"])}
            store = cls(out, manifest)
            done = store._recover()
            store.write_manifest("running")
            return store, done
        if existing and not force:
            raise InputError(
                f"{out}: already holds files; use --resume to continue that sweep, --force to "
                "replace it, or choose another --out"
            )
        if existing and force:
            _clear(out)
        out.mkdir(parents=True, exist_ok=True)
        store = cls(out, manifest)
        store.write_manifest("running")
        return store, set()

    def _recover(self) -> set[tuple[int, int]]:
        """Delete leftovers of a crash and collect the committed (point, seed) pairs."""
        for tmp in [*self.out.glob(".part-*"), *self.out.glob(f"{TIMESERIES_DIR}/.part-*")]:
            tmp.unlink(missing_ok=True)
        numbers = part_numbers(self.out)
        ts_dir = self.out / TIMESERIES_DIR
        if ts_dir.is_dir():
            for number in part_numbers(ts_dir) - numbers:  # renamed, but its results part not
                (ts_dir / _part_name(number)).unlink(missing_ok=True)
        done: set[tuple[int, int]] = set()
        for number in sorted(numbers):
            self._conform(self.out / _part_name(number))  # a crash during add_columns
            table = pq.read_table(self.out / _part_name(number), columns=["point", "seed"])
            done.update(zip(table.column("point").to_pylist(), table.column("seed").to_pylist(),
                            strict=True))
        self.next_part = max(numbers) + 1 if numbers else 0
        return done

    # ------------------------------------------------------------------ writing
    def write_part(self, rows: Sequence[tuple[Any, ...]],
                   series: Sequence[dict[str, list[Any]]] | None = None) -> None:
        """Commit one part: rows ``(point, seed, status, error, wall_s, *metrics)``."""
        if not rows:
            return
        number = self.next_part
        self.next_part += 1
        if series:
            ts_dir = self.out / TIMESERIES_DIR
            ts_dir.mkdir(exist_ok=True)
            _write_atomic(_series_table(series), ts_dir / _part_name(number))
        _write_atomic(self._table(rows), self.out / _part_name(number))

    def _table(self, rows: Sequence[tuple[Any, ...]]) -> pa.Table:
        # Column order: point, seed, factors..., status, error, wall_s, metrics...
        width = len(self.columns) - len(self.factor_keys)
        cols = list(zip(*(r + (None,) * (width - len(r)) for r in rows), strict=True))
        factor_cols = [[self.points[p][key] for p in cols[0]] for key in self.factor_keys]
        arrays = [cols[0], cols[1], *factor_cols, *cols[2:]]
        return pa.table(
            [_array(col, f.type) for col, f in zip(arrays, self.schema, strict=True)],
            schema=self.schema,
        )

    def write_manifest(self, status: str, **extra: Any) -> None:
        self.manifest = {**self.manifest, "status": status, "updated": _now(),
                         "columns": [list(c) for c in self.columns],
                         "metrics": self.metric_names, **extra}
        write_text_atomic(self.out / MANIFEST, json.dumps(self.manifest, indent=2) + "\n")


def manifest_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between the sweep in a results folder and the one asked for, in words
    (``seeds: 1-5 (5) there, 1-20 (20) now``): why a resume is refused."""
    was, now = old.get("spec", {}), new.get("spec", {})
    out: list[str] = []
    if was.get("scenario") != now.get("scenario"):
        out.append(f"scenario: {was.get('scenario')} there, {now.get('scenario')} now")
    elif was.get("scenario_sha256") != now.get("scenario_sha256"):
        out.append(f"scenario {now.get('scenario')}: its text changed")
    old_set, new_set = was.get("set", {}), now.get("set", {})
    for key in sorted({*old_set, *new_set}):
        if old_set.get(key, _ABSENT) != new_set.get(key, _ABSENT):
            out.append(f"set {key}: {_shown(old_set.get(key, _ABSENT))} there, "
                       f"{_shown(new_set.get(key, _ABSENT))} now")
    if old.get("factors") != new.get("factors"):
        out.append(f"factors: {', '.join(old.get('factors', [])) or 'none'} there, "
                   f"{', '.join(new.get('factors', [])) or 'none'} now")
    elif len(old.get("points", [])) != len(new.get("points", [])):
        out.append(f"design points: {len(old.get('points', []))} there, "
                   f"{len(new.get('points', []))} now")
    elif old.get("points") != new.get("points"):
        first = next(i for i, (a, b) in enumerate(zip(old["points"], new["points"], strict=True))
                     if a != b)
        out.append(f"design point {first}: {_point_text(old['points'][first])} there, "
                   f"{_point_text(new['points'][first])} now")
    if old.get("seeds") != new.get("seeds"):
        out.append(f"seeds: {_seeds_text(old.get('seeds', []))} there, "
                   f"{_seeds_text(new.get('seeds', []))} now")
    for key, what in (("metrics_kept", "metrics"), ("timeseries", "timeseries")):
        if key in was and key in now and was[key] != now[key]:
            out.append(f"{what}: {_shown(was[key])} there, {_shown(now[key])} now")
    return out


_ABSENT = object()


def _shown(value: Any) -> str:
    if value is _ABSENT:
        return "not set"
    if value is None:
        return "all"
    return json.dumps(value) if not isinstance(value, str) else value


def _point_text(point: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_shown(v)}" for k, v in point.get("factors", {}).items())


def _seeds_text(seeds: Sequence[int]) -> str:
    """``1-5 (5)`` for a run of consecutive seeds, else the first few."""
    seeds = list(seeds)
    if not seeds:
        return "none"
    if seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}-{seeds[-1]} ({len(seeds)})"
    head = ", ".join(str(s) for s in seeds[:5])
    return f"{head}{', ...' if len(seeds) > 5 else ''} ({len(seeds)})"


def sweep_arguments(out: str | os.PathLike[str]) -> dict[str, Any] | None:
    """How the sweep in ``out`` was started: ``spec`` (an absolute path), ``set`` (the command
    line's extra overrides) and ``seeds`` (the seed list used), or None when ``out`` holds no
    sweep or one written before the manifest kept them. ``sweep --resume`` uses these."""
    path = Path(out)
    if not (path / MANIFEST).is_file():
        return None
    manifest = read_manifest(path)
    args = manifest.get("arguments")
    if not isinstance(args, dict) or not args.get("spec"):
        return None
    return {"spec": args["spec"], "set": dict(args.get("set") or {}),
            "seeds": list(manifest.get("seeds", []))}


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_manifest(out: str | os.PathLike[str]) -> dict[str, Any]:
    path = Path(out)
    if not (path / MANIFEST).is_file():
        if path.is_dir() and any(path.glob("*.parquet")):
            raise InputError(f"{path}: has Parquet files but no {MANIFEST}: not a sweep folder")
        raise InputError(f"{path}: not a sweep results folder (no {MANIFEST}); run "
                         "`hmt-sim sweep SPEC --out DIR` first")
    try:
        manifest: dict[str, Any] = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path / MANIFEST}: cannot be read: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise InputError(f"{path / MANIFEST}: unknown format {manifest.get('format')!r}")
    return manifest


def load_results(out: str | os.PathLike[str], columns: Sequence[str] | None = None,
                 ok_only: bool = False) -> Any:
    """The results table of a sweep folder as a pandas DataFrame, sorted by (point, seed).

    ``df.attrs`` carries ``factors``, ``metrics`` and ``baseline`` (the baseline point number)
    from the manifest, which ``analyse`` and ``plot`` use.
    """
    import pandas as pd

    path = Path(out)
    manifest = read_manifest(path)
    names = [name for name, _ in manifest["columns"]]
    numbers = sorted(part_numbers(path))
    if numbers:
        table = pq.ParquetDataset([str(path / _part_name(n)) for n in numbers]).read(
            columns=list(columns) if columns else None)
        df = table.to_pandas()
    else:
        df = pd.DataFrame({name: [] for name in (columns or names)})
    if ok_only and "status" in df:
        df = df[df["status"] == "ok"]
    if "point" in df and "seed" in df:
        df = df.sort_values(["point", "seed"], kind="stable").reset_index(drop=True)
    df.attrs.update(_attrs(manifest))
    return df


def load_timeseries(out: str | os.PathLike[str]) -> Any:
    """Per-run time series (when the spec set ``timeseries: true``) with point and seed."""
    import pandas as pd

    path = Path(out)
    read_manifest(path)
    ts_dir = path / TIMESERIES_DIR
    committed = part_numbers(path)
    files = [ts_dir / _part_name(n) for n in sorted(part_numbers(ts_dir) & committed)] if (
        ts_dir.is_dir()) else []
    if not files:
        return pd.DataFrame()
    return pq.ParquetDataset([str(f) for f in files]).read().to_pandas()


def _attrs(manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        "factors": list(manifest["factors"]),
        "metrics": list(manifest["metrics"]),
        "baseline": manifest.get("baseline_point", 0),
        "points": [p["factors"] for p in manifest["points"]],
        "spec_hash": manifest.get("spec_hash"),
    }


def part_numbers(folder: Path) -> set[int]:
    if not folder.is_dir():
        return set()
    return {int(m.group(1)) for p in folder.iterdir() if (m := PART_RE.match(p.name))}


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def _part_name(number: int) -> str:
    return f"part-{number:06d}.parquet"


def _write_atomic(table: pa.Table, path: Path) -> None:
    # Dictionary encoding only for text (status, error, text metrics): tried on ~80 float metric
    # columns it is given up page by page, and cost more than half of writing a part.
    text = [f.name for f in table.schema if pa.types.is_string(f.type)]
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", use_dictionary=text)


_ACCEPTS: dict[str, tuple[type, ...]] = {"int64": (int,), "double": (int, float),
                                         "bool": (bool,), "string": (str,)}


def _array(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    """The column ``pa.array(list(values), type=kind)`` makes (None: null; a float NaN stays
    NaN), built from its buffers. ``pa.array`` asks of anything it is given whether it is a
    pandas object, and the first time it asks it loads pyarrow's pandas layer and much of
    pandas: about 0.6 s in a sweep's parent that has no other use for it (the CLI prints a
    summary), all of it after the last run while the user waits."""
    name = str(kind)
    types = set(map(type, values))
    has_null = type(None) in types
    types.discard(type(None))
    accepts = _ACCEPTS[name]
    wrong = {t for t in types
             if not issubclass(t, accepts) or (name == "int64" and issubclass(t, bool))}
    if wrong:
        bad = next(v for v in values if type(v) in wrong)
        raise TypeError(f"a {name} column got {type(bad).__name__} {bad!r:.60}")
    n = len(values)
    nulls, validity = 0, None
    if has_null:
        present = np.fromiter(map(operator.is_not, values, repeat(None)), dtype=bool, count=n)
        nulls = n - int(present.sum())
        validity = pa.py_buffer(np.packbits(present, bitorder="little"))
    if name == "string":
        encoded = [v.encode("utf-8") if v is not None else b"" for v in values]
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        buffers = [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    elif name == "bool":
        bits = np.fromiter(map(operator.is_, values, repeat(True)), dtype=bool, count=n)
        buffers = [validity, pa.py_buffer(np.packbits(bits, bitorder="little"))]
    elif name == "double":  # NumPy reads None as NaN; the validity bitmap makes it null
        buffers = [validity, pa.py_buffer(np.array(values, dtype=np.float64))]
    else:
        filled = [0 if v is None else v for v in values] if has_null else values
        buffers = [validity, pa.py_buffer(np.array(filled, dtype=np.int64))]
    return pa.Array.from_buffers(kind, n, buffers, null_count=nulls)


def _series_table(series: Sequence[dict[str, list[Any]]]) -> pa.Table:
    return pa.concat_tables([pa.table(s) for s in series], promote_options="default")


def _clear(out: Path) -> None:
    """Remove a previous sweep's files (only ours: parts, manifest, time series, temp files)."""
    import shutil

    known = [p for p in out.iterdir() if PART_RE.match(p.name) or p.name == MANIFEST
             or p.name.startswith(".part-") or p.name == temp_path(out / MANIFEST).name]
    others = [p.name for p in out.iterdir() if p not in known and p.name != TIMESERIES_DIR]
    if others:
        raise InputError(
            f"{out}: --force replaces a sweep folder, but this folder also holds "
            f"{', '.join(sorted(others)[:5])}; choose another --out"
        )
    for p in known:
        p.unlink()
    if (out / TIMESERIES_DIR).is_dir():
        shutil.rmtree(out / TIMESERIES_DIR)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
