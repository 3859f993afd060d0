"""Measure nova-gen on the public corpus: for every document in ``corpus/``, does it generate a
client, does that client pass ``mypy --strict``, does it import?

Run as a script to print the table (``make corpus``); ``test_corpus.py`` asserts the share.
Every client imports the installed runtime (the default, not vendored), so mypy checks the
runtime once, not once per client; mypy runs once over all clients (in as few batches as their
package names allow), with its cache in ``build/corpus/``; the imports run in one child
interpreter. A document is one root file: a YAML or JSON file whose top level has ``asyncapi``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.pipeline import generate
from nova_gen.render import RenderOptions

CORPUS = Path(__file__).parent / "corpus"
ROOT = Path(__file__).parents[2]
SUFFIXES = (".yml", ".yaml", ".json")


@dataclass
class Result:
    """One document's outcome: ``stage`` is the first stage that failed (``generate``, ``mypy``,
    ``import``) or ``pass``; ``first_error`` the first diagnostic or error line of that stage."""

    document: str
    stage: str = "pass"
    first_error: str = ""
    package: str = ""

    @property
    def passed(self) -> bool:
        return self.stage == "pass"


def documents() -> list[Path]:
    """The corpus's root documents, sorted: files under ``corpus/`` with a top-level ``asyncapi``."""
    found = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix not in SUFFIXES or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        loaded = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        if isinstance(loaded, dict) and "asyncapi" in loaded:
            found.append(path)
    return found


def _generate(path: Path, into: Path, result: Result) -> None:
    diagnostics = Diagnostics()
    try:
        generated = generate(path, RenderOptions(), diagnostics, base=CORPUS)
    except SpecError:
        errors = [d for d in diagnostics.items if d.severity == "error"] or diagnostics.items
        result.stage = "generate"
        result.first_error = errors[0].format().splitlines()[0] if errors else "refused"
        return
    for name, text in generated.files.items():
        target = into / generated.package / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    result.package = generated.package


def type_check(out: Path, batches: list[list[tuple[Path, Result]]]) -> None:
    """One mypy process per batch of clients with distinct package names (usually one)."""
    for number, batch in enumerate(batches):
        packages = [str(d / r.package) for d, r in batch]
        env = {**os.environ, "MYPYPATH": str(ROOT / "runtime" / "src")}  # the shared runtime
        command = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
                   "--cache-dir", str(out / f"mypy-cache-{number}"), *packages]
        run = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
        if run.returncode not in (0, 1) or run.stderr.strip():
            raise RuntimeError(f"mypy did not run: {run.stderr or run.stdout}")
        for line in run.stdout.splitlines():
            for directory, result in batch:
                if result.passed and line.startswith(str(directory / result.package)) and ": error:" in line:
                    result.stage, result.first_error = "mypy", line.removeprefix(str(directory) + "/")


_IMPORTER = """
import importlib, sys, traceback
for directory, package in [line.split("\\t") for line in sys.stdin.read().splitlines()]:
    sys.path.insert(0, directory)
    try:
        importlib.import_module(package)
        print("ok")
    except BaseException as error:
        print("".join(traceback.format_exception_only(error)).strip().replace("\\n", " "))
    sys.path.remove(directory)
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]
"""


def import_all(pairs: list[tuple[Path, Result]]) -> None:
    if not pairs:
        return
    lines = "\n".join(f"{d}\t{r.package}" for d, r in pairs)
    run = subprocess.run([sys.executable, "-c", _IMPORTER], input=lines, capture_output=True,
                         text=True, timeout=300, check=True)
    for (_, result), answer in zip(pairs, run.stdout.splitlines(), strict=True):
        if answer != "ok":
            result.stage, result.first_error = "import", answer


def measure(out: Path) -> list[Result]:
    """Generate, type-check and import every corpus document under ``out``; one result each."""
    results: list[Result] = []
    generated: list[tuple[Path, Result]] = []
    for path in documents():
        relative = path.relative_to(CORPUS).as_posix()
        result = Result(relative)
        into = out / "clients" / re.sub(r"[^A-Za-z0-9]+", "_", relative)
        _generate(path, into, result)
        results.append(result)
        if result.passed:
            generated.append((into, result))
    batches: list[list[tuple[Path, Result]]] = []
    for pair in generated:
        batch = next((b for b in batches if all(r.package != pair[1].package for _, r in b)), None)
        if batch is None:
            batches.append(batch := [])
        batch.append(pair)
    type_check(out, batches)
    import_all([pair for pair in generated if pair[1].passed])
    return results


def table(results: list[Result]) -> str:
    """The results as a Markdown table, then the pass share."""
    rows = ["| document | result | first error |", "|---|---|---|"]
    for r in results:
        first = r.first_error.replace("|", "\\|")[:200]
        rows.append(f"| {r.document} | {r.stage} | {first} |")
    passed = sum(r.passed for r in results)
    rows.append(f"\n{passed} of {len(results)} documents pass ({passed / len(results):.0%})")
    return "\n".join(rows)


if __name__ == "__main__":
    import shutil

    out = ROOT / "build" / "corpus"
    shutil.rmtree(out / "clients", ignore_errors=True)
    print(table(measure(out)))
