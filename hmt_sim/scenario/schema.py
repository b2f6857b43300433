"""The typed, frozen scenario model.

Every default here is the default of DOMAIN.md (marked [S] sourced or [P] proposed there), so a
short scenario file stays short. Units are in the field names: ``_s`` seconds, ``_km`` kilometres,
``_m`` metres, ``_mps`` metres per second, ``per_km2`` persons per square kilometre.
Coordinates are kilometres in a flat area with the origin at the south-west corner.
"""

# No `from __future__ import annotations` here: pydantic would evaluate every field's annotation
# from its string when each model class is made, about a quarter of this module's import (which
# every run pays). Validators return `Self`, the class being defined.
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    model_serializer,
    model_validator,
)

from hmt_sim import actions, plugins

ACTION_CLASSES: tuple[str, ...] = tuple(a.name for a in actions.BUILT_IN)
"""The built-in actions that need an authorisation decision (``monitor`` needs none and has no
level). Validation reads the live table, ``hmt_sim.actions.names()``, which also holds any action
class registered with ``hmt_sim.actions.register_action``."""

MAX_STEPS = 1_000_000
"""Most ticks, samples, reactions or re-judgements of one track a run may take; real scenarios
need a few thousand."""
MAX_CONTACTS = 200_000
"""Every contact a scenario can spawn; beyond this a run needs gigabytes."""
MAX_TRACK_STEPS = 50_000_000
"""Most contact-ticks (contacts x ticks) and contact re-judgements (contacts x duration /
rejudge_s) one run may take: the work of a run grows with both factors, and at this budget a run
still ends in minutes."""
MAX_SECONDS = 10_000_000.0
"""Longest time any key may name (about 116 days): a run is hours at most."""
MAX_KM = 20_000.0
"""Largest distance or coordinate (half the Earth's circumference), so squared distances and
areas stay finite."""
MAX_FACTOR = 1_000.0
"""Largest multiplier, weight or rate-like coefficient."""
MAX_VALUE = 1_000_000.0
"""Largest amount of value or damage (military advantage, friendly loss, trust counts)."""
MAX_LOG_SIGMA = 3.0
"""Largest spread of a lognormal time (its 95th percentile is then 140 x the median); beyond
it a draw can overflow."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Level = Annotated[int, Field(ge=1, le=10)]
Rung = Annotated[int, Field(ge=0, le=7)]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Seconds = Annotated[float, Field(ge=0.0, le=MAX_SECONDS)]
PositiveSeconds = Annotated[float, Field(gt=0.0, le=MAX_SECONDS)]
Coordinate = Annotated[float, Field(ge=-MAX_KM, le=MAX_KM)]
Distance = Annotated[float, Field(ge=0.0, le=MAX_KM)]
PositiveDistance = Annotated[float, Field(gt=0.0, le=MAX_KM)]
Factor = Annotated[float, Field(ge=0.0, le=MAX_FACTOR)]
Amount = Annotated[float, Field(ge=0.0, le=MAX_VALUE)]
LogSigma = Annotated[float, Field(ge=0.0, le=MAX_LOG_SIGMA)]
Coefficient = Annotated[float, Field(ge=-100.0, le=100.0)]
RungPush = Annotated[float, Field(ge=-7.0, le=7.0)]
Rect = tuple[Coordinate, Coordinate, Coordinate, Coordinate]
MAX_SEED = 2**63 - 1


class Spec(BaseModel):
    """Base for every scenario section: immutable, and unknown keys are errors."""

    # allow_inf_nan=False: `.inf`/`.nan` are valid YAML floats, but an infinite duration never
    # ends and a NaN position poisons every distance.
    # defer_build=True: a model's validator and serializer are built the first time it
    # validates or dumps, not when this module is imported. A run whose scenario comes
    # validated from the command line's cache (hmt_sim.cli.runcache) builds none of them;
    # building them all at import took about 40 ms (and pydantic's scan of installed
    # distributions for its own plugins, another 30 ms).
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False,
        defer_build=True,
    )


class Point(Spec):
    x: Coordinate = Field(description="east coordinate, km")
    y: Coordinate = Field(description="north coordinate, km")


class RunSettings(Spec):
    duration_s: PositiveSeconds = Field(600.0, description="simulated time, seconds")
    tick_s: PositiveSeconds = Field(
        1.0, description="motion and detection update interval, seconds"
    )
    seed: int = Field(
        1, ge=0, le=MAX_SEED, description="default seed when none is given on the command line"
    )
    sample_interval_s: PositiveSeconds = Field(
        5.0, description="time-series sampling interval, seconds"
    )

    @model_validator(mode="after")
    def _bounded_steps(self) -> Self:
        # A tiny tick or sample interval is a valid number but a run that never ends.
        for name in ("tick_s", "sample_interval_s"):
            steps = self.duration_s / getattr(self, name)
            if steps > MAX_STEPS:
                raise ValueError(
                    f"{name} gives {steps:.3g} steps over duration_s; the limit is "
                    f"{MAX_STEPS:,} (use a longer {name} or a shorter duration_s)"
                )
        return self


class Region(Spec):
    id: Identifier
    rect: Rect = Field(
        description="x0, y0, x1, y1 in km (south-west and north-east corners)"
    )
    civilian_density_per_km2: float = Field(0.0, ge=0.0, le=100_000.0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        x0, y0, x1, y1 = self.rect
        if not (x1 > x0 and y1 > y0):
            raise ValueError("rect must be [x0, y0, x1, y1] with x1 > x0 and y1 > y0")
        return self


class ProtectedSite(Spec):
    id: Identifier
    at: Point
    radius_km: PositiveDistance = 0.5
    kind: str = "hospital"


class Area(Spec):
    width_km: PositiveDistance = 60.0
    height_km: PositiveDistance = 60.0
    regions: tuple[Region, ...] = ()
    protected_sites: tuple[ProtectedSite, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        # Two regions with one id would be merged in harm_by_region; two sites would be one name.
        _check_unique({"regions": self.regions, "protected_sites": self.protected_sites})
        return self


class Sensor(Spec):
    id: Identifier
    at: Point
    range_km: PositiveDistance = 25.0


class Effector(Spec):
    id: Identifier
    at: Point
    action: Identifier = Field("engage", description="the action class it carries out "
                               "(engage, jam, or a registered one)")
    range_km: PositiveDistance = 8.0
    p_success: Probability = Field(0.85, description="kill (engage) or defeat (jam) probability")
    time_to_effect_s: Seconds = Field(4.0, description="flight or dwell time to the effect")
    collateral_radius_m: float = Field(
        100.0, ge=0.0, le=100_000.0, description="collateral-effects radius CER"
    )
    p_lethal: Probability = Field(0.3, description="lethality to people inside the CER")
    shots: int = Field(2, ge=1, le=100, description="shots per authorisation before a new decision")


class Blue(Spec):
    defended_asset: Point = Field(default_factory=lambda: Point(x=30.0, y=30.0))
    asset_radius_km: PositiveDistance = 0.5
    sensors: tuple[Sensor, ...] = ()
    effectors: tuple[Effector, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        _check_unique({"sensors": self.sensors, "effectors": self.effectors})
        return self


def _check_unique(groups: Mapping[str, tuple[Region | ProtectedSite | Sensor | Effector, ...]]
                  ) -> None:
    """Refuse a second item with an id already used in its list, naming every duplicate.

    Each message starts with the item's relative path (``regions.2.id: ...``) so the loader can
    point at the line of the duplicate.
    """
    problems: list[str] = []
    for field, items in groups.items():
        first: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.id in first:
                problems.append(f"{field}.{i}.id: duplicate id {item.id!r} (item {first[item.id]} "
                                "of the list has it already); ids must be unique")
            else:
                first[item.id] = i
    if problems:
        raise ValueError("\n".join(problems))


class ContactKind(Spec):
    """What a contact is in truth, and what it looks like to the sensors."""

    true_class: Literal["hostile", "civilian"]
    category: str = Field(
        "military_by_nature",
        description="signature the sensors can see; ROE whitelists refer to it",
    )
    persons_aboard: int = Field(0, ge=0, le=100_000)
    military_advantage: Amount = Field(1.0, description="value of neutralising it")
    speed_mps: float = Field(50.0, gt=0.0, le=10_000.0)
    jammable: bool = False
    complies_with_warning: Probability = Field(
        0.0, description="probability that a warned contact identifies itself and turns away"
    )
    damage_on_impact: Amount = Field(1.0, description="friendly loss if it reaches its target")
    anti_personnel: bool = Field(False, description="engaging it is an anti-personnel use of force")
    transponder: Probability = Field(
        0.0, description="chance a sensor reading shows a civil transponder reply (a cue for "
        "feature classifiers; the parametric AI ignores it)",
    )
    emitter: Probability = Field(
        0.0, description="chance a sensor reading picks up a military emitter - radar, "
        "datalink (a cue for feature classifiers; the parametric AI ignores it)",
    )


class Wave(Spec):
    """A group of hostile contacts launched together toward a target."""

    kind: Identifier
    count: int = Field(ge=0, le=100_000)
    at_s: Seconds = 0.0
    interval_s: Seconds = Field(2.0, description="spacing between launches in the wave")
    origin: Point
    spread_km: Distance = 2.0
    target: Point | None = Field(None, description="default: the defended asset")
    trigger_rung: Rung | None = Field(
        None, description="launch only when red reaches this rung (then at_s is a delay)"
    )


class Traffic(Spec):
    """Civilian or neutral contacts crossing the area on a route."""

    kind: Identifier
    count: int = Field(ge=0, le=100_000)
    start_s: Seconds = 0.0
    interval_s: PositiveSeconds = 30.0
    origin: Point
    destination: Point
    spread_km: Distance = 3.0


class Red(Spec):
    waves: tuple[Wave, ...] = ()


class Drift(Spec):
    delta: Probability = Field(
        0.0, description="accuracy lost per unit of shift D_t (acc_t = acc_0 - delta * D_t)"
    )
    rate_per_s: float = Field(
        0.0, ge=0.0, le=1.0, description="growth of D_t per second from run start"
    )


class Sensing(Spec):
    """Sensor noise on the features a feature classifier observes (hmt_sim/observation.py)."""

    speed_sigma: float = Field(
        0.1, ge=0.0, le=10.0, description="relative error of measured speed"
    )
    heading_sigma_deg: float = Field(
        10.0, ge=0.0, le=360.0, description="error of measured heading, deg"
    )


class AIProfile(Spec):
    classifier: Identifier = Field(
        "parametric", description="registered classifier plugin (docs/plugins.md); the "
        "default is the parametric error-rate model these fields configure",
    )
    sensing: Sensing = Field(default_factory=Sensing)
    reliability: Probability = Field(0.9, description="accuracy of the class judgement")
    confusion: dict[str, dict[str, Probability]] | None = Field(
        None, description="P(reported | true): {hostile: {hostile: TPR}, civilian: {hostile: FPR}}"
    )
    temperature: float = Field(
        0.7, ge=0.01, le=100.0, description="calibration temperature; < 1 over-confident"
    )
    region_bias: dict[str, Factor] = Field(
        default_factory=dict, description="false-positive-rate multiplier per region id"
    )
    rejudge_s: PositiveSeconds = Field(
        30.0, description="a monitored track is judged again this often (new region, drift)"
    )
    latency_median_s: float = Field(0.5, gt=0.0, le=86_400.0)
    latency_sigma: LogSigma = 0.4
    explanation_quality: Probability = 0.5
    drift: Drift = Field(default_factory=Drift)
    overconfidence: float = Field(
        1.0, gt=0.0, le=20.0, description="k in confidence = sigmoid(k logit(p)): above 1 the "
        "AI states more certainty than it has, whatever its reliability (Guo et al. 2017)",
    )
    claimed_reliability: Probability | None = Field(
        None, description="the accuracy the AI's confidence is built on (None: its true "
        "reliability); a poor AI claiming 0.95 is confidently wrong",
    )
    confidence_discrimination: Probability = Field(
        0.5, description="how much less sure the AI is on its own errors: 1 = errors look "
        "ambiguous, 0 = errors look as sure as correct calls (over-confident networks)",
    )
    ood_detector: bool = Field(False, description="confidence drops with shift when switched on")
    engage_confidence: Probability = Field(
        0.8, description="below this the AI recommends a warning before force"
    )
    version: str = "ai-1.0"

    @model_validator(mode="after")
    def _confusion_shape(self) -> Self:
        if self.confusion is not None:
            for true_class, row in self.confusion.items():
                if true_class not in ("hostile", "civilian"):
                    raise ValueError(f"confusion: unknown true class {true_class!r}")
                if set(row) - {"hostile", "civilian"}:
                    raise ValueError("confusion rows may only name 'hostile' and 'civilian'")
        return self


class Trust(Spec):
    alpha0: float = Field(2.0, gt=0.0, le=MAX_VALUE)
    beta0: float = Field(2.0, gt=0.0, le=MAX_VALUE)
    # Weights above 0: with a weight of 0 and forgetting below 1, alpha and beta both decay to
    # 0 and trust alpha / (alpha + beta) is undefined (found by tests/reliability).
    w_success: float = Field(1.0, gt=0.0, le=MAX_FACTOR)
    w_failure: float = Field(2.0, gt=0.0, le=MAX_FACTOR)
    forgetting: Annotated[float, Field(gt=0.0, le=1.0)] = 0.98


class Verification(Spec):
    """Coefficients of P(no_verify) = sigma(b0 + bT T + bW W + bP TP - bA A - bE Eq - bS S)."""

    b0: Coefficient = -3.0
    b_trust: Coefficient = 3.0
    b_workload: Coefficient = 1.5
    b_pressure: Coefficient = 1.5
    b_accountability: Coefficient = 1.0
    b_explanation: Coefficient = 1.0
    b_lethal: Coefficient = 1.5
    t0_s: float = Field(
        10.0, gt=0.0, le=86_400.0, description="verification time without explanation"
    )
    eta: Probability = Field(0.5, description="share of verification time explanations save")
    p_notice_miss: Probability = Field(
        0.8, description="omission: take a second look at an AI all-clear (scaled)"
    )

    @model_validator(mode="before")
    @classmethod
    def _replaced_keys(cls, data: Any) -> Any:
        """Keys of the earlier error-rate operator, now the operator's own judgement: say so
        instead of a bare 'unknown key'."""
        if isinstance(data, dict):
            for key in ("p_catch", "tau_v_s", "p_false_alarm"):
                if key in data:
                    raise ValueError(
                        f"{key} was replaced by the operator's own judgement: whether an AI "
                        "error is caught now comes from operators.judgement (sensitivity, "
                        "d_prime, evidence_bound; docs/MODEL.md s.5a); remove this key")
        return data


class ReviewTime(Spec):
    median_s: float = Field(8.0, gt=0.0, le=86_400.0)
    sigma: LogSigma = 0.5


class HumanJudgement(Spec):
    """The operator's own judgement of a track (docs/MODEL.md s.3a): signal detection from
    cues, accumulated by a drift-diffusion process, with the AI's advice weighted by trust.
    Every default is [P] unless docs/MODEL.md cites it."""

    sensitivity: float = Field(
        1.0, gt=0.0, le=10.0, description="the operator's sharpness: a factor on every d' "
        "(above 1 a sharper eye, below 1 a novice)",
    )
    d_prime: dict[str, Annotated[float, Field(ge=0.0, le=10.0)]] = Field(
        default_factory=dict, description="sensitivity d' for telling two contact kinds of "
        "different classes apart, keyed 'kind_a/kind_b' (e.g. 'attack_drone/delivery_drone': "
        "1.0); a kind with no pair listed uses d_prime_default",
    )
    d_prime_default: float = Field(
        1.5, ge=0.0, le=10.0, description="d' of a kind with no pair listed",
    )
    look_s: float = Field(
        4.0, gt=0.0, le=600.0, description="seconds of looking that reach the pair's d'",
    )
    evidence_bound: float = Field(
        3.0, gt=0.0, le=20.0, description="how much evidence the operator wants before a "
        "call (a: the diffusion bound in noise units); higher is slower and more accurate",
    )
    pressure_bound_drop: Probability = Field(
        0.5, description="share of the bound lost under full time pressure",
    )
    # Bounded so one look is at most 60,000 diffusion steps (what validates runs in bounded
    # time): max_look_s / step_s <= 600 / 0.01.
    max_look_s: float = Field(
        60.0, gt=0.0, le=600.0, description="longest look at one track without a deadline",
    )
    step_s: float = Field(0.1, ge=0.01, le=5.0, description="time step of the diffusion")
    prior_hostile: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.5, description="the briefed share of hostile contacts (the prior)",
    )
    lethal_caution: float = Field(
        0.7, ge=0.0, le=10.0, description="ln(cost of a false alarm / cost of a miss) for "
        "lethal force; the ROE's doubt threshold raises it when stricter",
    )
    advice_weight: float = Field(
        0.6, ge=0.0, le=5.0, description="weight of the AI's advice in log-odds at full "
        "trust (w = advice_weight x trust; 0.3 at trust 0.5, cf. Yaniv 2004)",
    )
    suggestion_anchor: float = Field(
        1.5, ge=0.0, le=10.0, description="level 4: a single suggestion weighs this much more",
    )
    narrowed_cap: float = Field(
        1.1, ge=0.0, le=10.0, description="level 3: the narrowed set shows the likely class "
        "without a figure, read as at most this log-odds (1.1 = 75 %)",
    )
    suggestion_log_odds: float = Field(
        1.4, ge=0.0, le=10.0, description="level 4: one suggested action without a figure, "
        "read as this log-odds (1.4 = 80 %)",
    )
    persuasion: float = Field(
        0.0, ge=0.0, le=10.0, description="placebic explanations: the weight of advice grows "
        "by persuasion x explanation quality whether or not the advice is right",
    )
    spoofed_factor: Probability = Field(
        0.5, description="factor on d' where spoofing corrupts the shared sensor picture",
    )
    notice_s: float = Field(
        4.0, gt=0.0, le=600.0, description="a glance at a track the AI called civilian",
    )
    relook_s: float = Field(
        30.0, ge=1.0, le=3_600.0, description="levels 1-4: a track left alone that heads "
        "for the defended asset is looked at again this often while there is time",
    )


OPERATOR_TYPES: tuple[str, ...] = ("bayesian", "disbeliever", "oscillator")


class Operators(Spec):
    count: int = Field(2, ge=0, le=1000)
    policy: Identifier = Field(
        "model", description="registered decision policy of model-operator seats "
        "(docs/plugins.md); the default is the operator model these fields configure",
    )
    trust: Trust = Field(default_factory=Trust)
    types: dict[str, Amount] = Field(
        default_factory=lambda: {"bayesian": 1.0},
        description="trust types operators are drawn from, with weights (Guo & Yang 2021): "
        "bayesian uses `trust` as given; disbeliever starts sceptical (alpha0 1, beta0 4) and "
        "weighs failures 1.5x more; oscillator forgets fast (0.85 per update), so trust swings",
    )
    verification: Verification = Field(default_factory=Verification)
    review_time: ReviewTime = Field(default_factory=ReviewTime)
    judgement: HumanJudgement = Field(default_factory=HumanJudgement)
    accountability_prompt: bool = False
    assessment_delay_s: Seconds = Field(30.0, description="delay before ground truth is seen")

    @model_validator(mode="after")
    def _known_types(self) -> Self:
        unknown = sorted(set(self.types) - set(OPERATOR_TYPES))
        if unknown:
            raise ValueError(f"unknown operator type {unknown[0]!r}; allowed: "
                             f"{', '.join(OPERATOR_TYPES)}")
        if sum(self.types.values()) <= 0:
            raise ValueError("types: the weights must add up to more than 0")
        return self

    def trust_for(self, kind: str) -> Trust:
        """The trust dynamics of an operator of type ``kind`` [P]."""
        if kind == "disbeliever":
            return self.trust.model_copy(update={
                "alpha0": 1.0, "beta0": 4.0, "w_failure": self.trust.w_failure * 1.5})
        if kind == "oscillator":
            return self.trust.model_copy(update={"forgetting": 0.85})
        return self.trust


class Stages(Spec):
    """Levels of the first two information-processing stages (Parasuraman et al. 2000); the
    decision and action stages take the level of the action class under decision."""

    acquisition: Level
    analysis: Level


class Autonomy(Spec):
    levels: dict[str, Level] = Field(
        default_factory=lambda: {"warn": 7, "jam": 6, "engage": 5},
        description="Sheridan-Verplank level per action class",
    )
    veto_window_s: PositiveSeconds = 10.0
    stages: Stages | None = Field(
        None, description="acquisition and analysis levels; when set, the degree of automation "
        "lowers the operator's chance of noticing an AI failure (Onnasch et al. 2014)",
    )
    doa_effect: Probability = Field(
        0.5, description="noticing an AI failure is multiplied by 1 - doa_effect x DOA"
    )

    @model_validator(mode="after")
    def _known_classes(self) -> Self:
        known = actions.names()
        unknown = set(self.levels) - set(known)
        if unknown:
            raise ValueError(
                f"unknown action class {sorted(unknown)[0]!r}; allowed: {', '.join(known)}"
            )
        return self

    def level(self, action: str) -> int:
        return self.levels.get(action, 5)


class Envelope(Spec):
    rect: Rect | None = Field(
        None, description="area where autonomous force is authorised: x0, y0, x1, y1 in km "
        "(south-west and north-east corners); None = anywhere",
    )
    t_max_s: Seconds | None = None
    n_max: int | None = Field(None, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.rect is not None:
            x0, y0, x1, y1 = self.rect
            if not (x1 > x0 and y1 > y0):
                raise ValueError("rect must be [x0, y0, x1, y1] with x1 > x0 and y1 > y0")
        return self


class ROE(Spec):
    human_only_from_rung: Rung | None = Field(
        5, description="at or above this red rung, force needs two-person human approval"
    )
    no_autonomous_anti_personnel: bool = True
    autonomous_categories: tuple[str, ...] | None = Field(
        ("military_by_nature",),
        description="signature categories autonomy >= 6 may engage; None = any",
    )
    envelope: Envelope = Field(default_factory=Envelope)
    min_review_s: Seconds = Field(10.0, description="least human review before lethal force")
    veto_window_floor_rt95: bool = Field(
        False, description="stretch the veto window to the operators' 95th-percentile review time"
    )
    proportionality_lambda: Amount | None = Field(
        1.0, description="block force when expected civilian harm > lambda x military advantage"
    )
    doubt_p: Probability | None = Field(0.2, description="do not engage if P(civilian) > p")
    reliability_floor: Probability | None = Field(
        0.7, description="measured AI accuracy below this lowers autonomy to fallback_level"
    )
    fallback_level: Level = 5
    bias_gap_max: Probability | None = Field(
        None, description="regional FPR gap above this restricts autonomy in that region"
    )
    protected_site_gate: bool = Field(
        True, description="never use force within a protected site's radius plus the CER"
    )
    warning_response_s: PositiveSeconds = Field(
        20.0, description="time a warned contact has to identify itself before force is considered"
    )
    decision_logging: bool = True
    kill_switch_s: Seconds = Field(2.0, description="time for a stop order to take effect")


class Pushes(Spec):
    """Escalation pressure added to a side's next reaction by an event (rung units)."""

    strike_on_forces: RungPush = 0.05
    wrongful_civilian_strike: RungPush = 1.0
    show_of_force: RungPush = 0.1
    friendly_loss: RungPush = 0.3
    jamming: RungPush = 0.05


