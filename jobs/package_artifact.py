"""Build the Dataproc artifact folder: entry points, a versioned package zip and the GCP conf.

Run from the repository root (``make package`` does exactly this)::

    python jobs/package_artifact.py --out dist

It writes::

    dist/pipeline.py                      copied from jobs/
    dist/adhoc.py                         copied from jobs/
    dist/drug_mentions-<version>.zip      the jobs/drug_mentions/ package (python_file_uris)
    dist/conf/gcp.toml                    copied from conf/

``dist/`` is then uploaded as is to ``gs://<data-bucket>/code/<version>/``. The zip is
reproducible: sorted entries, fixed timestamps and permissions, no ``__pycache__``/``*.pyc``,
so two builds of the same sources are byte-identical. Standard library only.
"""

from __future__ import annotations

import argparse
import ast
import logging
import shutil
import sys
import zipfile
from pathlib import Path

log = logging.getLogger("package_artifact")

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_NAME = "drug_mentions"
ENTRY_POINTS = ("pipeline.py", "adhoc.py")
CONF_FILES = ("gcp.toml",)
# 1980-01-01 00:00:00 is the earliest timestamp a zip entry can hold.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
EXCLUDED_DIRS = frozenset({"__pycache__"})
EXCLUDED_SUFFIXES = frozenset({".pyc", ".pyo"})


class ArtifactError(Exception):
    """A source file the artifact needs is missing or unusable (one-line message)."""


def read_version(package_dir: Path) -> str:
    """Return ``__version__`` from the package's ``__init__.py`` without importing it."""
    init_file = package_dir / "__init__.py"
    if not init_file.is_file():
        raise ArtifactError(f"missing {init_file}")
    tree = ast.parse(init_file.read_text(encoding="utf-8"), filename=str(init_file))
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        names = [target.id for target in node.targets if isinstance(target, ast.Name)]
        is_version = "__version__" in names
        if (
            is_version
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise ArtifactError(f"no string __version__ = '...' assignment in {init_file}")


def package_files(package_dir: Path) -> list[Path]:
    """Files of the package to zip, sorted by their archive name; caches excluded."""
    files = []
    for path in package_dir.rglob("*"):
        relative = path.relative_to(package_dir)
        is_cache = any(part in EXCLUDED_DIRS for part in relative.parts)
        if path.is_file() and not is_cache and path.suffix not in EXCLUDED_SUFFIXES:
            files.append(path)
    return sorted(files, key=lambda path: path.relative_to(package_dir).as_posix())


def write_reproducible_zip(package_dir: Path, zip_path: Path) -> list[str]:
    """Zip ``package_dir`` as ``<package name>/...`` with fixed metadata; return entry names."""
    names = []
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in package_files(package_dir):
            name = f"{package_dir.name}/{path.relative_to(package_dir).as_posix()}"
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100000 | FILE_MODE) << 16  # regular file, rw-r--r--
            info.create_system = 3  # Unix, so the mode above is honoured everywhere
            archive.writestr(info, path.read_bytes(), compresslevel=9)
            names.append(name)
    return names


def copy_file(source: Path, target: Path) -> None:
    """Copy one required file with fixed permissions; fail clearly when it is missing."""
    if not source.is_file():
        raise ArtifactError(f"missing {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(FILE_MODE)


def build(out_dir: Path, repo_root: Path = REPO_ROOT) -> Path:
    """Build the artifact folder in ``out_dir``; return the path of the package zip."""
    jobs_dir = repo_root / "jobs"
    package_dir = jobs_dir / PACKAGE_NAME
    version = read_version(package_dir)
    for entry_point in ENTRY_POINTS:  # check every input before writing anything
        if not (jobs_dir / entry_point).is_file():
            raise ArtifactError(f"missing {jobs_dir / entry_point}")
    out_dir.mkdir(parents=True, exist_ok=True)
    for entry_point in ENTRY_POINTS:
        copy_file(jobs_dir / entry_point, out_dir / entry_point)
    for conf_file in CONF_FILES:
        copy_file(repo_root / "conf" / conf_file, out_dir / "conf" / conf_file)
    zip_path = out_dir / f"{PACKAGE_NAME}-{version}.zip"
    for stale_zip in out_dir.glob(f"{PACKAGE_NAME}-*.zip"):
        stale_zip.unlink()  # one version per dist/ folder: the upload copies all of it
    write_reproducible_zip(package_dir, zip_path)
    zip_path.chmod(FILE_MODE)
    return zip_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("dist"), help="output folder (dist)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        zip_path = build(args.out)
    except ArtifactError as error:
        print(f"package_artifact: error: {error}", file=sys.stderr)
        return 1
    log.info("built %s", args.out)
    print(zip_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
