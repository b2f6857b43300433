"""Executors: run units of work somewhere and hand back results as they finish, in any order.

A unit of work is anything with the ``Work`` shape: a sweep's ``Chunk`` of runs, or a batch of
counterfactual runs (``report/counterfactual.py``); both get the same pool and crash handling.

* ``LocalExecutor``: a ``ProcessPoolExecutor`` with its *own* multiprocessing context (fork on
  Linux, spawn elsewhere). The process-wide start method is never touched (Mesa's ``batch_run``
  sets it on every call; we do not). At most ``2 × workers`` chunks are in flight, so the parent
  holds a bounded number of results however long the sweep is.
* ``DaskExecutor``: the same chunks on a Dask cluster (``distributed.Client``), same window.

Workers die with their parent. A parent killed outright (SIGKILL, the OOM killer) runs no clean-up,
and its pool's workers would go on with their chunks for minutes, holding memory. Each worker
therefore asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG`` on Linux) and
runs a watchdog thread that exits when its parent process is gone (every platform).

A worker process that dies (a segfault, the OOM killer) breaks a local pool and every chunk in
flight with it. The executor then starts a fresh pool and re-runs those chunks one run at a time,
one in flight, so the run that kills its worker is identified and recorded as failed; the others
complete normally.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol, Self

from hmt_sim.errors import InputError

WORKER_DIED = "WorkerDied: the worker process running this run died (crash or out of memory)"
PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal a process gets when the thread that created it exits."""
WATCHDOG_INTERVAL_S = 0.5
"""How often a worker's watchdog checks that its parent is alive."""
ORPHAN_EXIT_CODE = 70
"""The exit status of a worker that stopped because its parent was gone."""


class Work[R](Protocol):
    """What an executor runs: a picklable unit of one or more runs (``worker.Chunk``)."""

    @property
    def runs(self) -> int:
        """How many runs the unit holds."""
        ...

    def run(self) -> R:
        """Do the runs (in a worker process); must not raise for a failing run."""
        ...

    def singles(self) -> Sequence[Self]:
        """The same runs, one unit each: to find which one kills its worker."""
        ...

    def failed(self, message: str) -> R:
        """The result to report when the process running this unit died."""
        ...


def run_work[R](work: Work[R]) -> R:
    """Run one unit; module-level, so a process pool can send it by name."""
    return work.run()


def die_with_parent(parent_pid: int, use_pdeathsig: bool = True) -> None:
    """Make this (worker) process exit when the process ``parent_pid`` dies.

    The pool's initializer. On Linux the kernel sends SIGKILL at once when the parent dies
    (``use_pdeathsig``: only when the pool was made by the parent's main thread, since the
    signal follows the creating *thread*); everywhere, a daemon thread polls the parent's pid
    and exits the process when it has changed (the orphan was adopted by another process).
    """
    if use_pdeathsig and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(ORPHAN_EXIT_CODE)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="hmt-sim-parent-watchdog",
                     daemon=True).start()


