"""Run a command the card parsed (``hmt_sim.cli.quick``) without typer, ending as typer's path
ends: the same exit codes, the same messages, the same exceptions left to propagate.

A typer command opts in with ``@direct("module:function")`` (under ``@app.command()``): its body
must call that function, of a module that does not import typer, with every parameter
unchanged. The card records the name; ``call`` imports the function, runs the option callbacks
typer would run (in typer's order), then calls it. Importing this module imports nothing else.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

DIRECT_ATTRIBUTE = "__hmt_direct__"


def direct(target: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a typer command whose body is ``target`` (``"module:function"``), called with the
    command's parameters as they are: the fast path may call ``target`` itself."""
    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        setattr(fn, DIRECT_ATTRIBUTE, target)
        return fn

    return mark


BODY_MODULES = ("hmt_sim.cli.runbody", "hmt_sim.cli.callbacks")
"""The only modules whose functions the fast path calls. The card, a file in the user's cache,
says which function; a name outside these modules is refused, so no card can make hmt-sim
import or call any other code."""


def resolve(target: str) -> Callable[..., Any]:
    """The function ``"module:name"`` names, a module-level function of one of
    ``BODY_MODULES`` (imports it); ImportError for any other name."""
    import importlib

    module, _, name = target.partition(":")
    if module not in BODY_MODULES or not name.isidentifier() or name.startswith("_"):
        raise ImportError(f"{target!r} is not a command body or option callback of hmt-sim")
    fn: Callable[..., Any] | None = getattr(importlib.import_module(module), name, None)
    if fn is None or getattr(fn, "__module__", None) != module or not callable(fn):
        raise ImportError(f"{target!r} is not a function defined in {module}")
    return fn


def parameter_names(fn: Callable[..., Any]) -> tuple[str, ...]:
    """The names ``fn`` takes, positional or keyword (no ``*args``/``**kwargs``)."""
    code = fn.__code__
    return tuple(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])


def call(target: str, kwargs: dict[str, Any], callbacks: list[tuple[str, str]]) -> int | None:
    """Run the option ``callbacks`` (target, parameter name: each value replaced by what its
    callback returns, as click does) and then ``target(**kwargs)``; the exit code, with every
    outcome handled as ``hmt_sim.cli.application.run`` handles it after typer's own main.
    ``None`` (nothing run) when ``target`` does not take exactly the command's parameters:
    typer runs the command line then."""
    from hmt_sim.cli.outcome import fail, os_error
    from hmt_sim.errors import HmtError

    try:
        fn = resolve(target)
        hooks = [(resolve(callback), name) for callback, name in callbacks]
    except (ImportError, AttributeError):
        return None
    if sorted(parameter_names(fn)) != sorted(kwargs):
        return None
    try:
        try:
            for hook, name in hooks:
                kwargs[name] = hook(kwargs[name])
            rv = fn(**kwargs)
        except EOFError:
            print(file=sys.stderr)  # typer: a blank line, then Abort
            print("aborted", file=sys.stderr)
            return 130
        except KeyboardInterrupt:
            return 130  # typer: Exit(130), silently
        except OSError as error:
            import errno

            if error.errno == errno.EPIPE:  # typer: quiet streams, exit 1
                from typer._click.utils import PacifyFlushWrapper

                sys.stdout = PacifyFlushWrapper(sys.stdout)
                sys.stderr = PacifyFlushWrapper(sys.stderr)
                sys.exit(1)
            raise
    except HmtError as error:
        return fail(error)
    except OSError as error:
        return os_error(error)
    except Exception as error:
        if type(error).__module__.split(".")[0] in ("typer", "click"):
            from hmt_sim.cli.outcome import exit_code  # a body that used typer's exits

            return exit_code(error)
        raise
    return rv if isinstance(rv, int) else 0
