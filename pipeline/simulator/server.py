"""Running the simulator: `serve(config)` blocks (CLI); `run_in_background(config)` serves from a
thread (tests)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from pipeline.simulator.http.app import create_app
from pipeline.simulator.http.config import SimulatorConfig
from pipeline.simulator.http.faults import DROPPED


class _SilenceInjectedFaults(logging.Filter):
    """uvicorn logs an error when the fault injector drops a connection on purpose; that is not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return DROPPED not in message and "returned without completing response" not in message


def _quiet_uvicorn() -> None:
    error_logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _SilenceInjectedFaults) for f in error_logger.filters):
        error_logger.addFilter(_SilenceInjectedFaults())


def build_world(config: SimulatorConfig) -> Any:
    from pipeline.simulator.world import World

    return World(seed=config.seed, scale=config.scale)


def _uvicorn_config(app: Any, config: SimulatorConfig) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        lifespan="off",
        timeout_keep_alive=30,
    )


def serve(config: SimulatorConfig, world: Any = None) -> None:
    """Builds the world (unless given) and serves it until interrupted."""
    _quiet_uvicorn()
    world = world if world is not None else build_world(config)
    uvicorn.Server(_uvicorn_config(create_app(world, config), config)).run()


@dataclass
class RunningSimulator:
    """A simulator serving from a background thread; `stop()` shuts it down and joins the thread."""

    base_url: str
    config: SimulatorConfig
    world: Any
    _server: uvicorn.Server
    _thread: threading.Thread

    @property
    def admin_key(self) -> str:
        return self.config.admin_key

    @property
    def user_key(self) -> str:
        return self.config.user_key

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __repr__(self) -> str:
        return f"RunningSimulator(base_url={self.base_url!r})"


def start_in_background(
    config: SimulatorConfig, world: Any = None, startup_timeout: float = 30.0
) -> RunningSimulator:
    """Starts uvicorn in a daemon thread (a free port when `config.port == 0`) and waits until it answers."""
    _quiet_uvicorn()
    world = world if world is not None else build_world(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((config.host, config.port))
    port = sock.getsockname()[1]
    server = uvicorn.Server(_uvicorn_config(create_app(world, config), config))
    server.config.port = port
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"sim-{port}")
    thread.start()
    base_url = f"http://{config.host}:{port}"
    deadline = time.monotonic() + startup_timeout
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/__sim/config", timeout=1.0).status_code == 200:
                break
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError(f"simulator did not start on {base_url}")
        time.sleep(0.02)
    return RunningSimulator(base_url, config, world, server, thread)


@contextlib.contextmanager
def run_in_background(config: SimulatorConfig, world: Any = None) -> Iterator[RunningSimulator]:
    """Context manager around `start_in_background`; stops the server on exit."""
    running = start_in_background(config, world)
    try:
        yield running
    finally:
        running.stop()
