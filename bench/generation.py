"""Generation benchmarks: nova-gen against datamodel-code-generator, and nova-gen's scaling.

Two rows, both in this one process run, after one warm-up of each side (imports and caches
are paid once, as in a CLI run's steady state; ``--startup`` adds the CLI row: fresh
processes, start-up imports included, with ``datamodel-codegen`` given the same options
and followed by the same two ruff commands):

- ``deribit``: nova-gen generating the whole Deribit package from ``specs/deribit.yaml``
  (load, check, plan, render every file, format with ruff) against the baseline a user would
  otherwise run: datamodel-code-generator building pydantic v2 models from the *same*
  schemas (the ones nova-gen hands it for ``models.py``), isort included, then ruff (its
  safe fixes, then ``ruff format``), as nova-gen formats every file.
  Rounds alternate nova, baseline, nova, ...; it prints the median and min-max of each
  side and ``ratio nova/baseline``.
  Its ``models.py`` and the baseline's output differ only in their header comment and the
  ``Field(repr=False)`` nova-gen gives secrets.
- ``scaling``: nova-gen on synthetic specs of 20, 40, 80 and 160 requests + channels (half
  each, every one with its own object schema), printing each time and ``ratio t160/t20``;
  linear growth gives 8.

    python bench/generation.py [ROUNDS] [--sizes 20,40,80,160] [--startup]
    python bench/generation.py --instructions

Fresh processes (``--startup``, ``--instructions``) run with Python's bytecode cache on, as
an installed nova-gen and datamodel-code-generator have it (pip compiles both when it
installs them), even where ``PYTHONDONTWRITEBYTECODE`` is set: without it, every module of
an editable nova-gen is compiled from source in every process, which no user pays.

``--instructions`` counts CPU instructions with valgrind's callgrind (which must be
installed; several minutes), repeatable to well under 1 % on a loaded machine where the
wall clock is not: in-process per run (a child that warms up and runs three times, minus one
that only warms up, over three) and each CLI in a fresh process. Only the Python process is
counted: the two ruff processes each side starts are not.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import interleave, report

ROOT = Path(__file__).resolve().parent.parent
DERIBIT = ROOT / "specs" / "deribit.yaml"


def nova(spec: Path) -> dict[str, str]:
    """The whole generated package for ``spec``, in memory."""
    from nova_gen.diagnostics import Diagnostics
    from nova_gen.pipeline import generate
    from nova_gen.render import RenderOptions

    return generate(spec, RenderOptions(), Diagnostics(), base=spec.parent).files


def deribit_schemas() -> dict[str, Any]:
    """The schemas nova-gen turns into ``models.py`` for Deribit, by class name."""
    from nova_gen.diagnostics import Diagnostics
    from nova_gen.loader import load_api
    from nova_gen.planner import plan

    diagnostics = Diagnostics()
    return dict(plan(load_api(DERIBIT, diagnostics), diagnostics).models)


def baseline(schemas: dict[str, Any]) -> str:
    """What a competent engineer would run by hand: datamodel-code-generator on one JSON
    Schema document of the same schemas, with the options nova-gen gives it (pydantic v2,
    Python 3.11), formatted by ruff."""
    from datamodel_code_generator import generate

    from nova_gen.render.formatter import format_python
    from nova_gen.render.models import datamodel_options

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = generate(json.dumps({"$defs": dict(sorted(schemas.items()))}), **datamodel_options())
    assert isinstance(out, str)
    return format_python(out)


def synthetic_spec(entries: int) -> str:
    """A nova spec of ``entries`` requests + channels (half each), each with its own schema."""
    requests = entries // 2
    channels = entries - requests
    lines = [
        "nova: 1",
        f"name: synthetic{entries}",
        "title: Synthetic API",
        'version: "1.0"',
        "servers:",
        '  production: { url: "wss://api.example.com/ws" }',
        "envelope:",
        "  preset: jsonrpc2",
        "requests:",
        "  subscribe:",
        "    method: public/subscribe",
        "    params: { type: object, required: [channels], properties: { channels: { type: array, items: { type: string } } } }",
        "    result: { type: array, items: { type: string } }",
    ]
    for i in range(requests - 1):
        lines += [
            f"  get_thing_{i}:",
            f"    method: public/get_thing_{i}",
            f"    summary: Fetch thing {i}.",
            "    params:",
            "      type: object",
            "      required: [name]",
            "      properties:",
            "        name: { type: string, description: The name. }",
            "        depth: { type: integer, minimum: 1 }",
            f'    result: {{ $ref: "#/schemas/Thing{i}" }}',
        ]
    lines += [
        "subscriptions:",
        "  public:",
        "    subscribe: subscribe",
        "    addresses: /channels",
        "channels:",
    ]
    for i in range(channels):
        lines += [
            f"  feed_{i}:",
            f'    address: "feed{i}.{{symbol}}"',
            "    parameters:",
            "      symbol: { type: string }",
            "    subscription: public",
            f'    message: {{ $ref: "#/schemas/Event{i}" }}',
        ]
    lines.append("schemas:")
    for kind, count in (("Thing", requests - 1), ("Event", channels)):
        for i in range(count):
            lines += [
                f"  {kind}{i}:",
                "    type: object",
                "    required: [id, price]",
                "    properties:",
                "      id: { type: string }",
                "      price: { type: number, description: Price in quote currency. }",
                "      side: { enum: [buy, sell] }",
                "      tags: { type: array, items: { type: string } }",
            ]
    return "\n".join(lines) + "\n"


def ms(work: Callable[..., object], *args: Any) -> float:
    start = time.perf_counter()
    work(*args)
    return (time.perf_counter() - start) * 1000


def deribit_row(rounds: int) -> float:
    schemas = deribit_schemas()
    nova(DERIBIT), baseline(schemas)  # warm-up: imports, template and ruff binary caches
    samples = interleave(
        rounds, {"nova": lambda: ms(nova, DERIBIT), "baseline": lambda: ms(baseline, schemas)}, "ms"
    )
    labels = {
        "nova": "nova-gen, whole Deribit package",
        "baseline": f"datamodel-code-generator + ruff, {len(schemas)} schemas",
    }
    return report(
        "generation, Deribit", samples, labels, "ms", ours="nova", base="baseline", goal="<= 1.0"
    )


def scaling_row(rounds: int, sizes: list[int]) -> float:
    with tempfile.TemporaryDirectory() as folder:
        specs = {}
        for size in sizes:
            specs[size] = Path(folder) / f"synthetic{size}.yaml"
            specs[size].write_text(synthetic_spec(size), encoding="utf-8")
        nova(specs[sizes[0]])  # warm-up
        sides = {f"t{size}": functools.partial(ms, nova, specs[size]) for size in sizes}
        samples = interleave(rounds, sides, "ms")
    labels = {f"t{size}": f"nova-gen, {size} requests + channels" for size in sizes}
    first, last = f"t{sizes[0]}", f"t{sizes[-1]}"
    linear = sizes[-1] / sizes[0]
    goal = f"<= {linear * 9 / 8:g}, linear {linear:g}"
    return report("generation scaling", samples, labels, "ms", ours=last, base=first, goal=goal)


BYTECODE_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""The environment of fresh processes: bytecode cached, as installed packages have it."""


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=300, env=BYTECODE_ENV)


