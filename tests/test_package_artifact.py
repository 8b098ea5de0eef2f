"""jobs/package_artifact.py: exact dist/ contents, byte-identical rebuilds, importable zip.

The package in jobs/drug_mentions is still growing, so expectations are computed from the
files present at test time. Builds run on a copy of the sources in tmp_path (entry points
are stubbed when jobs/ does not have them yet), never in the real jobs/ or dist/.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "jobs" / "package_artifact.py"
PACKAGE_DIR = REPO_ROOT / "jobs" / "drug_mentions"
ALLOWED_THIRD_PARTY = {"pyspark"}


def package_sources() -> list[str]:
    """Archive names the zip must hold: every file of the package but caches."""
    names = []
    for path in PACKAGE_DIR.rglob("*"):
        relative = path.relative_to(PACKAGE_DIR)
        if path.is_file() and "__pycache__" not in relative.parts and path.suffix != ".pyc":
            names.append(f"drug_mentions/{relative.as_posix()}")
    return sorted(names)


def version() -> str:
    namespace: dict[str, str] = {}
    init_source = (PACKAGE_DIR / "__init__.py").read_text(encoding="utf-8")
    for line in init_source.splitlines():
        if line.startswith("__version__"):
            exec(line, namespace)
    return namespace["__version__"]


def make_repo(root: Path) -> Path:
    """A copy of what the build reads: jobs/{pipeline,adhoc}.py, jobs/drug_mentions, conf/."""
    (root / "jobs").mkdir(parents=True)
    shutil.copytree(
        PACKAGE_DIR, root / "jobs" / "drug_mentions", ignore=shutil.ignore_patterns("__pycache__")
    )
    for entry_point in ("pipeline.py", "adhoc.py"):
        source = REPO_ROOT / "jobs" / entry_point
        text = source.read_text(encoding="utf-8") if source.exists() else f'"""{entry_point}"""\n'
        (root / "jobs" / entry_point).write_text(text, encoding="utf-8")
    shutil.copytree(REPO_ROOT / "conf", root / "conf")
    return root


def run_build(repo: Path, out: Path) -> subprocess.CompletedProcess[str]:
    shutil.copy(SCRIPT, repo / "jobs" / "package_artifact.py")
    return subprocess.run(
        [sys.executable, str(repo / "jobs" / "package_artifact.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = make_repo(tmp_path_factory.mktemp("repo"))
    out = tmp_path_factory.mktemp("dist")
    result = run_build(repo, out)
    assert result.returncode == 0, result.stderr
    return out


def test_dist_folder_exact(built: Path) -> None:
    files = sorted(p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file())
    assert files == sorted(
        ["adhoc.py", "conf/gcp.toml", f"drug_mentions-{version()}.zip", "pipeline.py"]
    )
    assert (built / "conf" / "gcp.toml").read_bytes() == (REPO_ROOT / "conf/gcp.toml").read_bytes()
    for path in built.rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o777 == 0o644, path


def test_zip_entries_exact_sorted_and_normalised(built: Path) -> None:
    with zipfile.ZipFile(built / f"drug_mentions-{version()}.zip") as archive:
        infos = archive.infolist()
        assert [info.filename for info in infos] == package_sources()
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100644
            source = PACKAGE_DIR / info.filename.removeprefix("drug_mentions/")
            assert archive.read(info) == source.read_bytes()


def test_rebuild_is_byte_identical_despite_mtimes_and_caches(tmp_path: Path, built: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    package = repo / "jobs" / "drug_mentions"
    for path in package.rglob("*.py"):
        os.utime(path, (2_000_000_000, 2_000_000_000))
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "layout.cpython-311.pyc").write_bytes(b"junk")
    (package / "stray.pyc").write_bytes(b"junk")
    result = run_build(repo, tmp_path / "dist")
    assert result.returncode == 0, result.stderr
    name = f"drug_mentions-{version()}.zip"
    assert (tmp_path / "dist" / name).read_bytes() == (built / name).read_bytes()


def test_zip_is_importable(built: Path) -> None:
    zip_path = built / f"drug_mentions-{version()}.zip"
    modules = [
        name.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        for name in package_sources()
        if name.endswith(".py")
    ]
    code = (
        "import importlib, sys\n"
        f"sys.path.insert(0, {str(zip_path)!r})\n"
        f"for name in {modules!r}:\n"
        "    module = importlib.import_module(name)\n"
        f"    assert module.__file__.startswith({str(zip_path)!r}), module.__file__\n"
        "import drug_mentions\n"
        "print(drug_mentions.__version__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=built
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == version()


def test_report_page_assets_are_read_from_the_zip(built: Path) -> None:
    # Dataproc imports the package from the zip: the page's template, script, style and
    # vendored layout are package data read through importlib.resources, zip included.
    zip_path = built / f"drug_mentions-{version()}.zip"
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(zip_path)!r})\n"
        "from drug_mentions import page_html\n"
        "from drug_mentions.page import Limits\n"
        f"assert page_html.__file__.startswith({str(zip_path)!r}), page_html.__file__\n"
        "data = {'drugs': [], 'journals': [], 'links': [], 'publications': [],\n"
        "        'totals': {'links': 0, 'journals': 0}}\n"
        "html = page_html.render({'drugs_mentioned': 0}, data, Limits(), {})\n"
        "for name in (*page_html.SCRIPTS, 'style.css'):\n"
        "    assert page_html.asset(name) in html, name\n"
        "print(html.count('<script>'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=built
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "5"  # four vendored files and the page's own script


def third_party_imports(source: bytes | str) -> set[str]:
    """Top-level modules imported by ``source`` that are neither stdlib, pyspark nor the package."""
    allowed = set(sys.stdlib_module_names) | ALLOWED_THIRD_PARTY | {"drug_mentions"}
    tops: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            tops.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops.add(node.module.split(".")[0])
    return tops - allowed


def test_package_imports_only_stdlib_pyspark_and_itself(built: Path) -> None:
    with zipfile.ZipFile(built / f"drug_mentions-{version()}.zip") as archive:
        offending = {
            name: third_party_imports(archive.read(name))
            for name in archive.namelist()
            if name.endswith(".py")
        }
    assert {name: tops for name, tops in offending.items() if tops} == {}


def test_import_scan_catches_third_party_imports() -> None:
    source = (
        "import os, pandas.api\nfrom pyspark.sql import functions as F\n"
        "from yaml import safe_load\nfrom . import layout\nfrom drug_mentions import errors\n"
    )
    assert third_party_imports(source) == {"pandas", "yaml"}


@pytest.mark.parametrize("missing", ["jobs/pipeline.py", "jobs/adhoc.py", "conf/gcp.toml"])
def test_missing_input_fails_with_one_line(tmp_path: Path, missing: str) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / missing).unlink()
    result = run_build(repo, tmp_path / "dist")
    assert result.returncode == 1
    assert result.stderr == f"package_artifact: error: missing {repo / missing}\n"


def test_old_zips_are_replaced(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "drug_mentions-0.0.1.zip").write_bytes(b"old")
    assert run_build(repo, tmp_path / "dist").returncode == 0
    assert sorted(p.name for p in (tmp_path / "dist").glob("*.zip")) == [
        f"drug_mentions-{version()}.zip"
    ]
