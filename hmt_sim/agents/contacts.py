"""A contact: one entity in the world (hostile or civilian). Its position lives in ``World``'s
arrays (motion and detection are vectorised); the agent reads them, so ``model.agents`` and the
arrays never disagree, and holds what does not change and its own random stream."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from hmt_sim.mesa_import import mesa
from hmt_sim.scenario.schema import ContactKind

if TYPE_CHECKING:
    from hmt_sim.model import HMTModel


class ContactAgent(mesa.Agent):
    """Truth about a contact. ``draws`` are taken at spawn in a fixed order, so the world of two
    runs with the same seed is the same whatever the autonomy level does later."""

    def __init__(self, model: HMTModel, track: int, kind_name: str, kind: ContactKind,
                 stream: np.random.Generator) -> None:
        super().__init__(model)
        self.track = track
        self.kind_name = kind_name
        self.kind = kind
        # Fixed draw order: position offset (2), destination offset (2), speed factor, compliance.
        u = stream.random(6)
        draws = u.tolist()  # Python floats: cheaper arithmetic than NumPy scalars
        self.origin_offset = u[0:2]
        self.dest_offset = u[2:4]
        self.speed_factor = 0.9 + 0.2 * draws[4]
        self.complies = draws[5] < kind.complies_with_warning
        self.status = "active"  # active | neutralised | identified | leaked | exited

    @property
    def hostile(self) -> bool:
        """Ground truth: is it a hostile contact?"""
        return self.kind.true_class == "hostile"

    @property
    def xy(self) -> tuple[float, float]:
        """Where it is now (km), read from the world's position arrays."""
        return self.model.world.xy(self.track)

    @property
    def in_area(self) -> bool:
        """Is it still in the area (neither neutralised, identified, leaked nor gone)?"""
        return bool(self.model.world.alive[self.track])

    @property
    def detected(self) -> bool:
        """Has a blue sensor seen it?"""
        return bool(self.model.world.detected[self.track])


def disc_offset(u: np.ndarray, radius: float) -> np.ndarray:
    """Map two uniforms to a point uniformly distributed in a disc of ``radius``."""
    u0, u1 = float(u[0]), float(u[1])
    r = radius * math.sqrt(u0)  # (a square root is exact either way; NumPy's scalars cost more)
    a = 2.0 * np.pi * u1
    return np.array([r * np.cos(a), r * np.sin(a)])
