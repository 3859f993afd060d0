"""The generated Ethereum client against ganache (a real JSON-RPC node) on 127.0.0.1.

ganache mines a block every second; the tests read the chain, subscribe to newHeads and to
the logs of a contract they deploy, and kill and restart the node mid-subscription: the
client must reconnect, resubscribe (new server-assigned ids) and keep its iterators going.
"""

from __future__ import annotations

import asyncio

import pytest
from e2e.streams import fresh, take
from ethereum import EthereumClient, EthereumHandlers, errors

from .pinger import PING_TOPIC, deploy, ping, receipt
from .processes import ServerProcess
from .restores import Restores

pytestmark = pytest.mark.asyncio

TIMEOUT = 60.0


class Watch(Restores, EthereumHandlers):
    pass


def quantity(text: str) -> int:
    assert text.startswith("0x")
    return int(text, 16)


async def test_requests_read_the_chain(ganache: ServerProcess) -> None:
    _, sender = await deploy(ganache.url)
    async with asyncio.timeout(TIMEOUT), EthereumClient.connect(url=ganache.url) as client:
        assert quantity(await client.chain_id()) == 1337
        assert quantity(await client.block_number()) >= 1
        balance = quantity(await client.get_balance(address=sender, block="latest"))
        assert 0 < balance < 1000 * 10**18  # the deployment cost gas
        genesis = await client.get_block_by_number(block="0x0", full_transactions=False)
        assert genesis is not None and quantity(genesis.number) == 0
        latest = await client.get_block_by_number(block="latest", full_transactions=True)
        assert latest is not None and quantity(latest.number) >= 1
        assert await client.get_block_by_number(block="0xffffff", full_transactions=False) is None
        # An error reply is a typed exception carrying the node's message. ganache uses one
        # code (-32700, "parse error") for many errors and adds a `stack` member beside them:
        # the message tells them apart, and the whole reply stays available.
        with pytest.raises(errors.EthereumError) as failed:
            await client.get_balance(address=sender, block="0xffffff")
        assert failed.value.code == -32700 and failed.value.message == "header not found"
        assert failed.value.reply["error"]["stack"].startswith("Error: header not found")


async def test_new_heads_and_logs_survive_a_node_restart(ganache: ServerProcess) -> None:
    contract, sender = await deploy(ganache.url)
    handlers = Watch()
    async with asyncio.timeout(TIMEOUT), EthereumClient.connect(url=ganache.url, handlers=handlers) as client:
        heads = await client.subscribe_new_heads()
        logs = await client.subscribe_logs(address=contract, topics=[PING_TOPIC])
        assert heads.state == logs.state == "active"
        first = await take(heads, 2)
        assert quantity(first[1].number) == quantity(first[0].number) + 1

        tx = await ping(ganache.url, contract, sender)
        (log,) = await take(logs, 1)
        assert log.address.lower() == contract.lower()
        assert log.topics == [PING_TOPIC, "0x" + "0" * 24 + sender[2:].lower()]
        assert log.transactionHash == tx and quantity(log.data) == 1

        ganache.kill()  # SIGKILL: no close frame
        ganache.restart()  # a new chain from the same seed: same deployer, same contract address
        assert (await deploy(ganache.url))[0] == contract
        await handlers.restored.wait()  # resubscribed: logs of the blocks from now on come
        await receipt(ganache.url, await ping(ganache.url, contract, sender))

        # The same iterators go on, fed by new subscriptions (new ids) on the new connection.
        # Nothing was left buffered on `logs`: the next log is the one of the new chain.
        (after,) = await take(logs, 1)
        assert after.topics[0] == PING_TOPIC and quantity(after.data) == 1
        assert len(await fresh(client, heads, 1)) == 1
        assert client.diagnostics().reconnects >= 1

        await client.unsubscribe_new_heads()
        assert heads.state == "unsubscribed"
        await client.unsubscribe_logs(address=contract, topics=[PING_TOPIC])
        assert logs.state == "unsubscribed"