class Escalation(Spec):
    gain: float = Field(0.3, ge=0.0, le=10.0, description="k: 0.3 stable, 0.6 hair-trigger")
    matching: Literal["ratchet", "symmetric"] = Field(
        "ratchet",
        description="ratchet: a side matches the other's escalation but not its restraint "
        "(k max(0, r_hat - r)); symmetric: k (r_hat - r) as in DOMAIN.md, which makes the two "
        "sides converge and so cannot amplify a step",
    )
    restraint: float = Field(
        0.1, ge=0.0, le=10.0,
        description="Richardson fatigue term: pull back toward the starting rung per reaction",
    )
    noise_sd: float = Field(0.2, ge=0.0, le=7.0)
    perception_sd: float = Field(
        0.3, ge=0.0, le=7.0, description="error in perceiving the other's rung"
    )
    react_interval_s: PositiveSeconds = 30.0
    start_rung_blue: Rung = 1
    start_rung_red: Rung = 1
    pushes: Pushes = Field(default_factory=Pushes)
    score_table: Literal["rivera2024-v1"] = "rivera2024-v1"


class _InjectBase(Spec):
    at_s: Seconds
    label: str | None = Field(None, description="shown to the facilitator and in the debrief")


class AIDegradation(_InjectBase):
    kind: Literal["ai_degradation"]
    shift: Factor = Field(1.0, description="added to D_t; accuracy drops by delta x shift")
    delta: Probability | None = Field(None, description="overrides ai.drift.delta from now on")


