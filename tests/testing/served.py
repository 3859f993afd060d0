"""``nova-gen serve`` in a process of its own, for the tests of the command itself."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path


@asynccontextmanager
async def served(
    spec: Path, *args: str, module: str = "nova_gen", stderr: list[str] | None = None
) -> AsyncIterator[str]:
    """Run ``python -m MODULE serve SPEC --port 0 --notify-interval 0.01 ARGS`` (``module``
    ``nova_gen.testing`` runs the server's own entry point, which takes no ``serve``); yield
    the URL it prints, then stop it with Ctrl-C (SIGINT), which must end it with status 0;
    what it wrote to stderr is appended to ``stderr`` when given.
    Bound the caller with a timeout: reading the URL waits for the process."""
    command = ["serve"] if module == "nova_gen" else []
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, *command, str(spec), "--port", "0", "--notify-interval", "0.01", *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = (await proc.stdout.readline()).decode()
        if "ws://127.0.0.1:" not in line:
            raise AssertionError(line + (await proc.stderr.read()).decode())
        yield line[line.index("ws://"):].strip()
        proc.send_signal(signal.SIGINT)
        _, err = await proc.communicate()
        assert proc.returncode == 0
        if stderr is not None:
            stderr.append(err.decode())
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
