"""The scenario ``hmt-sim run`` validated, kept for the next run of the same command line.

Reading a scenario costs a short run about a fifth of its start-up (issue 14): PyYAML, the
validation itself, and pydantic building the validators of the scenario's 39 models (which
also makes pydantic import ``importlib.metadata`` and scan every installed distribution for
plugins of its own). So ``hmt-sim run`` keeps the ``Scenario`` it validated, and the overrides
it parsed, in ``$XDG_CACHE_HOME/hmt-sim/`` (beside the command-line card, ``hmt_sim.cli.quick``),
and a later run of the same scenario with the same ``--set`` items reads them back instead.

An entry is used only when it cannot differ from what loading would give now:

- it is keyed by the scenario file's bytes (the very bytes that were validated), its path,
  the scenario as named and every ``--set`` item as typed; by every source file of hmt_sim
  (size, modification and change times, inode), by the top module of each library that takes
  part in reading and validating (pydantic, pydantic-core, annotated-types, typing-extensions,
  typing-inspection, PyYAML), and by the Python version. The key is stored whole in the entry
  and compared whole;
- only runs that load no plugin code keep or read entries: not with ``--allow-plugins`` (or
  entry points allowed any other way), not with ``--operators`` (a second file), not after a
  program registered plugins or action classes of its own in the process (``pristine``), and
  only for a scenario whose classifier and operator policy are the engine's own. Validation
  then reads nothing else: no registry but the built-in names, no environment variable (a
  folder named by ``HMT_SIM_SCENARIOS`` shows in the path);
- only a scenario that loaded without a problem is kept, so every error is reported by the
  loader, as before, with the same message and exit code.

The entry is a pickle, read with an unpickler that can build nothing but the scenario's own
model classes (``hmt_sim.scenario.schema``) and plain values, and only after the entry's
checksum and key matched and its file proved to be the user's own and writable by no one else.
Anything wrong (missing, stale, corrupt, unreadable, unwritable) means the scenario is loaded
as usual, silently. At most ``MAX_ENTRIES`` entries are kept; writing one removes the oldest.
"""

from __future__ import annotations

import os
import pickle
import sys

TYPE_CHECKING = False  # typing itself is not imported at run time: the fast path avoids it
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from hmt_sim.scenario.schema import Scenario

FORMAT = 1
MAX_ENTRIES = 32
"""Entries kept; writing one more removes the oldest."""
MAX_SCENARIO_BYTES = 1024 * 1024
"""Largest scenario file cached (the loader accepts up to 2 MiB; real ones are a few KiB)."""
MAGIC = b"hmt-sim scenario cache\n"
LIBRARIES = ("pydantic", "pydantic_core", "annotated_types", "typing_extensions",
             "typing_inspection", "yaml")
"""The libraries whose code reads or validates a scenario."""
SCHEMA = "hmt_sim.scenario.schema"
PREFIX = "scenario-"
SUFFIX = ".pickle"


class Entry:
    """The cache entry of one scenario file and one list of ``--set`` items: where it is kept,
    its key, and the file's bytes the key was made from (to be validated on a miss)."""

    def __init__(self, path: Path, raw: bytes, key: str, file: str) -> None:
        self.path = path
        self.raw = raw
        self.key = key
        self.file = file

    def load(self) -> tuple[Scenario, dict[str, Any]] | None:
        """The scenario and the overrides kept for this key, or ``None``."""
        try:
            with open(self.file, "rb") as f:
                if not _private(os.fstat(f.fileno())):
                    return None
                data = f.read()
            return _decode(data, self.key)
        except Exception:  # a cache must never break a run: load the scenario as usual
            return None

    def store(self, scenario: Scenario, overrides: dict[str, Any]) -> None:
        """Keep ``scenario`` (validated from ``self.raw``) and ``overrides`` for the next run,
        if it names no plugin; never fails the run."""
        try:
            if not cacheable(scenario):
                return
            data = _encode(self.key, scenario, overrides)
            if _decode(data, self.key) != (scenario, overrides):
                return  # something that does not survive the round trip: not kept
            os.makedirs(os.path.dirname(self.file), exist_ok=True)
            _write(self.file, data)
            _prune(os.path.dirname(self.file))
        except Exception:  # a read-only home or a full disk only means no cache next time
            return


