"""Mesa agents: the per-actor view of the model's array state.

Agents hold no state of their own: every property reads the model's arrays, so the Mesa
path and the ensemble path cannot drift apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.ladder import rung_name, rung_of

if TYPE_CHECKING:
    from sim.model import AllianceModel


class ActorAgent(mesa.Agent):
    """One state (China, Russia, ...) as Mesa sees it."""

    model: AllianceModel

    def __init__(self, model: AllianceModel, index: int, actor_id: str, name: str):
        super().__init__(model)
        self.index = index
        self.actor_id = actor_id
        self.name = name

    @property
    def escalation(self) -> float:
        return float(self.model.state.x[0, self.index])

    @property
    def rung(self) -> int:
        return int(rung_of(self.model.state.x[0, self.index]))

    @property
    def rung_name(self) -> str:
        return rung_name(self.rung)

    @property
    def leverage(self) -> float:
        return float(self.model.state.lev[0, self.index])

    @property
    def active(self) -> bool:
        return bool(self.model.state.active[0, self.index])

    def commitment_to(self, other: str) -> float:
        return float(self.model.state.C[0, self.index, self.model.world.index(other)])
