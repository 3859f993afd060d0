"""Every link in README.md and docs/ resolves inside the repository.

The docs must stand on their own: a relative link names a file of this repository (and,
with ``#anchor``, a heading of that file), never a path outside the checkout. Links to
web pages (``https://``) are not followed; nothing here touches the network.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def links(page: Path) -> list[str]:
    """The link targets of a Markdown page, code blocks left out."""
    return LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8")))


def anchors(page: Path) -> set[str]:
    """GitHub-style anchors of a page's headings: lower case, punctuation dropped,
    spaces to hyphens."""
    found = set()
    for line in FENCE.sub("", page.read_text(encoding="utf-8")).splitlines():
        if line.startswith("#"):
            text = line.lstrip("#").strip().lower()
            text = re.sub(r"[^\w\- ]", "", text)
            found.add(text.replace(" ", "-"))
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve_inside_the_repository(page: Path) -> None:
    broken = []
    for target in links(page):
        if re.match(r"[a-z]+:", target):  # https:, mailto: — not followed
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if ROOT not in resolved.parents and resolved != ROOT:
            broken.append(f"{target}: outside the repository")
        elif not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading with that anchor")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_pages_are_found_and_have_links() -> None:
    """The check above runs over real pages with real links (it cannot pass vacuously)."""
    assert ROOT / "README.md" in PAGES and len(PAGES) > 5
    assert sum(len(links(p)) for p in PAGES) > 100


def test_no_file_points_outside_the_checkout() -> None:
    """Specs, code and docs cite their public sources, never a file that only exists beside
    the checkout (an absolute path of some machine, or notes kept outside the repository)."""
    outside = re.compile(r"(?<![\w.])/(?:work|home|Users|tmp)/\w|\.\./shared/")
    offenders = []
    for folder in ("specs", "docs", "generator", "runtime", "templates", "examples", "bench"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in {".py", ".md", ".yaml", ".yml", ".jinja", ".toml"} and path.is_file():
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    if outside.search(line):
                        offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
