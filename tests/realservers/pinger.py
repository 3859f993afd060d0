"""A tiny contract that emits a log, and the raw JSON-RPC calls to deploy and call it on ganache.

Compiled once with solc 0.8.26 (optimizer on, 200 runs, EVM version shanghai, no metadata
hash), so no compiler is needed at test time::

    // SPDX-License-Identifier: MIT
    pragma solidity 0.8.26;

    contract Pinger {
        event Ping(address indexed sender, uint256 count);

        uint256 public count;

        function ping() external {
            count += 1;
            emit Ping(msg.sender, count);
        }
    }

The generated Ethereum client has no transaction methods (the spec describes reads and
subscriptions), so deployment and ``ping()`` go over a plain JSON-RPC WebSocket here.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from websockets.asyncio.client import connect

BYTECODE = (
    "0x6080604052348015600e575f80fd5b5060d380601a5f395ff3fe6080604052348015600e575f80fd5b5060043610"
    "6030575f3560e01c806306661abd1460345780635c36b18614604d575b5f80fd5b603b5f5481565b604051908152"
    "60200160405180910390f35b60536055565b005b60015f808282546064919060a2565b90915550505f5460405190"
    "815233907ffd8d0c1dc3ab254ec49463a1192bb2423b3b851adedec1aa94dcd362dc063c9d906020016040518091"
    "0390a2565b8082018082111560c057634e487b7160e01b5f52601160045260245ffd5b9291505056fea164736f6c"
    "634300081a000a"
)
PING_SELECTOR = "0x5c36b186"
"""``ping()``: the first four bytes of keccak256("ping()")."""
PING_TOPIC = "0xfd8d0c1dc3ab254ec49463a1192bb2423b3b851adedec1aa94dcd362dc063c9d"
"""keccak256("Ping(address,uint256)"): topic 0 of every Ping log."""

_ids = itertools.count(1)


async def rpc(url: str, method: str, params: list[Any]) -> Any:
    """One JSON-RPC call on its own connection; raises on an error reply."""
    async with asyncio.timeout(30), connect(url) as ws:
        request_id = next(_ids)
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}))
        for _ in range(100):
            reply = json.loads(await ws.recv())
            if reply.get("id") == request_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
    raise AssertionError(f"no reply to {method}")


async def receipt(url: str, tx_hash: str) -> dict[str, Any]:
    """The receipt of ``tx_hash``, once mined (blocks come every second)."""
    for _ in range(200):
        found = await rpc(url, "eth_getTransactionReceipt", [tx_hash])
        if found is not None:
            assert isinstance(found, dict)
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"transaction {tx_hash} was not mined")


async def deploy(url: str) -> tuple[str, str]:
    """Deploy Pinger from the first account; returns (contract address, deployer)."""
    (sender, *_) = await rpc(url, "eth_accounts", [])
    tx = await rpc(url, "eth_sendTransaction", [{"from": sender, "data": BYTECODE, "gas": "0x30000"}])
    mined = await receipt(url, tx)
    return str(mined["contractAddress"]), str(sender)


async def ping(url: str, contract: str, sender: str) -> str:
    """Call ``ping()``; returns the transaction hash (its log comes with the next block)."""
    tx = await rpc(url, "eth_sendTransaction", [{"from": sender, "to": contract, "data": PING_SELECTOR, "gas": "0x20000"}])
    return str(tx)
