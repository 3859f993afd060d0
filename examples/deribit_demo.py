"""Demo: the generated Deribit client against the local server that speaks specs/deribit.yaml.

    python examples/deribit_demo.py [PACKAGE_PARENT]

PACKAGE_PARENT is the folder holding the generated ``deribit`` package (default:
generated_examples). Everything runs on 127.0.0.1; no internet is needed. The same client
talks to the real exchange with ``DeribitClient.connect(server="testnet")``.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


async def main(package_parent: Path) -> int:
    sys.path.insert(0, str(package_parent))
    from deribit import DeribitClient, DeribitHandlers, TickerChannel, models

    from nova_gen.loader import load_api
    from nova_gen.testing import SpecServer

    class PrintingHandlers(DeribitHandlers):
        """Handler style: every ticker also arrives here, typed."""

        def __init__(self) -> None:
            self.seen = 0

        async def on_ticker(self, message: models.Ticker, channel: TickerChannel) -> None:
            self.seen += 1

    api = load_api(ROOT / "specs" / "deribit.yaml")
    handlers = PrintingHandlers()
    async with asyncio.timeout(30), SpecServer(api, notify_interval=0.05) as server:
        print(f"local Deribit-style server on {server.url}")
        async with DeribitClient.connect(url=server.url, handlers=handlers) as client:
            millis = await client.get_time()
            print(f"server time: {datetime.fromtimestamp(millis / 1000, UTC):%Y-%m-%d %H:%M:%S} UTC")

            instruments = await client.get_instruments(currency="BTC", kind="future")
            print(f"{len(instruments)} BTC futures, for example:")
            for instrument in instruments[:3]:
                print(f"  {instrument.instrument_name:<22} tick size {instrument.tick_size}")

            print("ten ticker updates for BTC-PERPETUAL:")
            count = 0
            async for tick in client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms"):
                count += 1
                print(
                    f"  {count:>2}. {tick.instrument_name} mark {tick.mark_price} "
                    f"bid {tick.best_bid_price} ask {tick.best_ask_price}"
                )
                if count == 10:
                    break
        print(f"the handler saw {handlers.seen} ticker messages; connection closed cleanly")
    return 0


if __name__ == "__main__":
    parent = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "generated_examples"
    sys.exit(asyncio.run(main(parent.resolve())))
