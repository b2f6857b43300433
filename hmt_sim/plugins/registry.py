"""Name -> factory registries for classifiers, operator policies and metrics.

A registry is module-level state by design (as Gymnasium's environment registry is): a
researcher registers a factory once, in process, and every run in that process - and in the
sweep's fork-started workers, which inherit it - can name it. Installed distributions can offer
factories through entry points (groups ``hmt_sim.classifiers``, ``hmt_sim.operators``,
``hmt_sim.metrics``); their code is imported only after the user trusts them explicitly
(``allow_entry_points()``: the CLI's ``--allow-plugins``, the API's ``allow_plugins=True``).
Until then an entry point is only a name read from the distribution's metadata, never imported.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hmt_sim.errors import HmtError, InputError

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
"""Plugin names are identifiers, like every name in a scenario."""

ALLOW_HINT = ("plugin code from installed distributions runs only when you allow it: pass "
              "--allow-plugins to hmt-sim, or allow_plugins=True in the Python API")


class PluginError(HmtError):
    """A plugin that cannot be used: not allowed, failed to load, or broke its contract."""


@dataclass(frozen=True)
class Offer:
    """An entry point seen in an installed distribution's metadata (not imported)."""

    name: str
    value: str  # "module:attribute", as the distribution declares it
    distribution: str


class Registry[F: Callable[..., Any]]:
    """Factories of one plugin kind, by name: registered in process or offered by entry points.

    ``builtin`` names (the engine's own defaults) cannot be replaced, so a bundled scenario
    always means what it says.
    """

    def __init__(self, kind: str, group: str) -> None:
        self.kind = kind
        self.group = group
        self._factories: dict[str, F] = {}
        self._builtin: set[str] = set()
        self._offers: dict[str, Offer] | None = None  # read from metadata once, lazily

    # ------------------------------------------------------------------ registering
    def register(self, name: str, factory: F, *, replace: bool = False,
                 builtin: bool = False) -> F:
        """Register ``factory`` under ``name``; a name already taken is an error unless
        ``replace=True`` (built-in names can never be replaced). Returns the factory, so this
        works as a decorator's body."""
        if not isinstance(name, str) or not NAME.match(name):
            raise InputError(f"{self.kind} name must be a lower-case identifier (letters a-z, "
                             f"digits and _, starting with a letter), got {name!r}")
        if not callable(factory):
            raise InputError(f"{self.kind} {name!r}: the factory must be callable, "
                             f"got {type(factory).__name__}")
        if name in self._builtin:
            raise InputError(f"{self.kind} {name!r} is built in and cannot be replaced; "
                             "register yours under another name")
        if name in self._factories and not replace:
            raise InputError(f"{self.kind} {name!r} is already registered; pass replace=True "
                             "to replace it")
        self._factories[name] = factory
        if builtin:
            self._builtin.add(name)
        return factory

    def unregister(self, name: str) -> None:
        """Forget a registered factory (tests and notebooks that redefine one)."""
        if name in self._builtin:
            raise InputError(f"{self.kind} {name!r} is built in and cannot be removed")
        if name not in self._factories:
            raise InputError(f"no {self.kind} called {name!r} is registered")
        del self._factories[name]

    # ------------------------------------------------------------------ looking up
    def is_builtin(self, name: str) -> bool:
        """Whether ``name`` is one of the engine's own factories (never replaced, never
        plugin code): the command line caches only scenarios that name these."""
        return name in self._builtin

    def names(self) -> list[str]:
        """Names usable now: built in, registered in process, or loaded from entry points."""
        return sorted(self._factories)

    def offers(self) -> dict[str, Offer]:
        """Entry points of this group in installed distributions, by name (metadata only)."""
        if self._offers is None:
            # imported here: importlib.metadata (email, zipfile, csv...) costs a run's start-up
            # about 20 ms, and only listing or loading entry points needs it
            from importlib import metadata

            found: dict[str, Offer] = {}
            for ep in metadata.entry_points(group=self.group):
                dist = ep.dist.name if ep.dist is not None else "an unknown distribution"
                found.setdefault(ep.name, Offer(ep.name, ep.value, dist))
            self._offers = found
        return self._offers

    def problem(self, name: str) -> str | None:
        """Why a scenario may not name ``name`` (None: it may). Used by scenario validation,
        so the message is located at the key that names it."""
        if name in self._factories:
            return None
        offer = self.offers().get(name)
        if offer is not None:
            if _trust.allowed:
                return None
            return (f"{self.kind} {name!r} is plugin code offered by the installed "
                    f"distribution {offer.distribution!r} (entry point group {self.group}); "
                    f"{ALLOW_HINT}")
        known = sorted(set(self._factories) | set(self.offers()))
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown {self.kind} {name!r}{hint} (available: {', '.join(known) or 'none'})"

    def get(self, name: str) -> F:
        """The factory for ``name``, importing an entry point's code if (and only if) the user
        allowed plugins."""
        factory = self._factories.get(name)
        if factory is not None:
            return factory
        message = self.problem(name)
        if message is not None:
            raise PluginError(message)
        return self._load(self.offers()[name])

    def _load(self, offer: Offer) -> F:
        from importlib import metadata

        (entry, *_) = metadata.entry_points(group=self.group, name=offer.name)
        try:
            factory = entry.load()
        except Exception as exc:  # the distribution's own code failed to import
            raise PluginError(f"{self.kind} {offer.name!r} from {offer.distribution!r} "
                              f"({offer.value}) failed to load: {type(exc).__name__}: {exc}"
                              ) from exc
        if not callable(factory):
            raise PluginError(f"{self.kind} {offer.name!r} from {offer.distribution!r}: "
                              f"{offer.value} is not callable")
        self._factories[offer.name] = factory
        return factory


def call_plugin(kind: str, name: str, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, with a failure inside plugin code reported as a ``PluginError`` that names
    the plugin (the original exception is chained as its cause)."""
    try:
        return fn(*args)
    except PluginError:
        raise
    except Exception as exc:
        raise PluginError(f"{kind} {name!r} failed: {type(exc).__name__}: {exc}") from exc


class _Trust:
    """Whether the user allowed plugin code from entry points in this process."""

    allowed = False


_trust = _Trust()


def allow_entry_points() -> None:
    """Trust the plugin code installed distributions offer through entry points, for the rest
    of this process (and the sweep workers it forks). The CLI calls this for
    ``--allow-plugins``; the API for ``allow_plugins=True``."""
    _trust.allowed = True


def entry_points_allowed() -> bool:
    """True once ``allow_entry_points()`` was called in this process."""
    return _trust.allowed
