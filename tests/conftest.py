"""Shared fixtures: real simulators over HTTP on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import os

# Dagster's whole-step retries wait 30 s by default; tests that exhaust retries should not wait that long.
os.environ.setdefault("DOMINO_RUN_RETRY_DELAY_SECONDS", "0.2")
os.environ.setdefault("DOMINO_RUN_RETRIES", "1")

from collections.abc import Callable, Iterator

import httpx
import pytest

from pipeline.simulator.http.config import SimulatorConfig
from pipeline.simulator.server import RunningSimulator, start_in_background


@pytest.fixture(scope="session")
def simulator() -> Iterator[RunningSimulator]:
    """A small world (seed 42) served for the whole session; tests that write use their own server."""
    running = start_in_background(SimulatorConfig(seed=42, scale="small"))
    yield running
    running.stop()


@pytest.fixture
def start_simulator() -> Iterator[Callable[..., RunningSimulator]]:
    """Starts extra simulators with custom settings (`start_simulator(fault_rate=1.0, faults=("drop",))`);
    all are stopped when the test ends."""
    started: list[RunningSimulator] = []

    def start(**settings) -> RunningSimulator:
        settings.setdefault("scale", "small")
        running = start_in_background(SimulatorConfig(**settings))
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def admin(simulator: RunningSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=simulator.base_url, headers={"X-Domino-Api-Key": simulator.admin_key}, timeout=30
    ) as client:
        yield client


@pytest.fixture
def user(simulator: RunningSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=simulator.base_url, headers={"Authorization": f"Bearer {simulator.user_key}"}, timeout=30
    ) as client:
        yield client
