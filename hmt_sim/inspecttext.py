"""What Inspect shows, in words of the room's language: the lines of the sensor evidence and of
the AI's reasons (``hmt_sim.inspection``), shared by the pygame card and the seat pages so a
Dutch room reads no English key names. Each line is (text, tone); the tone (text, warn, alarm,
ai, dim) tells a screen how loud to draw it."""

from __future__ import annotations

from typing import Any

from hmt_sim.cardreason import RULE_REASONS
from hmt_sim.i18n import N_, _, decimal

Line = tuple[str, str]

# The signatures sensors tell apart (contact categories of the bundled scenarios); a scenario's
# own category is shown as written.
SIGNATURES = (N_("civilian vehicle"), N_("cooperative air"), N_("crewed aircraft"),
              N_("large aircraft"), N_("large vessel"), N_("light aircraft"),
              N_("military by nature"), N_("non cooperative air"), N_("small craft"),
              N_("small uav"))

# Force gates that block (``hmt_sim.roe.force_gates``), in words; referrals are worded by
# ``cardreason.RULE_REASONS``.
BLOCK_REASONS: dict[str, str] = {
    "doubt": N_("the chance that it is civilian is above what the rules of engagement allow"),
    "proportionality": N_("the expected harm to civilians outweighs the military advantage"),
    "protected_site": N_("a protected site is within the weapon's reach"),
}


def clock(t: float) -> str:
    """Simulation seconds as MM:SS (H:MM:SS past an hour), as the screens show time."""
    h, rem = divmod(int(t), 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"


def evidence_lines(ev: dict[str, Any]) -> list[Line]:
    """The sensor picture of a track (``inspection.evidence``) as sentences."""
    lines: list[Line] = []
    if ev.get("sensor"):
        seen = ev.get("first_seen_t")
        lines.append((_("seen by {sensor} since {t}").format(
            sensor=ev["sensor"], t=clock(seen) if seen is not None else "?"), "text"))
    if ev.get("range_km") is not None:
        lines.append((decimal(_("{range:.1f} km from the defended asset, {speed:.0f} m/s").format(
            range=ev["range_km"], speed=ev.get("speed_mps") or 0.0)), "text"))
    if ev.get("heading_deg") is not None:
        toward = (_("heading for the asset") if ev.get("heading_for_asset")
                  else _("not heading for the asset"))
        lines.append((_("course {heading:.0f} degrees: {toward}").format(
            heading=ev["heading_deg"], toward=toward),
            "warn" if ev.get("heading_for_asset") else "text"))
    if ev.get("signature"):
        lines.append((_("signature: {signature}").format(
            signature=_word(str(ev["signature"]))), "text"))
    if ev.get("region"):
        lines.append((_("over {region}").format(region=ev["region"]), "text"))
    return lines


def reasons_lines(rs: dict[str, Any]) -> list[Line]:
    """The AI's reasons for a card's call (``inspection.reasons``) as sentences."""
    lines: list[Line] = []
    if not rs.get("advice_shown", True):
        lines.append((_("the AI gives no assessment at this level"), "dim"))
    elif rs.get("probabilities"):
        p = rs["probabilities"]
        lines.append((_("hostile {hostile:.0%}, civilian {civilian:.0%}").format(
            hostile=p.get("hostile", 0.0), civilian=p.get("civilian", 0.0)), "ai"))
    if rs.get("features"):
        lines.append((_("its call rests on: {features}").format(
            features=", ".join(str(f) for f in rs["features"])), "text"))
    bias = rs.get("region_bias", 1.0) or 1.0
    if bias != 1.0:
        lines.append((decimal(_("data bias here: false alarms x{bias:g}").format(bias=bias)),
                      "warn" if bias > 1 else "text"))
    if rs.get("drift_detected"):
        lines.append((_("drift detected: the data no longer looks like the training data"),
                      "warn"))
    if rs.get("spoofing_suspected"):
        lines.append((_("spoofing suspected on this track"), "alarm"))
    return lines


def _word(word: str) -> str:
    """An engine word (``reliability_floor``, ``referred``, ``small_uav``) in the room's
    language (the report's vocabulary and ``SIGNATURES`` hold the messages)."""
    return _(word.replace("_", " "))


def gate_line(gate: dict[str, Any]) -> str:
    """One rule check on a decision (a ``gate`` event: rule, outcome, detail) as a sentence;
    the logged English detail only for a rule this module has no words for."""
    rule, detail = str(gate.get("rule") or ""), str(gate.get("detail") or "")
    head = _("Rule check {rule}: {outcome}").format(rule=_word(rule),
                                                    outcome=_word(str(gate.get("outcome"))))
    key = "drift" if rule == "reliability_floor" and detail.startswith("drift") else rule
    why = RULE_REASONS.get(key) or BLOCK_REASONS.get(key)
    if why is not None:
        return f"{head} - {_(why)}"
    return f"{head} ({detail})" if detail else head
