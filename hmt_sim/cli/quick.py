"""Answer ``--help``, ``--version`` and argument errors without importing typer.

Importing typer (and its copy of click) costs several times what the interpreter itself takes
to start, and typer converts option values through pydantic. So the command line keeps a *card*:
every command's rendered help, its usage line and, per parameter, what the parser needs to know
(names, whether it takes a value, its type when that is a plain int or float, whether it is
required). The typer path writes it (``record``) the first time it parses a command line, to
``$XDG_CACHE_HOME/hmt-sim/`` (default ``~/.cache/hmt-sim/``), with ``marshal`` (built in, the
fastest to read; its format is Python's own, so the Python version is part of the key). The card
is keyed by a fingerprint of everything that shapes the help: the size and modification time of
each module of ``hmt_sim.cli``, of ``hmt_sim.i18n`` and of typer itself, the package and Python
versions, and the help width (the terminal's). A changed source, another width or an unreadable
cache simply means typer answers, as before.

``answer`` handles only what it can decide with certainty, exactly as typer would print it
(tests/test_cli_startup.py compares the two outputs case by case): the top-level help (also for
no arguments), the version, a command's ``--help``, an unknown command or option, an option
without its value, a missing argument, an extra argument, and an int or float option given a
word. Anything else (a short-option cluster, a callback that may refuse a value, a type it does
not model, a valid command line) returns ``None`` and typer parses the line.
"""

from __future__ import annotations

import marshal
import os
import sys

TYPE_CHECKING = False  # typing itself is not imported: it costs more than this module
if TYPE_CHECKING:
    from typing import Any

CARD_FORMAT = 2
INT_MESSAGE = "Input should be a valid integer, unable to parse string as an integer"
FLOAT_MESSAGE = "Input should be a valid number, unable to parse string as a number"
_NOT_A_WORD = {"inf", "infinity", "nan"}


# ------------------------------------------------------------------------------ where and when
def cache_dir() -> str:
    """The folder that holds the cards (XDG base directory layout)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "hmt-sim")


def help_width() -> int:
    """The width click wraps help at: the terminal's columns, at most 80, minus 2 (at least 50),
    read the way ``shutil.get_terminal_size`` reads it (without importing shutil)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    if columns <= 0:
        columns = 80
    return max(min(columns, 80) - 2, 50)