def cli_commands(folder: Path) -> tuple[list[str], list[list[str]]]:
    """The nova-gen command line for Deribit, and what a user would run by hand for its
    models alone: ``datamodel-codegen`` on the same schemas with nova-gen's options, then
    ``ruff check --fix`` and ``ruff format`` (the steps nova-gen's models go through). Every
    command runs its script with this Python (so callgrind counts Python, not a shebang)."""
    bindir = Path(sys.executable).parent
    schemas = folder / "schemas.json"
    schemas.write_text(
        json.dumps({"$defs": dict(sorted(deribit_schemas().items()))}), encoding="utf-8"
    )
    models = str(folder / "models.py")
    nova_cli = [sys.executable, str(bindir / "nova-gen"), str(DERIBIT), "-o", str(folder / "out")]
    baseline_cli = [
        sys.executable, str(bindir / "datamodel-codegen"), "--input", str(schemas), "--input-file-type", "jsonschema",
        "--output-model-type", "pydantic_v2.BaseModel", "--target-python-version", "3.11",
        "--enum-field-as-literal", "all", "--use-standard-collections", "--use-union-operator",
        "--use-type-alias", "--field-constraints", "--use-schema-description",
        "--use-field-description", "--disable-timestamp", "--skip-root-model",
        "--formatters", "isort", "--output", models,
    ]  # fmt: skip
    ruff = [str(bindir / "ruff")]
    ruff_check = [*ruff, "check", "--isolated", "--fix", "--exit-zero", "--quiet", models]
    ruff_format = [*ruff, "format", "--isolated", "--quiet", models]
    return nova_cli, [baseline_cli, ruff_check, ruff_format]


