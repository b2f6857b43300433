"""Mesa (and SimPy) for the engine, paying at start only for the parts a run uses (issue 14).

``import mesa`` costs about 1.9 s of CPU here, nearly all of it code a run never executes. Mesa's
package ``__init__`` imports ``mesa.discrete_space`` (scipy.spatial, scipy.sparse, networkx),
``mesa.experimental`` (its continuous space imports scipy.spatial), ``mesa.batchrunner`` (tqdm)
and ``mesa.space``; and ``mesa.agent`` imports pandas (and pandas pyarrow) at the top, for
``Agent.create_agents`` and the DataCollector's DataFrames. A run needs ``mesa.Model``,
``mesa.Agent`` and ``mesa.DataCollector``, and the modules these three import.

So the engine imports Mesa through ``from hmt_sim.mesa_import import mesa``, which

- imports ``mesa.agent``, ``mesa.model`` and ``mesa.datacollection`` as the real submodules of
  the real ``mesa`` package (Mesa's own modules import each other by full name, as submodules);
- *defers* three pieces of code: the ``__init__`` of the packages ``mesa`` and
  ``mesa.experimental`` and all of ``pandas``. A deferred module is the ordinary module object,
  made from its ordinary spec and put in ``sys.modules``; its code runs, in place, the first
  time anyone asks it for an attribute it does not have yet (``mesa.batch_run``,
  ``pd.DataFrame``, ``from pandas import Series``, ``mesa.experimental.devs``), and from then on
  it is exactly the module a plain import makes. ``mesa.Agent``, ``mesa.Model`` and
  ``mesa.DataCollector`` are bound before that to the classes Mesa's ``__init__`` binds them to
  (the same objects), so the engine's uses of them run no deferred code.

SimPy's package ``__init__`` is deferred the same way (``SIMPY_MODULES``): it imports SimPy's
modules, binds their classes (which the engine uses as ``simpy.Environment``, ``simpy.Event``...)
and looks up ``simpy.__version__`` through ``importlib.metadata``, which alone costs a run's
start-up about 25 ms. Here SimPy's modules are imported and their classes bound on the package
at once, so only ``__version__`` (or ``dir(simpy)``) runs the deferred code. This happens only
where this module is imported before SimPy, as ``hmt-sim run`` does (``hmt_sim.cli.runbody``).

What stays as before: a module already imported when this module runs (a user who imported
Mesa or pandas first) is left alone; ``isinstance`` and identity hold, since there is only ever
the one module object; ``from pandas import X``, ``import pandas.core.frame`` (``pandas``
gets no ``__path__`` until its code has run, so a submodule import runs the package first, in
the usual order) and pickling (unpickling imports by name) see the real package. A deferred
module's ``__name__``, ``__spec__`` and ``__file__`` are real from the start; ``vars()`` shows
only those until the code runs (``dir()`` runs it). An error in a deferred module's own code
(a broken install) is raised where the module is first used instead of at import.

Why not :class:`importlib.util.LazyLoader`: on Python 3.12.1, which this project runs, any
attribute access loads the module, ``__spec__`` included, and the ``import`` statement reads the
``__spec__`` of a module it finds in ``sys.modules``, so ``import pandas as pd`` in ``mesa.agent``
would load pandas at once; and a second thread could see the half-loaded module (CPython
gh-114763, fixed in later 3.12 releases). Here the hook is a module ``__getattr__`` (PEP 562),
which Python calls only for attributes a module lacks, and the code runs as a plain import's
does: under the import system's lock for that module name, with ``__spec__._initializing`` set.
So another thread asking for an attribute, or importing the module, meanwhile waits for the
whole module; a cycle of threads waiting on each other's imports is one the import system
sees and resolves as it does for plain imports, instead of hanging; and the loading thread itself (a
module that imports itself back while it runs) gets the usual ``AttributeError`` of a partially
initialised module. (The lock is importlib's private ``_ModuleLockManager``, as in every CPython
since 3.3; without it, a lock of our own.)
"""

from __future__ import annotations

import importlib._bootstrap
import importlib.util
import sys
import threading
from contextlib import AbstractContextManager
from types import ModuleType
from typing import TYPE_CHECKING, Any

PACKAGE_INITS = ("mesa", "mesa.experimental")
"""Packages whose ``__init__`` is deferred while their submodules import as usual."""
MODULES = ("pandas",)
"""Modules (packages included) deferred whole."""
ENGINE_MODULES = ("mesa.agent", "mesa.model", "mesa.datacollection")
"""Mesa's modules the engine uses, imported at once (with what they import)."""
BOUND_EARLY = {"Agent": "mesa.agent", "Model": "mesa.model", "DataCollector": "mesa.datacollection"}
"""Names Mesa's ``__init__`` binds from these modules, bound as soon as each is imported."""
SIMPY_MODULES = {
    "simpy.core": ("Environment",),
    "simpy.events": ("AllOf", "AnyOf", "Event", "Process", "Timeout"),
    "simpy.exceptions": ("Interrupt", "SimPyException"),
    "simpy.resources.container": ("Container",),
    "simpy.resources.resource": ("PreemptiveResource", "PriorityResource", "Resource"),
    "simpy.resources.store": ("FilterStore", "PriorityItem", "PriorityStore", "Store"),
    "simpy.rt": ("RealtimeEnvironment",),
}
"""SimPy's modules, each with the names SimPy's package ``__init__`` binds from it (every name
of ``simpy.__all__``): imported at once, and the names bound on the deferred package."""


