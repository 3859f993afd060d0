"""``python -m nova_gen.testing SPEC``: serve a spec on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import cast

from ..ir import Api
from .server import SpecServer

LoadApi = Callable[[str], Api]

# The spec loader is written separately from this server. Until its final name is settled,
# look for it here, in order, at run time (so importing this module never depends on it).
_LOADER_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("nova_gen", "load_api"),
    ("nova_gen.loader", "load_api"),
    ("nova_gen.loader", "load"),
)


def _find_loader() -> LoadApi:
    for module_name, attr in _LOADER_CANDIDATES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        loader = getattr(module, attr, None)
        if callable(loader):
            return cast(LoadApi, loader)
    raise SystemExit(
        "nova_gen.testing: no spec loader found (looked for "
        + ", ".join(f"{m}.{a}" for m, a in _LOADER_CANDIDATES)
        + ")"
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m nova_gen.testing",
        description="Serve a nova spec on 127.0.0.1, answering from the spec's examples.",
    )
    p.add_argument("spec", help="the spec file (nova YAML or AsyncAPI)")
    p.add_argument("--port", type=int, default=8765, help="TCP port (0: any free port)")
    p.add_argument(
        "--notify-interval",
        type=float,
        default=0.05,
        help="seconds between two notifications of one subscription",
    )
    p.add_argument(
        "--max-notifications",
        type=int,
        default=None,
        help="notifications per subscription (default: unbounded)",
    )
    p.add_argument(
        "--server-pings",
        type=float,
        default=None,
        metavar="SECONDS",
        help="send the spec's server pings every SECONDS",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log every frame")
    return p


async def _serve(server: SpecServer) -> None:
    async with server:
        print(
            f"nova-gen test server for {server.api.name!r} on {server.url}", flush=True
        )
        await server.serve_forever()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    if not args.verbose:
        logging.getLogger("nova.testing.server.ws").setLevel(logging.WARNING)
    api = _find_loader()(args.spec)
    server = SpecServer(
        api,
        port=args.port,
        notify_interval=args.notify_interval,
        max_notifications=args.max_notifications,
        server_pings=args.server_pings is not None,
        ping_interval=args.server_pings if args.server_pings is not None else 1.0,
    )
    try:
        asyncio.run(_serve(server))
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