def startup_row(rounds: int) -> float:
    """The CLI end to end: a fresh ``nova-gen`` process generating Deribit, against the same
    models by hand (:func:`cli_commands`)."""
    with tempfile.TemporaryDirectory() as folder:
        nova_cli, by_hand_commands = cli_commands(Path(folder))

        def by_hand() -> None:
            for command in by_hand_commands:
                run(command)

        run(nova_cli), by_hand()  # warm-up: bytecode caches written, files in the page cache
        samples = interleave(
            rounds,
            {"nova": lambda: ms(run, nova_cli), "baseline": lambda: ms(by_hand)},
            "ms",
        )
    labels = {
        "nova": "nova-gen specs/deribit.yaml, fresh process",
        "baseline": "datamodel-codegen + ruff check --fix + ruff format",
    }
    return report(
        "generation CLI start to end",
        samples,
        labels,
        "ms",
        ours="nova",
        base="baseline",
        goal="<= 1.0",
    )


def callgrind(command: list[str]) -> int:
    """Instructions the process ``command`` executes (its children, ruff, not counted)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", *command],
            capture_output=True,
            text=True,
            check=True,
            timeout=1800,
            env=BYTECODE_ENV,
        )
    found = re.search(r"Collected : (\d+)", out.stderr)
    assert found is not None, out.stderr[-2000:]
    return int(found.group(1))


def instructions() -> None:
    """Both rows in instructions (see the module docstring)."""
    child = [sys.executable, __file__, "--child"]
    counts: dict[str, float] = {}
    for side in ("nova", "baseline"):
        once, four = (callgrind([*child, side, str(runs)]) for runs in (0, 3))
        counts[side] = (four - once) / 3
        print(f"in-process {side:>8}: {counts[side] / 1e9:.3f} G instructions per run", flush=True)
    print(
        f"ratio nova/baseline: {counts['nova'] / counts['baseline']:.3f}  (in-process)", flush=True
    )
    with tempfile.TemporaryDirectory() as folder:
        nova_cli, by_hand_commands = cli_commands(Path(folder))
        run(nova_cli), run(by_hand_commands[0])  # bytecode caches written
        cli = {"nova": callgrind(nova_cli), "baseline": callgrind(by_hand_commands[0])}
    for side, count in cli.items():
        print(f"CLI {side:>8}: {count / 1e9:.3f} G instructions, fresh process", flush=True)
    print(f"ratio nova/baseline: {cli['nova'] / cli['baseline']:.3f}  (CLI)", flush=True)


def child(side: str, runs: int) -> None:
    """One side under callgrind: a warm-up, then ``runs`` more runs."""
    if side == "nova":
        for _ in range(runs + 1):
            nova(DERIBIT)
    else:
        schemas = deribit_schemas()
        for _ in range(runs + 1):
            baseline(schemas)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1], int(argv[2]))
        return
    if argv[:1] == ["--instructions"]:
        instructions()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rounds", nargs="?", type=int, default=5)
    parser.add_argument(
        "--sizes", default="20,40,80,160", help="comma-separated requests + channels per spec"
    )
    parser.add_argument(
        "--startup", action="store_true", help="also time the CLIs in fresh processes"
    )
    args = parser.parse_args(argv)
    deribit_row(args.rounds)
    scaling_row(args.rounds, [int(s) for s in args.sizes.split(",")])
    if args.startup:
        startup_row(args.rounds)


if __name__ == "__main__":
    main()
