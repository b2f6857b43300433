"""The table of action classes: what each action the AI can recommend *is*, in one place.

An action class is a record, not a string compared in many modules: whether it is a use of
force (autonomy gates, "acting on a civilian is wrong"), whether it is lethal (force gates,
civilian harm, two-person and anti-personnel rules), where it sits on the AI's ladder of
escalating responses, its escalation category and the push it gives the adversary, and the words
reports use for it. The engine, the metrics, the report and the visualiser all read this table,
so a new action class is one ``register_action`` call (plus its effect, see ``effect``) and
nothing else.

This module is a definition below both the engine and the metrics: it imports neither.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MONITOR = "monitor"
"""Keep watching: needs no authorisation, has no level and no effect (not in the table)."""


@dataclass(frozen=True, slots=True)
class ActionClass:
    """One action the AI may recommend and someone must authorise.

    ``rank`` orders the AI's ladder (the least forceful fitting action is recommended first);
    ``fits`` says whether the action fits a situation (see ``Situation``); ``effect`` names the
    engine routine that carries it out (``"warning"`` or ``"strike"``) or is a generator
    function ``effect(pipeline, decision)`` of a plugin-style action, returning a result string
    (``"success"`` ends the track's decisions; anything else lets the AI decide again).
    """

    name: str
    rank: int
    force: bool  # a use of force: wrong on a civilian; subject to autonomy gates on force
    lethal: bool  # kinetic: force gates, civilian harm, uses-of-force metrics
    escalation_category: str  # a category of the escalation score table (Rivera et al. 2024)
    push: str | None  # escalation.pushes key given to red on every use; None: by outcome
    verb: str  # past tense for reports: "engaged", "jammed", "warned"
    needs_effector: bool = True  # warnings go out by radio and need none
    default_level: int = 5  # level when a scenario's autonomy.levels names none for it
    effect: str | Callable[..., Any] = "strike"
    fits: Callable[[Situation], bool] | None = None  # None: always fits (the last resort)
    ends_on: tuple[str, ...] = ("success", "blocked", "lapsed")  # results that end the track
    requires: str | None = None  # a contact-kind flag the action needs (jam: "jammable")

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.name == MONITOR:
            raise ValueError(f"action class name must be an identifier other than 'monitor', "
                             f"got {self.name!r}")
        if not 1 <= self.default_level <= 10:
            raise ValueError(f"action class {self.name}: default level must be 1-10")


@dataclass(frozen=True, slots=True)
class Situation:
    """What the AI weighs when it picks an action for a track it calls hostile."""

    confidence: float
    time_left_s: float
    engage_confidence: float
    warning_response_s: float
    usable: frozenset[str]  # action classes with an effector that could still act on the track
    tried: frozenset[str]  # action classes already tried on this track without ending it


def _warn_fits(s: Situation) -> bool:
    # Unsure and with time for an answer: warn first (once).
    return ("warn" not in s.tried and s.confidence < s.engage_confidence
            and s.time_left_s > s.warning_response_s * 1.5)


def _jam_fits(s: Situation) -> bool:
    # A jammable contact far enough out: jam rather than shoot (until jamming fails).
    return "jam" in s.usable and "jam" not in s.tried and s.time_left_s > 30.0


BUILT_IN: tuple[ActionClass, ...] = (
    ActionClass("warn", rank=10, force=False, lethal=False, escalation_category="posturing",
                push="show_of_force", verb="warned", needs_effector=False,
                effect="warning", fits=_warn_fits, ends_on=("complied",)),
    ActionClass("jam", rank=20, force=True, lethal=False,
                escalation_category="non_violent_escalation", push="jamming", verb="jammed",
                fits=_jam_fits, ends_on=("success",), requires="jammable"),
    ActionClass("engage", rank=100, force=True, lethal=True,
                escalation_category="violent_escalation", push=None, verb="engaged"),
)

_TABLE: dict[str, ActionClass] = {a.name: a for a in BUILT_IN}
_LADDER: tuple[ActionClass, ...] | None = None
"""``_TABLE`` in ladder order, sorted once per change of the table (the engine asks for the
ladder at every recommendation)."""


def register_action(action: ActionClass, replace: bool = False) -> ActionClass:
    """Add an action class to the table (for every scenario loaded afterwards in this
    process). Its effectors name it in ``blue.effectors[].action``; its level is set like any
    other (``autonomy.levels.NAME``)."""
    if action.name in _TABLE and not replace:
        raise ValueError(f"action class {action.name!r} is already registered "
                         "(pass replace=True to replace it)")
    if action.fits is None:
        last = [a.name for a in _TABLE.values() if a.fits is None and a.name != action.name]
        if last:
            raise ValueError(f"action class {action.name!r} has no fits rule, so it would be a "
                             f"second last resort beside {last[0]!r}; give it a fits rule")
    global _LADDER
    _TABLE[action.name] = action
    _LADDER = None
    return action


def unregister_action(name: str) -> None:
    """Remove a registered action class (built-in ones stay)."""
    if name in {a.name for a in BUILT_IN}:
        raise ValueError(f"{name!r} is a built-in action class")
    global _LADDER
    _TABLE.pop(name, None)
    _LADDER = None


def names() -> tuple[str, ...]:
    """Every action class, in ladder order (least forceful first)."""
    return tuple(a.name for a in ladder())


def ladder() -> list[ActionClass]:
    """The action classes the AI considers, least forceful first."""
    return list(ladder_tuple())


def ladder_tuple() -> tuple[ActionClass, ...]:
    """``ladder()`` without the copy: the same tuple until the table changes (so a caller may
    keep what it derived from it while ``ladder_tuple() is`` the tuple it derived it from)."""
    global _LADDER
    if _LADDER is None:
        _LADDER = tuple(sorted(_TABLE.values(), key=lambda a: (a.rank, a.name)))
    return _LADDER


def get(name: str) -> ActionClass:
    """The action class called ``name``; a KeyError naming the known ones otherwise."""
    try:
        return _TABLE[name]
    except KeyError:
        close = difflib.get_close_matches(str(name), list(_TABLE), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"unknown action class {name!r}{hint} (known: "
                       f"{', '.join(names())})") from None


def is_force(name: str) -> bool:
    """A use of force (jamming or kinetic), as autonomy gates and reliance metrics count it.
    An action class not in the table is a KeyError naming the known ones (a log written with
    an action class registered elsewhere cannot be counted silently wrong)."""
    return get(name).force


def is_lethal(name: str) -> bool:
    """A kinetic use of force (what 'uses of force' and civilian-harm metrics count)."""
    return get(name).lethal


def is_warning(name: str) -> bool:
    """Carried out as a radio warning (the contact complies or ignores it)."""
    return get(name).effect == "warning"


def choose(situation: Situation) -> str:
    """The least forceful action class that fits. An action with no ``fits`` rule is the last
    resort: it is recommended even with no effector (the pipeline then finds it cannot act)."""
    for action in ladder_tuple():
        if action.fits is None:
            return action.name
        if action.needs_effector and action.name not in situation.usable:
            continue
        if action.fits(situation):
            return action.name
    raise LookupError("no action class is a last resort (one needs fits=None)")