class _Deferred:
    """The ``__getattr__`` (and ``__dir__``) of a deferred module: runs the module's code once,
    on the first attribute it does not have, then answers from the loaded module."""

    def __init__(self, module: ModuleType, path: list[str] | None) -> None:
        self.module = module
        self.path = path  # a withheld __path__, restored just before the code runs
        self.own_lock = threading.RLock()  # only where importlib has no module locks
        self.loading_thread: int | None = None
        self.done = False

    def lock(self) -> AbstractContextManager[Any]:
        """The import system's lock for this module's name (re-entrant, deadlock-detecting)."""
        manager = getattr(importlib._bootstrap, "_ModuleLockManager", None)
        return self.own_lock if manager is None else manager(self.module.__name__)

    def __call__(self, attr: str) -> Any:
        self.load(attr)
        return getattr(self.module, attr)

    def names(self) -> list[str]:
        """``dir()`` of the module: runs its code first, so ``dir()`` (and tab completion)
        lists what a plain import would."""
        self.load("__dir__")
        return sorted(vars(self.module))

    def load(self, attr: str) -> None:
        """Run the module's code unless it has run; another thread waits until it has, and
        the thread running it gets the error of a partially initialised module."""
        with self.lock():
            if self.done:
                return
            if self.loading_thread == threading.get_ident():
                raise AttributeError(
                    f"partially initialized module {self.module.__name__!r} has no "
                    f"attribute {attr!r} (most likely due to a circular import)")
            self._run()

    def _run(self) -> None:
        module = self.module
        spec = module.__spec__
        assert spec is not None and spec.loader is not None
        namespace = vars(module)
        self.loading_thread = threading.get_ident()
        spec._initializing = True  # type: ignore[attr-defined]  # an import waits, as for any
        try:
            if self.path is not None:
                namespace["__path__"] = self.path
            spec.loader.exec_module(module)
        finally:
            spec._initializing = False  # type: ignore[attr-defined]
            self.loading_thread = None
        self.done = True
        if namespace.get("__getattr__") is self:  # the module may define its own
            del namespace["__getattr__"]
        if namespace.get("__dir__") == self.names:
            del namespace["__dir__"]


def defer(name: str, *, submodules: bool) -> ModuleType | None:
    """Put a deferred module for ``name`` in ``sys.modules`` and return it; with
    ``submodules``, its ``__path__`` is there from the start, so its submodules import without
    running its own code. A module already imported (or being imported) is returned as it is;
    None if there is no such module (the plain import then says so)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return None
    module = importlib.util.module_from_spec(spec)
    namespace = vars(module)
    path = None if submodules else namespace.pop("__path__", None)
    hook = _Deferred(module, path)
    namespace["__getattr__"] = hook
    namespace["__dir__"] = hook.names
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)  # as the import system does for a submodule
    return module


def pending(name: str) -> bool:
    """Whether ``name`` is in ``sys.modules`` as a deferred module whose code has not run yet
    (for tests and benchmarks; it runs nothing)."""
    module = sys.modules.get(name)
    hook = vars(module).get("__getattr__") if isinstance(module, ModuleType) else None
    return isinstance(hook, _Deferred) and not hook.done


def _import_mesa() -> ModuleType:
    """The ``mesa`` package with the engine's modules imported and the rest deferred; the
    plain package if Mesa was imported before."""
    if "mesa" in sys.modules:
        import mesa

        return mesa
    for name in MODULES:
        defer(name, submodules=False)
    for name in PACKAGE_INITS:
        if defer(name, submodules=True) is None:
            break  # not installed: the plain import below raises the usual error
    import mesa  # the deferred package (or, without Mesa, the usual ImportError)

    for sub in ENGINE_MODULES:
        __import__(sub)  # the import statement's path, so -X importtime names these modules
        module = sys.modules[sub]
        for attr, source in BOUND_EARLY.items():
            if source == sub and attr not in vars(mesa):
                setattr(mesa, attr, getattr(module, attr))
    return mesa


def _defer_simpy() -> None:
    """Defer SimPy's package ``__init__`` (unless SimPy was imported before) with every name it
    binds bound already: all it adds is ``simpy.__version__``, which it looks up with
    ``importlib.metadata`` (email, zipfile, csv...: about 25 ms of a run's start-up)."""
    if "simpy" in sys.modules:
        return
    package = defer("simpy", submodules=True)
    if package is None:
        return  # not installed: the engine's own `import simpy` raises the usual error
    for sub, names in SIMPY_MODULES.items():
        __import__(sub)
        module = sys.modules[sub]
        for attr in names:
            if attr not in vars(package):
                setattr(package, attr, getattr(module, attr))


if TYPE_CHECKING:
    import mesa
else:
    mesa = _import_mesa()
    _defer_simpy()  # after Mesa: its import-time stack walk scans every module loaded by then
