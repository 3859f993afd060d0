"""Generation benchmarks: nova-gen against datamodel-code-generator, and nova-gen's scaling.

Two rows, both in this one process run, after one warm-up of each side (imports and caches
are paid once, as in a CLI run's steady state; ``--startup`` adds the CLI start-up row):

- ``deribit``: nova-gen generating the whole Deribit package from ``specs/deribit.yaml``
  (load, check, plan, render every file, format with ruff) against the baseline a user would
  otherwise run: datamodel-code-generator building pydantic v2 models from the *same*
  schemas (the ones nova-gen hands it for ``models.py``), isort included, then ``ruff format``.
  Rounds alternate nova, baseline, nova, ...; it prints the median and min-max of each
  side and nova/baseline.
- ``scaling``: nova-gen on synthetic specs of 20, 40, 80 and 160 requests + channels (half
  each, every one with its own object schema), printing each time and t(160)/t(20); linear
  growth gives 8.

    python bench/generation.py [ROUNDS] [--sizes 20,40,80,160] [--startup]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def timed(work: Callable[..., object], *args: Any) -> float:
    start = time.perf_counter()
    work(*args)
    return time.perf_counter() - start


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})"


def deribit_row(rounds: int) -> tuple[float, float]:
    schemas = deribit_schemas()
    nova(DERIBIT), baseline(schemas)  # warm-up: imports, template and ruff binary caches
    times: dict[str, list[float]] = {"nova": [], "baseline": []}
    for _ in range(rounds):
        times["nova"].append(timed(nova, DERIBIT))
        times["baseline"].append(timed(baseline, schemas))
    n, b = statistics.median(times["nova"]), statistics.median(times["baseline"])
    print(f"deribit ({len(schemas)} schemas, {rounds} rounds, interleaved)")
    print(f"  nova-gen, whole package          {summary(times['nova'])}")
    print(f"  datamodel-code-generator + ruff  {summary(times['baseline'])}")
    print(f"  nova / baseline                  {n / b:.2f}x")
    return n, b


def scaling_row(rounds: int, sizes: list[int]) -> dict[int, float]:
    medians: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        specs = {}
        for size in sizes:
            specs[size] = Path(folder) / f"synthetic{size}.yaml"
            specs[size].write_text(synthetic_spec(size), encoding="utf-8")
        nova(specs[sizes[0]])  # warm-up
        times: dict[int, list[float]] = {size: [] for size in sizes}
        for _ in range(rounds):
            for size in sizes:
                times[size].append(timed(nova, specs[size]))
    print(f"scaling (requests + channels, {rounds} rounds, interleaved)")
    for size in sizes:
        medians[size] = statistics.median(times[size])
        print(f"  {size:4d}  {summary(times[size])}")
    print(
        f"  t({sizes[-1]})/t({sizes[0]}) = {medians[sizes[-1]] / medians[sizes[0]]:.2f} (linear: {sizes[-1] / sizes[0]:.0f})"
    )
    return medians


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=300)


def startup_row(rounds: int) -> None:
    """The CLI end to end: a fresh ``nova-gen`` process generating Deribit, against a fresh
    ``datamodel-codegen`` process on the same schemas (no ruff pass: its CLI formats itself)."""
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as folder:
        schemas = Path(folder) / "schemas.json"
        schemas.write_text(json.dumps({"$defs": deribit_schemas()}), encoding="utf-8")
        commands = {
            "nova": [str(bindir / "nova-gen"), str(DERIBIT), "-o", str(Path(folder) / "out")],
            "baseline": [
                str(bindir / "datamodel-codegen"),
                "--input",
                str(schemas),
                "--input-file-type",
                "jsonschema",
                "--output-model-type",
                "pydantic_v2.BaseModel",
                "--target-python-version",
                "3.11",
                "--enum-field-as-literal",
                "all",
                "--use-standard-collections",
                "--use-union-operator",
                "--field-constraints",
                "--disable-timestamp",
                "--output",
                str(Path(folder) / "models.py"),
            ],
        }
        times: dict[str, list[float]] = {"nova": [], "baseline": []}
        for _ in range(rounds):
            for side, command in commands.items():
                times[side].append(timed(run, command))
    print(f"CLI, fresh process each ({rounds} rounds, interleaved)")
    print(f"  nova-gen specs/deribit.yaml      {summary(times['nova'])}")
    print(f"  datamodel-codegen                {summary(times['baseline'])}")
    print(
        f"  nova / baseline                  {statistics.median(times['nova']) / statistics.median(times['baseline']):.2f}x"
    )


def main(argv: list[str] | None = None) -> None:
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
