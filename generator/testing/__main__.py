"""``python -m nova_gen.testing SPEC``: serve a spec on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import errno
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import cast

from ..argparsing import SuggestingParser
from ..ir import Api
from ..oserrors import describe
from .server import SpecServer


def _load(path: str, perspective: str | None) -> Api:
    """Load a spec (an AsyncAPI document read from ``perspective``'s side); print its
    warnings (a rule whose frames the client would read as another kind, NOVA085, is one);
    on errors print its diagnostics and exit with status 2."""
    # The loader is imported dynamically, here: importing the server never pulls it in,
    # and type-checking this package does not depend on the loader's modules.
    loader = importlib.import_module("nova_gen.loader")
    load_api = cast(Callable[..., Api], loader.load_api)
    found = importlib.import_module("nova_gen.diagnostics").Diagnostics()
    try:
        api = load_api(path, found, perspective=perspective)
        for item in getattr(found, "items", ()):
            print(item.format(), file=sys.stderr)
        return api
    except Exception as exc:  # SpecError carries the diagnostics to show
        diagnostics = getattr(exc, "diagnostics", None)
        if diagnostics is None:
            raise
        for item in getattr(diagnostics, "items", ()):
            print(item.format(), file=sys.stderr)
        raise SystemExit(2) from exc


def _port(text: str) -> int:
    """A TCP port number, 0 to 65535 (argparse reports anything else as a usage error)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535)")
    return port


def _parser(prog: str) -> argparse.ArgumentParser:
    p = SuggestingParser(
        prog=prog,
        description="Serve a nova spec on 127.0.0.1, answering from the spec's examples.",
    )
    p.add_argument("spec", help="the spec file (nova YAML or AsyncAPI)")
    p.add_argument("--port", type=_port, default=8765, help="TCP port (0: any free port)")
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
    p.add_argument(
        "--perspective",
        choices=("server", "client"),
        help="AsyncAPI: whose side the document describes, as for generation (default: server)",
    )
    p.add_argument(
        "--no-events",
        action="store_true",
        help="do not send the spec's own events (their examples) to each new connection",
    )
    talk = p.add_mutually_exclusive_group()
    talk.add_argument("-v", "--verbose", action="store_true", help="log every frame")
    talk.add_argument("-q", "--quiet", action="store_true", help="log only problems (warnings and errors)")
    return p


async def _serve(server: SpecServer) -> None:
    async with server:
        print(
            f"nova-gen test server for {server.api.name!r} on {server.url}", flush=True
        )
        await server.serve_forever()


def main(argv: Sequence[str] | None = None, prog: str = "python -m nova_gen.testing") -> int:
    args = _parser(prog).parse_args(argv)
    # -v is about this server's own frames: the "nova" loggers go to DEBUG, the rest of the
    # process (asyncio's "Using selector", libraries) stays at INFO.
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    if args.verbose:
        logging.getLogger("nova").setLevel(logging.DEBUG)
    else:
        logging.getLogger("nova.testing.server.ws").setLevel(logging.WARNING)
    api = _load(args.spec, args.perspective)
    server = SpecServer(
        api,
        port=args.port,
        notify_interval=args.notify_interval,
        max_notifications=args.max_notifications,
        server_pings=args.server_pings is not None,
        ping_interval=args.server_pings if args.server_pings is not None else 1.0,
        emit_events=not args.no_events,
    )
    try:
        asyncio.run(_serve(server))
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    except OSError as exc:  # the port is taken, or not ours to listen on
        print(f"{prog}: cannot listen on 127.0.0.1:{args.port}: {describe(exc)}", file=sys.stderr)
        if exc.errno == errno.EADDRINUSE:
            print("  hint: choose another port with --port N (0: any free port)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