def entry(source: str, items: list[str]) -> Entry | None:
    """The entry for running ``source`` with the ``--set`` ``items``, or ``None`` when the
    scenario cannot be found or read here (the loader then reports why, as before)."""
    try:
        from hmt_sim.cli.quick import cache_dir
        from hmt_sim.scenario.library import resolve

        if not pristine():
            return None
        path = resolve(source)
        with open(path, "rb") as f:
            raw = f.read(MAX_SCENARIO_BYTES + 1)
        if len(raw) > MAX_SCENARIO_BYTES:
            return None
        import hashlib

        where = "\0".join([source, os.path.abspath(path), *items])
        key = "\n".join([
            f"scenario cache {FORMAT}", sys.version, f"run {where!r}",
            f"bytes {hashlib.sha256(raw).hexdigest()}", *sources(),
        ])
        name = hashlib.sha256(where.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return Entry(path, raw, key, os.path.join(cache_dir(), f"{PREFIX}{name}{SUFFIX}"))
    except Exception:
        return None


def pristine() -> bool:
    """Whether validation in this process reads only the engine's own tables: no plugin code
    allowed, no classifier, operator policy or action class registered, none replaced. Always
    so in ``hmt-sim run``'s own process; a program that calls ``run`` after registering its
    own gets no cache."""
    from hmt_sim import actions, plugins

    return (not plugins.entry_points_allowed()
            and all(reg.is_builtin(name) for reg in (plugins.classifiers, plugins.operators)
                    for name in reg.names())
            and len(actions.names()) == len(actions.BUILT_IN)
            and all(actions.get(a.name) is a for a in actions.BUILT_IN))


def cacheable(scenario: Scenario) -> bool:
    """Whether ``scenario`` may be kept: it names only the engine's own classifier and
    operator policy, and this process is ``pristine``."""
    from hmt_sim import plugins

    return (plugins.classifiers.is_builtin(scenario.ai.classifier)
            and plugins.operators.is_builtin(scenario.operators.policy) and pristine())


def sources() -> list[str]:
    """A line per source file of hmt_sim and per library of ``LIBRARIES``: path, size,
    modification and change times, inode. An edit, a reinstall or an upgrade changes at least
    one of these (the change time cannot be set back, even where the modification time is)."""
    import importlib.util

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    lines: list[str] = []
    _walk(package, lines)
    for name in LIBRARIES:  # its top module: an install or upgrade writes it anew
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        lines.append(_stat_line(origin) if origin else f"{name}: -")
    return lines


def _walk(folder: str, lines: list[str]) -> None:
    """Stat lines of every ``.py`` file under ``folder``, sorted."""
    found: list[str] = []
    with os.scandir(folder) as it:
        for item in it:
            if item.name.endswith(".py"):
                found.append(_stat_line(item.path))
            elif item.is_dir() and item.name != "__pycache__" and not item.name.startswith("."):
                _walk(item.path, found)
    lines.extend(sorted(found))


def _stat_line(path: str) -> str:
    st = os.stat(path)
    return f"{path}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def _private(st: os.stat_result) -> bool:
    """A regular file of this user's that no one else can write."""
    import stat

    own = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    return stat.S_ISREG(st.st_mode) and own and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _encode(key: str, scenario: Scenario, overrides: dict[str, Any]) -> bytes:
    import hashlib

    body = key.encode("utf-8", "surrogatepass") + b"\0" + pickle.dumps(
        (scenario, overrides), protocol=pickle.HIGHEST_PROTOCOL)
    return MAGIC + hashlib.sha256(body).digest() + body


def _decode(data: bytes, key: str) -> tuple[Scenario, dict[str, Any]] | None:
    """The scenario and overrides of an entry's bytes when its checksum and key match."""
    import hashlib
    import io

    if not data.startswith(MAGIC):
        return None
    digest, body = data[len(MAGIC):len(MAGIC) + 32], data[len(MAGIC) + 32:]
    if hashlib.sha256(body).digest() != digest:
        return None
    stored, _, payload = body.partition(b"\0")
    if stored != key.encode("utf-8", "surrogatepass"):
        return None
    from hmt_sim.scenario.schema import Scenario

    scenario, overrides = _SchemaUnpickler(io.BytesIO(payload)).load()
    if type(scenario) is not Scenario or type(overrides) is not dict:
        return None
    return scenario, overrides


class _SchemaUnpickler(pickle.Unpickler):
    """Builds the scenario's model classes and plain values (str, numbers, tuples, lists,
    dicts, sets) and nothing else: no other class or function can be named."""

    def find_class(self, module: str, name: str) -> Any:
        if module == SCHEMA:
            from hmt_sim.scenario import schema

            cls = getattr(schema, name, None)
            if (isinstance(cls, type) and issubclass(cls, schema.Spec)
                    and cls.__module__ == SCHEMA):
                return cls
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a scenario")


def _write(path: str, data: bytes) -> None:
    """Write ``path`` whole or not at all, readable and writable by this user only (whatever
    the umask: an entry others can write is never read), through a new temporary file."""
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with open(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _prune(folder: str) -> None:
    """Remove the oldest entries beyond ``MAX_ENTRIES``."""
    import contextlib

    entries = []
    with os.scandir(folder) as it:
        for item in it:
            if item.name.startswith(PREFIX) and item.name.endswith(SUFFIX):
                entries.append((item.stat().st_mtime_ns, item.path))
    for _, path in sorted(entries)[:-MAX_ENTRIES]:
        with contextlib.suppress(OSError):  # another run removed it first
            os.unlink(path)
