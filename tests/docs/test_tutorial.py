"""docs/tutorial.md runs as written, and docs/protocols.md points at real spec lines.

The tutorial's conventions (stated at its top): ```yaml title="tickers.yaml"``` blocks joined in
order are the spec; ```python title="X"``` and ```toml title="X"``` blocks are files; ```sh```
blocks are commands run from the spec's folder; ```text title="output of CMD"``` is exactly what
CMD prints. ``nova-gen`` commands run in process (``nova_gen.cli.main``); ``nova-gen serve`` is
replaced by :class:`nova_gen.testing.SpecServer` on 127.0.0.1, whose URL the programs get from
``NOVA_URL``; ``python`` commands run in a subprocess with a timeout, and the whole tutorial
within a bound of its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from nova_gen import cli
from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial.md"
PROTOCOLS = ROOT / "docs" / "protocols.md"
SPEC_NAME = "tickers.yaml"
PROGRAM_TIMEOUT = 60.0
TUTORIAL_TIMEOUT = 180.0
"""Seconds for every command of the tutorial together (the server included)."""

FENCE = re.compile(r"^```(?P<lang>[\w-]+)(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
TITLE = re.compile(r'title="(?P<title>[^"]+)"')


@dataclass(frozen=True)
class Block:
    lang: str
    title: str | None
    body: str


def blocks(text: str) -> list[Block]:
    found = []
    for m in FENCE.finditer(text):
        title = TITLE.search(m["info"])
        found.append(Block(m["lang"], title["title"] if title else None, m["body"]))
    return found


def commands(block: Block) -> list[str]:
    lines = (line.strip() for line in block.body.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_tutorial_blocks_follow_the_conventions() -> None:
    found = blocks(TUTORIAL.read_text(encoding="utf-8"))
    assert sum(b.title == SPEC_NAME for b in found) >= 5
    assert any(b.lang == "python" for b in found)
    for b in found:
        assert b.lang in {"yaml", "python", "toml", "sh", "text", "json"}, b
        if b.lang in {"python", "toml", "text"}:
            assert b.title, f"a {b.lang} block needs a title: {b.body[:60]!r}"
        if b.lang == "yaml":
            assert b.title == SPEC_NAME, b
        if b.lang == "json":  # wire frames shown as an illustration: one JSON value per line
            for line in b.body.splitlines():
                json.loads(line)


async def _run(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), PROGRAM_TIMEOUT)
    except TimeoutError:
        raise AssertionError(
            f"{shlex.join(argv)} did not finish within {PROGRAM_TIMEOUT}s"
        ) from None
    finally:  # also when the tutorial's own bound cancels the wait
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return proc.returncode or 0, out.decode(), err.decode()


@pytest.mark.asyncio
async def test_tutorial_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    found = blocks(TUTORIAL.read_text(encoding="utf-8"))
    spec = "".join(b.body for b in found if b.title == SPEC_NAME)
    (tmp_path / SPEC_NAME).write_text(spec, encoding="utf-8")
    for b in found:
        if b.lang in {"python", "toml"}:
            assert b.title is not None
            (tmp_path / b.title).write_text(b.body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    outputs: dict[str, str] = {}
    served = False
    async with (
        asyncio.timeout(TUTORIAL_TIMEOUT),
        SpecServer(load_api(tmp_path / SPEC_NAME), notify_interval=0.01) as server,
    ):
        for b in found:
            if b.lang != "sh":
                continue
            for line in commands(b):
                words = shlex.split(line)
                env_vars: dict[str, str] = {}
                while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
                    name, _, value = words.pop(0).partition("=")
                    env_vars[name] = value
                if words[0] == "nova-gen" and words[1:2] == ["serve"]:
                    assert words[2:] == [SPEC_NAME], line
                    served = True  # the SpecServer above stands in for it
                elif words[0] == "nova-gen":
                    assert not env_vars, line
                    capsys.readouterr()
                    status = cli.main(words[1:])
                    out, err = capsys.readouterr()
                    assert status == 0, f"{line} exited {status}:\n{out}\n{err}"
                    outputs[line] = out
                elif words[0] == "python":
                    assert served, f"{line} runs before the tutorial starts the server"
                    env = dict(os.environ)
                    for name, value in env_vars.items():
                        # relative paths (PYTHONPATH=out) are relative to the spec's folder
                        env[name] = str(tmp_path / value) if name == "PYTHONPATH" else value
                    env["NOVA_URL"] = server.url
                    status, out, err = await _run([sys.executable, *words[1:]], env, tmp_path)
                    assert status == 0, f"{line} exited {status}:\n{out}\n{err}"
                    outputs[line] = out
                else:
                    raise AssertionError(f"the test does not know how to run {line!r}")

        # the programs really talked to the server
        assert server.requests_of("time"), "get_time() never reached the server"
        assert any(
            frame.get("args") == ["tickers.BTC-USDT"] for frame in server.requests_of("subscribe")
        )

    assert (tmp_path / "out" / "tickers" / "client.py").is_file()
    shown = [b for b in found if b.lang == "text"]
    assert shown, "the tutorial shows no output"
    for b in shown:
        assert b.title is not None and b.title.startswith("output of "), b
        command = b.title.removeprefix("output of ")
        assert command in outputs, f"{command!r} is not a command of the tutorial"
        assert outputs[command] == b.body, f"{command} printed:\n{outputs[command]}"

    # `nova-gen --check` (the CI step) notices a spec edited without regenerating
    spec_path = tmp_path / SPEC_NAME
    spec_path.write_text(
        spec.replace("Example ticker API", "Example ticker API v2"), encoding="utf-8"
    )
    assert cli.main(["--check"]) == 1
    capsys.readouterr()


# -- docs/protocols.md -----------------------------------------------------------------------

SPEC_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\(\.\./(?P<path>specs/[^)#\s]+)(?:#L(?P<line>\d+))?\)")
SPEC_PATH = re.compile(r"(?<![\w/.])specs/[\w./-]+\.ya?ml")
KEY_PATH = re.compile(r"`(?P<path>[A-Za-z_0-9\"-]+(?:\.[A-Za-z_0-9\"-]+)+)`")


def _resolve(doc: Any, path: str) -> Any:
    node = doc
    for part in path.split("."):
        part = part.strip('"')
        if isinstance(node, list):
            node = node[int(part)]
        else:
            assert isinstance(node, dict), f"{path}: {part} is below a scalar"
            if part not in node:
                # YAML integer keys (error codes) and string keys are both written plainly
                candidates = [k for k in node if str(k) == part]
                assert candidates, f"{path}: no key {part!r}"
                part = candidates[0]
            node = node[part]
    return node


def _references() -> list[tuple[str, int | None, list[str]]]:
    """(spec path, line or None, key paths quoted after the link in the same table cell)."""
    refs = []
    for line in PROTOCOLS.read_text(encoding="utf-8").splitlines():
        for cell in line.split("|"):
            links = list(SPEC_LINK.finditer(cell))
            for i, m in enumerate(links):
                end = links[i + 1].start() if i + 1 < len(links) else len(cell)
                keys = [k["path"] for k in KEY_PATH.finditer(cell, m.end(), end)]
                refs.append((m["path"], int(m["line"]) if m["line"] else None, keys))
    return refs


def test_protocols_spec_paths_exist() -> None:
    text = PROTOCOLS.read_text(encoding="utf-8")
    paths = set(SPEC_PATH.findall(text))
    assert paths, "protocols.md names no spec"
    for path in sorted(paths):
        assert (ROOT / path).is_file(), f"protocols.md names {path}, which does not exist"


def test_protocols_key_paths_resolve() -> None:
    refs = _references()
    assert len(refs) >= 30, "protocols.md should point into the specs key by key"
    checked = 0
    loaded: dict[str, tuple[list[str], Any]] = {}
    for path, line, keys in refs:
        spec = ROOT / path
        if spec.is_dir():  # a link to a folder of specs (specs/asyncapi/)
            assert not keys and line is None, path
            continue
        assert spec.is_file(), path
        if path not in loaded:
            text = spec.read_text(encoding="utf-8")
            loaded[path] = (text.splitlines(), yaml.safe_load(text))
        lines, doc = loaded[path]
        if line is not None:
            assert 1 <= line <= len(lines), f"{path}#L{line} is past the end"
        for key in keys:
            _resolve(doc, key)
            if line is not None:
                last = key.split(".")[-1].strip('"')
                assert re.search(rf"(^|[\s{{,\-\"]){re.escape(last)}\"?\s*:", lines[line - 1]), (
                    f"{path}#L{line} is not where {key} is: {lines[line - 1]!r}"
                )
            checked += 1
    assert checked >= 30
