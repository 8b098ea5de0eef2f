"""The documentation: a short README, one page per subject in docs/, no broken relative link."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import REPO

README = REPO / "README.md"
DOCS = REPO / "docs"
PAGES = sorted(DOCS.glob("*.md"))
README_MAX_LINES = 250
EXPECTED_PAGES = [
    "adhoc.md",
    "benchmarks.md",
    "contract.md",
    "deploying.md",
    "development.md",
    "guarantees.md",
    "incremental.md",
    "releasing.md",
    "scaling.md",
]

_FENCED = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*$", re.MULTILINE)


def prose(path: Path) -> str:
    """The Markdown text without code blocks and code spans (their brackets are not links)."""
    return _FENCED.sub("", path.read_text(encoding="utf-8"))


def anchors(path: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces as '-', '-N' on repeats."""
    seen: dict[str, int] = {}
    for heading in _HEADING.findall(prose(path)):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        if count:
            seen[f"{slug}-{count}"] = 1
    return set(seen)


def relative_links(path: Path) -> list[str]:
    text = _INLINE_CODE.sub("", prose(path))
    return [t for t in _LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def broken_links(path: Path, root: Path = REPO) -> list[str]:
    """Relative links of ``path`` whose file, or heading anchor, does not exist."""
    name = path.relative_to(root)
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{name}: {target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{name}: {target} (no such heading)")
    return broken


def test_readme_is_at_most_250_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"


def test_docs_pages_are_the_expected_ones_and_the_readme_links_each():
    assert [page.name for page in PAGES] == EXPECTED_PAGES
    assert not (DOCS / "readme-sections").exists()
    linked = {target.partition("#")[0] for target in relative_links(README)}
    assert sorted(name for name in EXPECTED_PAGES if f"docs/{name}" in linked) == EXPECTED_PAGES


def test_every_relative_link_points_to_an_existing_file():
    broken = [link for path in [README, *PAGES] for link in broken_links(path)]
    assert broken == []


def test_the_link_checker_catches_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "there.md").write_text("# A `code` title\n", encoding="utf-8")
    page.write_text(
        "# Page\n[ok](there.md#a-code-title) [self](#page) [web](https://example.com)\n"
        "[gone](missing.md) [bad anchor](there.md#nope) `[not a link](x.md)`\n"
        "```\n[in a code block](y.md)\n```\n",
        encoding="utf-8",
    )
    assert relative_links(page) == [
        "there.md#a-code-title",
        "#page",
        "missing.md",
        "there.md#nope",
    ]
    assert broken_links(page, root=tmp_path) == [
        "page.md: missing.md (no such file)",
        "page.md: there.md#nope (no such heading)",
    ]
