"""How the command line ends on an exception: the message printed, the exit code. Shared by
typer's path (``hmt_sim.cli.application.run``) and the fast path (``hmt_sim.cli.direct``), so
both end a command the same way. Importing this module imports nothing else; typer is imported
only to judge an exception once one arrived.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing itself is not imported at run time
if TYPE_CHECKING:
    from hmt_sim.errors import HmtError


def fail(error: HmtError) -> int:
    """Print a user error without a traceback; 2 for bad input, 1 for a failed run."""
    from hmt_sim.errors import InputError, ScenarioError

    print(str(error), file=sys.stderr)
    return 2 if isinstance(error, ScenarioError | InputError) else 1


def os_error(error: OSError) -> int:
    """A path the user gave that cannot be read or written: the message, exit 2."""
    where = f"{error.filename}: " if error.filename else ""
    print(f"error: {where}{error.strerror or error}", file=sys.stderr)
    return 2


def exit_code(error: BaseException) -> int:
    """What an exception out of the command line means: its message printed, its exit code.
    Re-raises an exception that is none of the tool's, typer's or the system's known ones."""
    import typer

    from hmt_sim.errors import HmtError

    if isinstance(error, HmtError):
        return fail(error)
    if isinstance(error, typer.Exit):
        return int(error.exit_code or 0)
    if isinstance(error, typer.Abort):
        print("aborted", file=sys.stderr)
        return 130
    if isinstance(error, KeyboardInterrupt):
        print("interrupted", file=sys.stderr)
        return 130
    if isinstance(error, OSError):  # a path the user gave that cannot be read or written
        return os_error(error)
    if isinstance(error, typer.TyperException):  # usage errors: bad option, bad value (click's)
        show = getattr(error, "show", None)
        if show is not None:
            show()
        else:
            print(str(error), file=sys.stderr)
        return int(getattr(error, "exit_code", 2) or 2)
    raise error
