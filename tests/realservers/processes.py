"""Third-party servers run as subprocesses on 127.0.0.1, so tests can kill and restart them.

Each server listens on a free port chosen here; :meth:`ServerProcess.start` waits (bounded)
until the port accepts connections, :meth:`ServerProcess.kill` ends it the hard way
(SIGKILL: no close frame, as when a host dies) and :meth:`ServerProcess.restart` starts it
again on the same port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
START_TIMEOUT = 60.0
"""Seconds a server may take to accept connections (ganache needs a few on a busy machine)."""

GANACHE_VERSION = "7.9.2"
GANACHE = ROOT / "build" / "npm" / "node_modules" / ".bin" / "ganache"
"""Installed by ``make test`` (the ``npm-tools`` target) with the pinned version."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


class ServerProcess:
    """One server subprocess; ``command`` may use ``{port}``."""

    def __init__(self, name: str, command: Sequence[str], log: Path) -> None:
        self.name = name
        self.port = free_port()
        self.command = [part.format(port=self.port) for part in command]
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"ws://{HOST}:{self.port}"

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=os.environ.copy()
            )
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT
        while not _accepts(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"{self.name} did not listen within {START_TIMEOUT}s; see {self.log}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=START_TIMEOUT)
        self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()


def strawberry_server(log_dir: Path) -> ServerProcess:
    """strawberry-graphql's ASGI app (tests/realservers/chat_app.py) under uvicorn."""
    return ServerProcess(
        "strawberry",
        [
            sys.executable, "-m", "uvicorn", "tests.realservers.chat_app:app",
            "--host", HOST, "--port", "{port}", "--log-level", "warning",
        ],
        log_dir / "strawberry.log",
    )


def ganache_server(log_dir: Path) -> ServerProcess:
    """ganache (pinned), mining a block a second, accounts from a fixed seed."""
    if shutil.which("node") is None:
        raise RuntimeError("node is not installed: the Ethereum tests run ganache (install node and npm)")
    if not GANACHE.exists():
        raise RuntimeError(
            f"ganache is not installed at {GANACHE}: run `make test` (it installs ganache@{GANACHE_VERSION} with npm)"
        )
    return ServerProcess(
        "ganache",
        [
            str(GANACHE), "--server.host", HOST, "--server.port", "{port}",
            "--miner.blockTime", "1", "--wallet.seed", "nova-gen", "--logging.quiet",
            "--chain.chainId", "1337",
        ],
        log_dir / "ganache.log",
    )
