"""The report's last section: how it was made and the command that reproduces it.

The command is one a reader can paste: ``hmt-sim replay SESSION`` for a session (the session file
holds scenario, seed and every input), ``hmt-sim run SCENARIO --seed N --set ...`` for a run
directory made by ``hmt-sim run``. A run that carries inputs (made through the Python API) has no
command-line equivalent, and the section says so instead of naming an option that does not exist.
"""

from __future__ import annotations

import json
import shlex
from html import escape
from typing import Any

from hmt_sim import __version__
from hmt_sim.i18n import _, ngettext
from hmt_sim.report import extract
from hmt_sim.report.parts import clock, section
from hmt_sim.report.source import ReportSource


def _set_value(value: Any) -> str:
    """An override as ``--set`` reads it back (strings bare, the rest as JSON, which is YAML)."""
    return value if isinstance(value, str) else json.dumps(value)


def reproduce_commands(src: ReportSource) -> list[str]:
    """Shell commands that reproduce the run or session event for event (empty: none does)."""
    if src.kind == "session":
        path = shlex.quote(str(src.path))
        return [f"hmt-sim replay {path}", f"hmt-sim report {path}"]
    if src.inputs:
        return []
    scenario = src.scenario_source or src.scenario.id
    words = ["hmt-sim", "run", scenario, "--seed", str(src.seed)]
    for key, value in src.overrides.items():
        words += ["--set", f"{key}={_set_value(value)}"]
    return [shlex.join(words)]


def _version_note(src: ReportSource) -> str:
    if src.kind == "session":
        if src.created:
            return _("re-simulated with hmt-sim {version} from a session started {created}"
                     ).format(version=__version__, created=src.created)
        return _("re-simulated with hmt-sim {version}").format(version=__version__)
    if src.version is None:
        return _("made with hmt-sim {version}").format(version=__version__)
    if src.version == __version__:
        return _("made with hmt-sim {version}, the version that recorded the run").format(
            version=__version__)
    return _("made with hmt-sim {version}; the run was recorded with hmt-sim {recorded}").format(
        version=__version__, recorded=src.version)


def method_section(src: ReportSource) -> str:
    """How the report was made, which version made it, and how to reproduce it."""
    if src.kind == "session":
        made = _("This report was re-simulated from the session's scenario, seed and inputs.")
    else:
        made = _("This report was read from the run directory's event log and metrics.json.")
    if src.recorded_to is not None and src.recorded_to < src.scenario.run.duration_s:
        made += " " + _("The room stopped at {t}; the rest of the run was simulated with no "
                        "further input, so decisions waiting for a person in a seat timed "
                        "out.").format(t=clock(src.recorded_to))
    counts = extract.input_counts(src.inputs)
    inputs = ", ".join(f"{kind} \u00d7{n}" for kind, n in counts.items()) or _("none")
    n_events = len(src.events)
    text = " ".join((
        made,
        _("A run is a pure function of its scenario, seed and inputs, so the same three "
          "reproduce it event for event."),
        _("Inputs recorded: {inputs}.").format(inputs=inputs),
        _("Report {how}; {events}.").format(
            how=_version_note(src),
            events=ngettext("{n} event", "{n} events", n_events).format(n=n_events)),
    ))
    commands = reproduce_commands(src)
    if commands:
        label = _("Reproduce:") if len(commands) == 1 else _(
            "Reproduce (play it back, or make this report again):")
        code = " ".join(f"<code>{escape(c)}</code>" for c in commands)
        how = f"<p>{escape(label)} {code}</p>"
    else:
        n = len(src.inputs)
        how = "<p>" + escape(ngettext(
            "Reproduce: this run carries {n} input, which hmt-sim run cannot take; re-simulate "
            "it with hmt_sim.session.Session(scenario, seed, inputs=...) using the scenario, "
            "seed and inputs stored in run.json.",
            "Reproduce: this run carries {n} inputs, which hmt-sim run cannot take; re-simulate "
            "it with hmt_sim.session.Session(scenario, seed, inputs=...) using the scenario, "
            "seed and inputs stored in run.json.", n).format(n=n)) + "</p>"
    return section("method", _("How this report was made"), f"<p>{escape(text)}</p>{how}")
