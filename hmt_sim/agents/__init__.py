"""The agents of a run: contacts in the world, the AI decision-support agent, operators, and the
adversary's escalation posture. They are Mesa agents (registered with the model, queryable through
``model.agents``); SimPy processes in ``decisions.py`` drive them."""

from hmt_sim.agents.ai import AIAgent, Classification
from hmt_sim.agents.contacts import ContactAgent
from hmt_sim.agents.operator import OperatorAgent, ReviewOutcome

__all__ = ["AIAgent", "Classification", "ContactAgent", "OperatorAgent", "ReviewOutcome"]