class Spoofing(_InjectBase):
    kind: Literal["spoofing"]
    region: Identifier | None = None
    fpr_multiplier: Factor = 3.0
    fnr_multiplier: Factor = 2.0


class CommsLoss(_InjectBase):
    kind: Literal["comms_loss"]
    duration_s: PositiveSeconds = 60.0


class CivilianSurge(_InjectBase):
    kind: Literal["civilian_surge"]
    traffic: Traffic


class ROEChange(_InjectBase):
    kind: Literal["roe_change"]
    changes: dict[str, float | int | bool | None] = Field(
        description="ROE keys and their new values, each checked against that key's range",
        json_schema_extra={"additionalProperties": {"anyOf": [
            {"type": "number", "minimum": 0, "maximum": MAX_SECONDS},
            {"type": "boolean"}, {"type": "null"},
        ]}},
    )


class AutonomyChange(_InjectBase):
    kind: Literal["autonomy_change"]
    levels: dict[str, Level]


class AdversaryStep(_InjectBase):
    kind: Literal["adversary_step"]
    rungs: int = Field(1, ge=-7, le=7)


class KillSwitch(_InjectBase):
    kind: Literal["kill_switch"]


Inject = Annotated[
    AIDegradation
    | Spoofing
    | CommsLoss
    | CivilianSurge
    | ROEChange
    | AutonomyChange
    | AdversaryStep
    | KillSwitch,
    Field(discriminator="kind"),
]
INJECT_KINDS: tuple[str, ...] = (
    "ai_degradation",
    "spoofing",
    "comms_loss",
    "civilian_surge",
    "roe_change",
    "autonomy_change",
    "adversary_step",
    "kill_switch",
)


LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2}$")]


class ScenarioText(Spec):
    """A scenario's participant-facing texts in one more language (``translations: {nl: ...}``).

    Each key is optional: what is left out is shown in the scenario's own language. The
    simulation never reads these, so a translation changes no run."""

    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=300)
    briefing: str | None = None
    questions: tuple[str, ...] | None = None
    injects: tuple[str, ...] | None = Field(
        None, description="the injects' labels, in the order of the scenario's injects")


class Scenario(Spec):
    """A complete scenario: what the YAML file says, with every default filled in."""

    id: Identifier
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=300, description="one line for `hmt-sim list`")
    themes: tuple[Literal["technical", "responsible_use", "governance"], ...] = ()
    briefing: str = ""
    questions: tuple[str, ...] = ()
    question_when: dict[int, str] = Field(
        default_factory=dict,
        description="ask question N (from 1) after a run only when a condition on its metrics "
        "holds, e.g. {2: 'harm.wrongful_engagements >= 1'} (hmt_sim.questions)",
    )
    run: RunSettings = Field(default_factory=RunSettings)
    area: Area = Field(default_factory=Area)
    blue: Blue = Field(default_factory=Blue)
    kinds: dict[Identifier, ContactKind] = Field(default_factory=dict)
    red: Red = Field(default_factory=Red)
    traffic: tuple[Traffic, ...] = ()
    ai: AIProfile = Field(default_factory=AIProfile)
    operators: Operators = Field(default_factory=Operators)
    autonomy: Autonomy = Field(default_factory=Autonomy)
    roe: ROE = Field(default_factory=ROE)
    escalation: Escalation = Field(default_factory=Escalation)
    injects: tuple[Inject, ...] = ()
    translations: dict[LanguageCode, ScenarioText] = Field(
        default_factory=dict,
        description="title, briefing and questions in other languages, by code (nl: ...); "
        "questions in the same order and number as the scenario's own",
    )

    @model_validator(mode="after")
    def _same_questions(self) -> Self:
        for code, text in self.translations.items():
            if text.questions is not None and len(text.questions) != len(self.questions):
                raise ValueError(
                    f"translations.{code}.questions: {len(text.questions)} question(s), but the "
                    f"scenario has {len(self.questions)}; translate each one, in the same order")
            if text.injects is not None and len(text.injects) != len(self.injects):
                raise ValueError(
                    f"translations.{code}.injects: {len(text.injects)} label(s), but the "
                    f"scenario has {len(self.injects)} inject(s); give one label per inject, "
                    "in the same order")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A scenario without translations dumps (and hashes) as it did before they existed, so
        # session files and run directories recorded earlier still match their hashes.
        data: dict[str, Any] = handler(self)
        if not self.translations:
            data.pop("translations", None)
        if not self.question_when:
            data.pop("question_when", None)
        return data

    def text(self, lang: str | None = None) -> ScenarioText:
        """Title, briefing and questions in ``lang`` (default: the language in force), each
        falling back to the scenario's own text where no translation is given."""
        from hmt_sim.i18n import language

        own = self.translations.get(lang or language())
        return ScenarioText(
            title=own.title if own and own.title else self.title,
            description=own.description if own and own.description else self.description,
            briefing=own.briefing if own and own.briefing else self.briefing,
            questions=own.questions if own and own.questions is not None else self.questions,
            injects=(own.injects if own and own.injects is not None
                     else tuple(inj.label or "" for inj in self.injects)),
        )

    def inject_label(self, label: str, lang: str | None = None) -> str:
        """An inject's label as logged (the scenario's own text) in ``lang`` (default: the
        language in force); a label the scenario does not know is returned as it is."""
        from hmt_sim.i18n import language

        own = self.translations.get(lang or language())
        if own is None or own.injects is None:
            return label
        for inj, translated in zip(self.injects, own.injects, strict=True):
            if inj.label == label and translated:
                return translated
        return label

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> Self:
        # The loader asks to skip this so it can report each problem at its own line.
        if info.context and info.context.get("skip_references"):
            return self
        problems = reference_problems(self)
        if problems:
            raise ValueError(
                "; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems)
            )
        return self