def _stat_key(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return f"{path}:-"
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def fingerprint() -> str:
    """What the card depends on, as one string (compared whole, never parsed)."""
    from hmt_sim import __version__

    here = os.path.dirname(os.path.abspath(__file__))
    package = os.path.dirname(here)
    parts = [f"card {CARD_FORMAT}", f"hmt-sim {__version__}", sys.version,
             f"width {help_width()}"]
    try:
        names = sorted(n for n in os.listdir(here) if n.endswith(".py"))
    except OSError:
        names = []
    parts += [_stat_key(os.path.join(here, n)) for n in names]
    parts.append(_stat_key(os.path.join(package, "i18n.py")))
    parts.append(_stat_key(os.path.join(package, "__init__.py")))
    for entry in sys.path:  # typer's own version, without importing it
        init = os.path.join(entry or ".", "typer", "__init__.py")
        if os.path.isfile(init):
            parts.append(_stat_key(init))
            break
    return "\n".join(parts)


def _card_path(print_: str) -> str:
    import zlib  # built in: hashlib would cost more than the rest of this module

    return os.path.join(cache_dir(), f"cli-{zlib.crc32(print_.encode('utf-8')):08x}.marshal")


def load_card() -> dict[str, Any] | None:
    """The card for this fingerprint, or ``None`` (missing, stale, unreadable)."""
    print_ = fingerprint()
    try:
        with open(_card_path(print_), "rb") as f:
            card = marshal.loads(f.read())  # load(f) reads in small pieces: far slower
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(card, dict) or card.get("fingerprint") != print_:
        return None
    return card


# ------------------------------------------------------------------------------ writing the card
def record(group: Any) -> None:
    """Write the card for ``group`` (the click group typer built) if none is current. Never
    fails the command: a read-only home or a full disk only means typer answers next time."""
    try:
        if load_card() is not None:
            return
        print_ = fingerprint()
        card = {"fingerprint": print_, "format": CARD_FORMAT, **describe(group)}
        path = _card_path(print_)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            marshal.dump(card, f)
        os.replace(tmp, path)
    except Exception:  # a cache must never break the command line
        return


def describe(group: Any) -> dict[str, Any]:
    """What ``answer`` needs of ``group`` and each command in it, rendered by click itself."""
    # Contexts made without parsing anything: parsing would convert values (typer imports
    # pydantic for that), and help needs none.
    root = group.context_class(group, info_name="hmt-sim")
    commands = {}
    for name, command in group.commands.items():
        ctx = command.context_class(command, info_name=name, parent=root)
        commands[name] = _describe_command(command, ctx)
    out = _describe_command(group, root)
    out["commands"] = commands
    out["callback_noop"] = (_does_nothing(group.callback)
                            and getattr(group, "_result_callback", None) is None)
    return {"root": out}


def _does_nothing(callback: Any) -> bool:
    """The group's own callback (typer's wrapper of ``@app.callback()``) has an empty body, so
    a command run without it behaves the same."""
    def empty() -> None:
        """Only a docstring."""

    fn = getattr(callback, "__wrapped__", callback)
    code = getattr(fn, "__code__", None)
    return code is not None and code.co_code == empty.__code__.co_code


def _header(ctx: Any) -> str:
    """What a usage error prints before ``Error:`` (click's ``UsageError.show``)."""
    hint = ""
    if ctx.command.get_help_option(ctx) is not None:
        hint = f"Try '{ctx.command_path} {ctx.help_option_names[0]}' for help.\n"
    return f"{ctx.get_usage()}\n{hint}"


def _describe_command(command: Any, ctx: Any) -> dict[str, Any]:
    params = [_describe_param(p, ctx) for p in command.get_params(ctx)]
    return {"help": ctx.get_help(), "header": _header(ctx), "params": params,
            "group": hasattr(command, "commands"), "no_args_is_help": command.no_args_is_help,
            "extra_args": bool(ctx.allow_extra_args), "interspersed": ctx.allow_interspersed_args,
            "context_settings": bool(command.context_settings),
            "target": _direct_target(command)}


def _direct_target(command: Any) -> str:
    """The typer-free function the command's body calls (``@direct``), or ``""``."""
    from hmt_sim.cli.direct import DIRECT_ATTRIBUTE

    return str(getattr(getattr(command, "callback", None), DIRECT_ATTRIBUTE, "") or "")


def _describe_param(param: Any, ctx: Any) -> dict[str, Any]:
    is_option = param.param_type_name == "option"
    return {
        "name": param.name, "option": is_option, "opts": list(param.opts),
        "secondary": list(getattr(param, "secondary_opts", [])),
        "takes_value": is_option and not (param.is_flag or param.count),
        "nargs": param.nargs, "multiple": bool(getattr(param, "multiple", False)),
        "required": bool(param.required), "eager": bool(param.is_eager),
        "callback": param.callback is not None,
        "envvar": bool(param.envvar) or bool(ctx.auto_envvar_prefix),
        "prompt": bool(getattr(param, "prompt", None)),
        "kind": _kind(param), "hint": _error_hint(param, ctx),
        "help_option": is_option and param.is_eager and param.name == "help",
        **_conversion(param),
    }


# The default of a parameter the fast path can pass on: typer converts these to themselves.
_PLAIN_DEFAULTS = (type(None), bool, int, str)


def _conversion(param: Any) -> dict[str, Any]:
    """How the fast path turns this parameter's words into the value typer passes: ``convert``
    (``str``, ``int``, ``path``, ``flag``; ``""`` when not modelled), the ``default``, whether
    an existing path must be readable, and the callback to run (``module:qualname``; ``""``
    when there is none or it is not known to be typer-free)."""
    facts: dict[str, Any] = {"convert": "", "default": None, "readable": False,
                             "callback_target": _callback_target(param)}
    default = getattr(param, "default", None)
    if (getattr(param, "deprecated", False) or not param.expose_value
            or type(default) not in _PLAIN_DEFAULTS or callable(default)):
        return facts
    convert = _kind(param)
    multi = bool(getattr(param, "multiple", False)) or param.nargs == -1
    if convert == "flag":
        if not (getattr(param, "is_bool_flag", False) and isinstance(default, bool)
                and not multi):
            return facts
    elif convert == "int":
        if isinstance(default, bool) or not isinstance(default, int | type(None)):
            return facts
    elif convert == "text":
        descriptor = param.type_descriptor
        annotation = descriptor.annotation
        if descriptor.is_list:
            annotation = getattr(annotation, "__args__", (None,))[0]
        info = descriptor.parameter_info
        if getattr(info, "parser", None) is not None:
            return facts
        if annotation is str:
            convert = "str"
            if not isinstance(default, str | type(None)):
                return facts
        else:  # a plain Path (``_kind`` checked its options): typer stats it
            if default is not None or getattr(info, "resolve_path", False) or getattr(
                    info, "allow_dash", False) or getattr(info, "path_type", None) is not None:
                return facts
            convert = "path"
            facts["readable"] = bool(getattr(info, "readable", True))
    else:
        return facts
    if multi and default is not None:
        return facts
    facts.update(convert=convert, default=default)
    return facts


def _callback_target(param: Any) -> str:
    """``module:qualname`` of the parameter's own callback when it lives in
    ``hmt_sim.cli.callbacks`` (typer-free, value-only), else ``""``."""
    fn = getattr(param.callback, "__wrapped__", None)
    if fn is None or getattr(fn, "__module__", "") != "hmt_sim.cli.callbacks":
        return ""
    if fn.__code__.co_argcount != 1 or fn.__code__.co_kwonlyargcount:
        return ""
    return f"{fn.__module__}:{fn.__qualname__}"


def _error_hint(param: Any, ctx: Any) -> str:
    """How errors name the parameter (typer's parameters take no context, click's do)."""
    try:
        return str(param.get_error_hint())
    except TypeError:
        return str(param.get_error_hint(ctx))


def _kind(param: Any) -> str:
    """``int``, ``float``, ``text`` (any string is accepted), ``flag`` or ``other``."""
    if param.param_type_name == "option" and (param.is_flag or param.count):
        return "flag" if param.is_flag else "other"
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None:
        return "other"
    annotation = descriptor.annotation
    if descriptor.is_list:
        inner = getattr(annotation, "__args__", (None,))
        annotation = inner[0] if len(inner) == 1 else None
    if getattr(param, "min", None) is not None or getattr(param, "max", None) is not None:
        return "other"
    info = descriptor.parameter_info
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    if annotation is str and not getattr(info, "click_type", None):
        return "text"
    from pathlib import Path

    if annotation is Path and not (getattr(info, "exists", False)
                                   or not getattr(info, "file_okay", True)
                                   or not getattr(info, "dir_okay", True)
                                   or getattr(info, "writable", False)):
        return "text"
    return "other"


# ------------------------------------------------------------------------------ answering
class Defer(Exception):
    """This command line needs typer."""


class Plan:
    """A well-formed command line of a command with a typer-free body (``@direct``): the
    function to call, every parameter's value as typer would pass it, and the option callbacks
    to run first, in typer's order (target, parameter name). ``hmt_sim.cli.direct.call``
    runs it."""

    __slots__ = ("callbacks", "kwargs", "target")

    def __init__(self, target: str, kwargs: dict[str, Any],
                 callbacks: list[tuple[str, str]]) -> None:
        self.target, self.kwargs, self.callbacks = target, kwargs, callbacks


def respond(argv: list[str]) -> int | Plan | None:
    """Answer ``argv`` from the card: an exit code once what typer would print is printed, a
    ``Plan`` for a command line the fast path runs without typer, or ``None`` when typer must
    parse it (no current card, shell completion, or a case not modelled)."""
    if os.environ.get("_HMT_SIM_COMPLETE"):
        return None  # typer's shell completion
    card = load_card()
    if card is None:
        return None
    try:
        return _root(card["root"], argv)
    except _Error as stop:
        return stop.code
    except (Defer, KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None


def answer(argv: list[str]) -> int | None:
    """Print what typer would print for ``argv`` and return the exit code, or ``None`` when
    typer (or the fast path) must run it: a valid command line, or a case not modelled."""
    rc = respond(argv)
    return rc if isinstance(rc, int) else None


def _out(text: str, err: bool) -> None:
    (sys.stderr if err else sys.stdout).write(text + "\n")


def _usage_error(spec: dict[str, Any], message: str) -> int:
    _out(f"{spec['header']}\nError: {message}", err=True)
    return 2


def _root(spec: dict[str, Any], argv: list[str]) -> int | Plan | None:
    if not argv:
        if not spec["no_args_is_help"]:
            raise Defer
        _out(spec["help"], err=True)  # click: NoArgsIsHelpError, a usage error
        return 2
    params = spec["params"]
    longs, shorts = _option_tables(params)
    order: list[dict[str, Any]] = []
    rest = list(argv)
    while rest and rest[0][:1] == "-" and len(rest[0]) > 1 and rest[0] != "--":
        order.append(_match(spec, rest.pop(0), rest, longs, shorts, {}))
    for param in _processing_order(params, order):
        if param["eager"] and param in order:
            return _eager(spec, param)
        if param["callback"] and param in order:
            raise Defer
    if rest and rest[0] == "--":
        rest.pop(0)
    if not rest:
        raise Defer  # click: "Missing command." (rare; typer words it)
    name = rest.pop(0)
    commands = spec["commands"]
    if name not in commands:
        if name[:1] == "-":
            raise Defer
        import difflib

        message = f"No such command {name!r}."
        matches = difflib.get_close_matches(name, list(commands))
        if matches:
            message = f"No such command {name!r}. Did you mean {', '.join(map(repr, matches))}?"
        return _usage_error(spec, message)
    rc = _command(commands[name], rest)
    if isinstance(rc, Plan) and (order or not spec["callback_noop"]):
        raise Defer  # an option of the group given, or a group callback that does something
    return rc


def _option_tables(params: list[dict[str, Any]]
                   ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Option name -> parameter, split the way click's parser splits them (``-x`` is short)."""
    longs: dict[str, dict[str, Any]] = {}
    shorts: dict[str, dict[str, Any]] = {}
    for param in params:
        if not param["option"]:
            continue
        for opt in [*param["opts"], *param["secondary"]]:
            prefix = opt[:2] if opt[:2] == "--" else opt[:1]
            (shorts if len(prefix) == 1 and len(opt) == 2 else longs)[opt] = param
    return longs, shorts


def _match(spec: dict[str, Any], arg: str, rest: list[str], longs: dict[str, dict[str, Any]],
           shorts: dict[str, dict[str, Any]], values: dict[str, list[str]]) -> dict[str, Any]:
    """One option token (click's ``_process_opts``): the parameter it names; its value, if it
    takes one, is taken from ``rest`` into ``values``. Raises ``_Error`` or ``Defer``."""
    name, explicit = arg.split("=", 1) if "=" in arg else (arg, None)
    param = longs.get(name)
    if param is None and arg[:2] != "--":
        if len(arg) != 2 or arg not in shorts:
            raise Defer  # a short-option cluster or an unknown short option
        name, explicit, param = arg, None, shorts[arg]
    if param is None:
        import difflib

        possible = difflib.get_close_matches(name, list(longs))
        message = f"No such option: {name}"
        if possible:
            message += f" (Possible options: {', '.join(sorted(possible))})"
        raise _Error(_usage_error(spec, message))
    if not param["takes_value"]:
        if explicit is not None:
            raise Defer
        values.setdefault(param["name"], []).append(name)  # which spelling: --x or --no-x
        return param
    if param["nargs"] != 1:
        raise Defer
    if explicit is not None:
        value = explicit
    elif rest:
        value = rest.pop(0)
    else:
        _out(f"Error: Option {name!r} requires an argument.", err=True)  # click: no usage
        raise _Error(2)
    values.setdefault(param["name"], []).append(value)
    return param


class _Error(Exception):
    """Carries an exit code out of the parser once the error is printed."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _processing_order(params: list[dict[str, Any]], order: list[dict[str, Any]]
                      ) -> list[dict[str, Any]]:
    """click's ``iter_params_for_processing``: eager first, then in the order given on the
    command line, then the rest in declaration order."""
    def key(param: dict[str, Any]) -> tuple[bool, float]:
        position = next((i for i, p in enumerate(order) if p is param), None)
        return (not param["eager"], float("inf") if position is None else position)

    return sorted(params, key=key)  # stable: ties keep the declaration order


def _eager(spec: dict[str, Any], param: dict[str, Any]) -> int:
    if param["help_option"]:
        _out(spec["help"], err=False)
        return 0
    if param["name"] == "version":
        from hmt_sim import __version__

        _out(f"hmt-sim {__version__}", err=False)
        return 0
    raise Defer


def _command(spec: dict[str, Any], argv: list[str]) -> int | Plan | None:
    try:
        return _parse_command(spec, argv)
    except _Error as stop:
        return stop.code


def _parse_command(spec: dict[str, Any], argv: list[str]) -> int | Plan | None:
    if spec["group"] or spec["context_settings"] or spec["extra_args"] or not spec["interspersed"]:
        raise Defer
    if not argv and spec["no_args_is_help"]:
        raise Defer
    params = spec["params"]
    longs, shorts = _option_tables(params)
    values: dict[str, list[str]] = {}
    order: list[dict[str, Any]] = []
    positional: list[str] = []
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            positional += rest
            break
        if arg[:1] == "-" and len(arg) > 1:
            order.append(_match(spec, arg, rest, longs, shorts, values))
        else:
            positional.append(arg)
    arguments = [p for p in params if not p["option"]]
    extra = _assign(arguments, positional, values, order)
    processing = _processing_order(params, order)
    called = False  # an option callback ran before the error: typer words that case
    for param in processing:
        invoked = any(p is param for p in order)
        if param["eager"]:
            if invoked:
                return _eager(spec, param)
            continue
        if param["prompt"] or param["envvar"]:
            raise Defer
        if invoked and param["callback"]:
            if not param["callback_target"]:
                raise Defer
            called = True
        given = values.get(param["name"])
        if not given and not (param["option"] and invoked):
            if param["required"]:
                if param["option"] or called:
                    raise Defer  # not modelled: no command has a required option
                return _usage_error(spec, f"Missing argument {param['hint']}.")
            continue
        if param["kind"] in ("flag", "text"):
            continue
        if param["kind"] not in ("int", "float"):
            raise Defer
        for value in given or []:
            if _not_a_number(value):
                if called:
                    raise Defer
                message = INT_MESSAGE if param["kind"] == "int" else FLOAT_MESSAGE
                return _usage_error(spec, f"Invalid value for {param['hint']}: {message}")
    if extra:
        if called:
            raise Defer
        return _usage_error(spec, f"Got unexpected extra argument(s) ({' '.join(extra)})")
    return _plan(spec, processing, values)  # a valid command line


def _plan(spec: dict[str, Any], processing: list[dict[str, Any]],
          values: dict[str, list[str]]) -> Plan:
    """What typer would call for a valid command line (``Defer`` unless every value converts
    for certain and the command's body is typer-free)."""
    target = spec.get("target")
    if not target:
        raise Defer
    kwargs: dict[str, Any] = {}
    callbacks: list[tuple[str, str]] = []
    for param in processing:
        if param["help_option"]:
            continue
        if not param["convert"] or param["eager"]:
            raise Defer
        words = values.get(param["name"])
        if not words:
            value = param["default"]
        elif param["multiple"] or param["nargs"] == -1:
            value = [_convert(param, word) for word in words]
        else:
            value = _convert(param, words[-1])  # click: the last one given wins
        kwargs[param["name"]] = value
        if param["callback"]:
            if not param["callback_target"]:
                raise Defer
            callbacks.append((param["callback_target"], param["name"]))
    return Plan(target, kwargs, callbacks)


def _convert(param: dict[str, Any], word: str) -> Any:
    """The value typer's conversion gives ``word``, where it is certain; else ``Defer``."""
    convert = param["convert"]
    if convert == "flag":
        return word not in param["secondary"]  # --x: True, --no-x: False
    try:
        word.encode("utf-8")  # a word that is not text (undecodable argv): typer's call
    except UnicodeEncodeError:
        raise Defer from None
    if convert == "str":
        return word
    if convert == "int":
        digits = word[1:] if word[:1] == "-" else word
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 18 or (
                digits[:1] == "0" and digits != "0"):
            raise Defer  # only the plain spelling: pydantic reads more ("+5", "5_000", "5.0")
        return int(word)
    if convert == "path" and "\0" not in word:
        from pathlib import Path  # loaded at start-up already (site)

        if param["readable"] and os.path.exists(word) and not os.access(word, os.R_OK):
            raise Defer  # typer: "... is not readable."
        return Path(word)
    raise Defer


def _assign(arguments: list[dict[str, Any]], positional: list[str],
            values: dict[str, list[str]], order: list[dict[str, Any]]) -> list[str]:
    """Positional values to arguments (click's ``_unpack_args`` for nargs 1 and one trailing
    nargs -1); the values left over."""
    if any(a["nargs"] not in (1, -1) for a in arguments) or any(
            a["nargs"] == -1 for a in arguments[:-1]):
        raise Defer
    rest = list(positional)
    for argument in arguments:
        if argument["nargs"] == -1:
            taken, rest = rest, []
        else:
            taken, rest = rest[:1], rest[1:]
        if taken:
            values[argument["name"]] = taken
        order.append(argument)  # click's parser lists every argument, after the options
    return rest


def _not_a_number(value: str) -> bool:
    """Certainly not an int or a float to pydantic: no digit at all (and not inf or nan)."""
    word = value.strip().lower().lstrip("+-")
    return not any(c.isdigit() for c in value) and word not in _NOT_A_WORD
