"""Request deadlines share one loop timer (``Sender.watch``): each request still times out at
its own deadline, in deadline order whatever the order it was sent in, and answered ones
are left alone.

The generated Deribit client against a SpecServer on 127.0.0.1; bounded in time.
"""

from __future__ import annotations

import asyncio

from deribit import DeribitClient
from nova_runtime.errors import RequestTimeout

from nova_gen.testing import SpecServer


async def test_unanswered_requests_time_out_in_deadline_order(server: SpecServer) -> None:
    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url) as client:
            assert isinstance(await client.get_time(), int)
            server.never_answer("public/get_time")
            ended: list[float] = []

            async def call(timeout: float) -> None:
                try:
                    await client.get_time(timeout=timeout)
                except RequestTimeout:
                    ended.append(timeout)

            # Sent longest first: each shorter deadline comes before the armed one.
            await asyncio.gather(call(0.9), call(0.3), call(0.6), call(0.1))
            assert ended == [0.1, 0.3, 0.6, 0.9]
            assert client.diagnostics().pending_requests == 0
            server.answer("public/get_time")
            assert isinstance(await client.get_time(), int)
            assert client.diagnostics().unexpected_frames == {}