def start_worker(parent_pid: int, use_pdeathsig: bool = True) -> None:
    """The pool's initializer: die with the parent (``die_with_parent``), and leave what the
    worker inherited out of garbage collection. A forked worker shares the parent's memory
    (the imported engine, hundreds of thousands of objects); a full collection would walk all
    of it on every pass, and touching each object copies its page into the worker."""
    die_with_parent(parent_pid, use_pdeathsig)
    gc.freeze()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCHDOG_INTERVAL_S)
    os._exit(ORPHAN_EXIT_CODE)  # no clean-up: the parent that would read our results is gone


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class LocalExecutor:
    """A chunked process pool on this machine."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else workers
        if self.workers < 1:
            raise InputError(f"--workers must be >= 1, got {self.workers}")
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self.context = multiprocessing.get_context(method)
        self.window = 2 * self.workers
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        main = threading.current_thread() is threading.main_thread()
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=self.context,
                                   initializer=start_worker, initargs=(os.getpid(), main))

    def _submit(self, chunk: Work[Any]) -> Future[Any]:
        assert self._pool is not None
        with warnings.catch_warnings():
            # Python 3.12 warns on every fork from a process with threads; ours are numpy's BLAS
            # and Arrow's pools (they register at-fork handlers) and the child only runs the
            # engine, so the deadlock the warning is about cannot happen here.
            warnings.filterwarnings("ignore", message=r".*multi-threaded, use of fork\(\)",
                                    category=DeprecationWarning)
            return self._pool.submit(run_work, chunk)

    def run[W: Work[Any]](self, chunks: Iterable[W]) -> Iterator[tuple[W, Any]]:
        """``(unit, result)`` for every unit, as they finish; a unit whose worker died is
        retried one run at a time, and the run that kills its worker gets ``failed``."""
        source = iter(chunks)
        pending: dict[Future[Any], W] = {}
        suspects: deque[W] = deque()
        self._pool = self._new_pool()
        try:
            while True:
                if suspects:  # isolating after a crash: one single-run chunk at a time
                    if not pending:
                        single = suspects.popleft()
                        pending[self._submit(single)] = single
                else:
                    while len(pending) < self.window:
                        fresh = next(source, None)
                        if fresh is None:
                            break
                        pending[self._submit(fresh)] = fresh
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                broken: list[W] = []
                for future in done:
                    chunk = pending.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken.append(chunk)
                        continue
                    yield chunk, result
                if broken:
                    lone = len(broken) == 1 and not pending and broken[0].runs == 1
                    if lone:
                        yield broken[0], broken[0].failed(WORKER_DIED)
                    else:  # everything in flight is lost with the pool: isolate and retry
                        for chunk in [*broken, *pending.values()]:
                            suspects.extend(chunk.singles())
                    pending.clear()
                    self._pool.shutdown(wait=True, cancel_futures=True)
                    self._pool = self._new_pool()
        finally:
            self.close()

    def close(self) -> None:
        """Stop the pool (waits for the workers to exit)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor:
    """The same chunks on a Dask cluster; ``scheduler`` is an address or a ``Client``."""

    def __init__(self, scheduler: Any, timeout_s: float = 10.0) -> None:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a declared dependency
            raise InputError("--backend dask needs dask[distributed]: pip install "
                             "'dask[distributed]'") from None
        if scheduler is None:
            raise InputError("--backend dask needs --scheduler ADDRESS (e.g. "
                             "tcp://10.0.0.5:8786; start one with `dask scheduler`)")
        self._own = not isinstance(scheduler, Client)
        if self._own:
            address = getattr(scheduler, "scheduler_address", scheduler)
            try:
                self.client = Client(address, timeout=f"{timeout_s}s")
            except (OSError, TimeoutError) as exc:
                raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        else:
            self.client = scheduler
        threads = sum(self.client.nthreads().values()) or 1
        self.workers = threads
        self.window = 2 * threads

    def run[W: Work[Any]](self, chunks: Iterable[W]) -> Iterator[tuple[W, Any]]:
        """``(unit, result)`` for every unit, as they finish; a unit whose task failed on the
        cluster (``KilledWorker``) gets ``failed``."""
        from distributed import as_completed

        source = iter(chunks)
        pending: dict[Any, W] = {}
        queue = as_completed()

        def submit() -> bool:
            chunk = next(source, None)
            if chunk is None:
                return False
            future = self.client.submit(run_work, chunk, pure=False)
            pending[future] = chunk
            queue.add(future)
            return True

        try:
            for _ in range(self.window):
                if not submit():
                    break
            for future in queue:
                chunk = pending.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # e.g. KilledWorker: the chunk's runs fail, not us
                    result = chunk.failed(f"{type(exc).__name__}: {exc}"[:2000])
                future.release()
                yield chunk, result
                submit()
        finally:
            for future in pending:
                future.cancel()
            self.close()

    def close(self) -> None:
        """Close the client if this executor opened it."""
        if self._own:
            self.client.close()
