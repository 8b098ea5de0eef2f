"""The text of ``report.html``: one file, scripts, styles and data inline, no network needed.

The template, the style, the page's script and the vendored graph layout (d3-force and its
three dependencies, pinned, ISC licence: ``page_assets/vendor/README.md``) are package data
read with :mod:`importlib.resources`, so they load from the package folder and from the zip
Dataproc runs (``python_file_uris``) alike. The page's data is one JSON document in a
``<script type="application/json">`` element (``<``, ``>`` and ``&`` escaped, so no title can
close it); the script builds the page from it with text nodes only, never markup.

Size: the lists are bounded by :class:`drug_mentions.page.Limits` and names are clipped; the
publications, the one part whose size depends on title lengths, are then listed for as many
drugs (in rank order) as :data:`MAX_BYTES` allows, and the page says for how many.
Plain Python (no PySpark).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict
from importlib import resources
from typing import Any

from drug_mentions import contract

MAX_BYTES = 5_000_000  # the whole page, in UTF-8 bytes
FILES_SHOWN = 100  # input files listed (run_report.json lists them all)
ASSETS = "page_assets"
SCRIPTS = (
    "vendor/d3-dispatch.min.js",
    "vendor/d3-quadtree.min.js",
    "vendor/d3-timer.min.js",
    "vendor/d3-force.min.js",
    "app.js",
)
LICENCES = ("vendor/LICENSE-d3",)
WHERE_ENTRIES = (contract.MENTIONS_DIR, contract.REJECTS_DIR, contract.OUTPUT_JSON)
_SLOTS = ("STYLE", "DATA", "LICENCES", "SCRIPTS")
_MARKER = re.compile(r"<!--(" + "|".join(_SLOTS) + r")-->")


def asset(name: str) -> str:
    """A file of ``page_assets/`` as text (from the package folder or its zip)."""
    return resources.files("drug_mentions").joinpath(ASSETS, name).read_text(encoding="utf-8")


def clip_text(text: str | None, chars: int) -> str | None:
    """``text`` cut to ``chars`` characters, the last one an ellipsis when it was longer."""
    if text is None or len(text) <= chars:
        return text
    return text[: chars - 1] + "…"


def to_json(value: Any) -> str:
    """Compact JSON safe inside a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _size(value: Any) -> int:
    return len(to_json(value).encode("utf-8"))


def indexed(data: dict[str, Any], chars: int) -> dict[str, Any]:
    """Names clipped; links and publications refer to drugs and journals by list position."""
    drug_at = {row[0]: i for i, row in enumerate(data["drugs"])}
    journal_at = {row[0]: i for i, row in enumerate(data["journals"])}
    return {
        "drugs": [[clip_text(r[0], chars), *r[1:]] for r in data["drugs"]],
        "journals": [[clip_text(r[0], chars), *r[1:]] for r in data["journals"]],
        "links": [[drug_at[r[0]], journal_at[r[1]], *r[2:]] for r in data["links"]],
        "publications": [[drug_at[r[0]], *r[1:]] for r in data["publications"]],
        "totals": data["totals"],
    }


def within_budget(publications: list[list[Any]], budget: int) -> tuple[list[list[Any]], int]:
    """The publications of the first drugs (rank order) whose rows fit in ``budget`` bytes,
    and how many drugs that is (rows arrive grouped by drug, drugs in any order)."""
    per_drug: dict[int, list[list[Any]]] = {}
    for row in publications:
        per_drug.setdefault(row[0], []).append(row)
    kept: list[list[Any]] = []
    drugs = 0
    for drug in sorted(per_drug):
        rows = per_drug[drug]
        cost = sum(_size(row) + 1 for row in rows)
        if cost > budget:
            break
        kept += rows
        budget -= cost
        drugs += 1
    return kept, drugs


def _report_part(summary: dict[str, Any]) -> dict[str, Any]:
    files = summary.get("files", [])
    return {**summary, "files": files[:FILES_SHOWN], "files_total": len(files)}


def render(
    summary: dict[str, Any], data: dict[str, Any], limits: Any, where: dict[str, str]
) -> str:
    """The page: ``summary`` is the run report, ``data`` what :func:`page.collect` gathered,
    ``where`` the run's entries (``mentions``, ...) as paths. At most :data:`MAX_BYTES`."""
    shown = indexed(data, limits.text_chars)
    payload = {
        "report": _report_part(summary),
        "limits": asdict(limits),
        "where": where,
        **shown,
        "publications": [],
        "publications_drugs": 0,
    }
    payload["totals"] = {**shown["totals"], "drugs": summary["drugs_mentioned"]}
    slots = {
        "STYLE": asset("style.css"),
        "LICENCES": html.escape("\n\n".join(asset(name) for name in LICENCES)),
        "SCRIPTS": "\n".join(f"<script>\n{asset(name)}\n</script>" for name in SCRIPTS),
    }
    fixed = len(_fill(asset("report.html"), {**slots, "DATA": to_json(payload)}).encode())
    if fixed > MAX_BYTES:
        raise ValueError(f"{contract.REPORT_HTML}: {fixed} bytes before publications")
    kept, drugs = within_budget(shown["publications"], MAX_BYTES - fixed - 64)
    payload.update(publications=kept, publications_drugs=drugs)
    return _fill(asset("report.html"), {**slots, "DATA": to_json(payload)})


def _fill(template: str, slots: dict[str, str]) -> str:
    """Replace each ``<!--SLOT-->`` marker of the template (one of each) in a single pass, so
    inserted text is never searched for markers."""
    for name in _SLOTS:
        if template.count(f"<!--{name}-->") != 1:
            raise ValueError(f"page template: expected one <!--{name}--> marker")
    return _MARKER.sub(lambda found: slots[found.group(1)], template)