def reference_problems(sc: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Names that point at nothing: a wave's kind, a biased region, an inject's target, a
    classifier or operator policy no plugin provides (or one offered by an entry point that
    the user has not allowed)."""
    kinds = set(sc.kinds)
    regions = {r.id for r in sc.area.regions}
    allowed_k = ", ".join(sorted(kinds)) or "none: define them under kinds"
    allowed_r = ", ".join(sorted(regions)) or "none: define them under area.regions"
    problems: list[tuple[tuple[str | int, ...], str]] = []
    reactions = sc.run.duration_s / sc.escalation.react_interval_s
    if reactions > MAX_STEPS:
        problems.append((
            ("escalation", "react_interval_s"),
            f"gives {reactions:.3g} reactions over run.duration_s; the limit is {MAX_STEPS:,}",
        ))

    rejudges = sc.run.duration_s / sc.ai.rejudge_s
    if rejudges > MAX_STEPS:
        problems.append((
            ("ai", "rejudge_s"),
            f"gives {rejudges:.3g} judgements of a track over run.duration_s; the limit is "
            f"{MAX_STEPS:,}",
        ))

    planned = (sum(w.count for w in sc.red.waves) + sum(t.count for t in sc.traffic)
               + sum(i.traffic.count for i in sc.injects if isinstance(i, CivilianSurge)))
    if planned > MAX_CONTACTS:
        problems.append((
            ("red", "waves"),
            f"waves, traffic and surges add up to {planned:,} contacts; the limit is "
            f"{MAX_CONTACTS:,}",
        ))
    else:
        flagged = {loc for loc, _ in problems}
        problems.extend(p for p in _work_problems(sc, planned) if p[0] not in flagged)

    for loc, registry, name in (
        (("ai", "classifier"), plugins.classifiers, sc.ai.classifier),
        (("operators", "policy"), plugins.operators, sc.operators.policy),
    ):
        message = registry.problem(name)
        if message is not None:
            problems.append((loc, message))

    acting = [a.name for a in actions.ladder() if a.needs_effector]
    for i, eff in enumerate(sc.blue.effectors):
        if eff.action not in acting:
            problems.append((("blue", "effectors", i, "action"),
                             f"unknown action class {eff.action!r} for an effector (allowed: "
                             f"{', '.join(acting)})"))

    def bad_kind(loc: tuple[str | int, ...], kind: str) -> None:
        if kind not in kinds:
            problems.append((loc, f"unknown contact kind {kind!r} (allowed: {allowed_k})"))

    for pair in sc.operators.judgement.d_prime:
        at: tuple[str | int, ...] = ("operators", "judgement", "d_prime", pair)
        names = pair.split("/")
        if len(names) != 2:
            problems.append((at, "a pair is written 'kind_a/kind_b'"))
        elif any(n not in kinds for n in names):
            unknown = next(n for n in names if n not in kinds)
            problems.append((at, f"unknown contact kind {unknown!r} (allowed: {allowed_k})"))
        elif sc.kinds[names[0]].true_class == sc.kinds[names[1]].true_class:
            problems.append((at, "a look-alike pair joins a hostile and a civilian kind; both "
                             f"are {sc.kinds[names[0]].true_class}"))
    for i, wave in enumerate(sc.red.waves):
        bad_kind(("red", "waves", i, "kind"), wave.kind)
    for i, tr in enumerate(sc.traffic):
        bad_kind(("traffic", i, "kind"), tr.kind)
    for region in sc.ai.region_bias:
        if region not in regions:
            problems.append(
                (("ai", "region_bias", region), f"unknown region (allowed: {allowed_r})")
            )
    for i, inj in enumerate(sc.injects):
        if isinstance(inj, Spoofing) and inj.region is not None and inj.region not in regions:
            problems.append(
                (("injects", i, "region"), f"unknown region {inj.region!r} (allowed: {allowed_r})")
            )
        if isinstance(inj, CivilianSurge):
            bad_kind(("injects", i, "traffic", "kind"), inj.traffic.kind)
        if isinstance(inj, AutonomyChange):
            for name in sorted(set(inj.levels) - set(actions.names())):
                problems.append(
                    (
                        ("injects", i, "levels", name),
                        f"unknown action class (allowed: {', '.join(actions.names())})",
                    )
                )
        if isinstance(inj, ROEChange):
            for name in sorted(set(inj.changes) - set(ROE.model_fields)):
                problems.append(
                    (
                        ("injects", i, "changes", name),
                        f"unknown ROE key (allowed: {', '.join(ROE.model_fields)})",
                    )
                )
            problems.extend(_roe_change_problems(i, inj.changes))
    if sc.question_when:
        from hmt_sim.questions import condition_problems

        problems.extend(condition_problems(sc.questions, sc.question_when))
    return problems


def _work_problems(sc: Scenario, contacts: int) -> list[tuple[tuple[str | int, ...], str]]:
    """Work that grows with two keys at once: every contact moves every tick and is judged
    again every ``ai.rejudge_s``; each product must fit ``MAX_TRACK_STEPS``."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for loc, per_contact, what in (
        (("run", "tick_s"), sc.run.duration_s / sc.run.tick_s, "contact-ticks"),
        (("ai", "rejudge_s"), sc.run.duration_s / sc.ai.rejudge_s, "track judgements"),
    ):
        work = contacts * per_contact
        if work > MAX_TRACK_STEPS:
            problems.append((loc, f"{contacts:,} contacts over run.duration_s give {work:.3g} "
                                  f"{what}; the limit is {MAX_TRACK_STEPS:,} (fewer contacts, a "
                                  f"longer {loc[-1]} or a shorter run.duration_s)"))
    return problems


def _roe_change_problems(index: int, changes: Mapping[str, Any]
                         ) -> list[tuple[tuple[str | int, ...], str]]:
    """Check each value a scripted ``roe_change`` puts in force against that ROE key's range,
    at load time, so the run never meets a value it cannot use."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for name in sorted(set(changes) & set(ROE.model_fields)):
        try:
            ROE.model_validate({name: changes[name]})
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                problems.append((("injects", index, "changes", name),
                                 f"{_range_message(err)} (ROE key {name})"))
    return problems


def _range_message(err: Mapping[str, Any]) -> str:
    """A pydantic error as 'must be >= 0 and <= 1, got 1.5', or its own words otherwise."""
    ctx = err.get("ctx") or {}
    ops = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
    bounds = " and ".join(f"{op} {ctx[k]}" for k, op in ops.items() if k in ctx)
    got = repr(err["input"])
    if bounds:
        return f"must be {bounds}, got {got}"
    kind = str(err.get("type", ""))
    if kind.startswith("int_"):
        return f"expected a whole number, got {got}"
    if kind.startswith("bool_"):
        return f"expected true or false, got {got}"
    if kind.startswith("float_"):
        return f"expected a number, got {got}"
    return f"{str(err['msg']).rstrip('.')}, got {got}"
