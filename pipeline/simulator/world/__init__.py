"""The simulator's synthetic Domino world (contract: ../WORLD_API.md)."""

from pipeline.simulator.world.scale import Scale
from pipeline.simulator.world.world import World

__all__ = ["Scale", "World"]
