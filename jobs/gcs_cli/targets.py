"""Where things go: the data bucket and the Composer DAG folder, from flags or Terraform."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from gcs_cli.errors import EXIT_USAGE, CliError

# Bucket names: 3-63 (222 with dots) lower-case letters, digits, '-', '_', '.'.
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")


@dataclass(frozen=True)
class Location:
    """A bucket and a folder prefix in it (no leading or trailing slash; may be empty)."""

    bucket: str
    prefix: str = ""

    def name(self, relative: str) -> str:
        """Object name of ``relative`` under this location."""
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def child(self, *parts: str) -> Location:
        return Location(self.bucket, "/".join(p for p in (self.prefix, *parts) if p))

    @property
    def uri(self) -> str:
        return f"gs://{self.bucket}/{self.prefix + '/' if self.prefix else ''}"


def parse_location(text: str) -> Location:
    """``gs://bucket/some/prefix`` (or a bare bucket name) -> Location."""
    rest = text.removeprefix("gs://")
    bucket, _, prefix = rest.partition("/")
    if not _BUCKET_RE.match(bucket):
        raise CliError(f"not a GCS bucket or gs:// path: {text!r}", EXIT_USAGE)
    return Location(bucket, prefix.strip("/"))


def read_tf_outputs(path: Path) -> dict[str, object]:
    """Values of ``terraform output -json`` (``{"name": {"value": ...}}``) by name."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"cannot read --tf-outputs {path}: {exc.strerror}", EXIT_USAGE) from exc
    except json.JSONDecodeError as exc:
        raise CliError(f"--tf-outputs {path} is not JSON: {exc}", EXIT_USAGE) from exc
    if not isinstance(raw, dict):
        raise CliError(f"--tf-outputs {path} is not `terraform output -json` output", EXIT_USAGE)
    return {k: v["value"] for k, v in raw.items() if isinstance(v, dict) and "value" in v}


def resolve(
    flag: str | None, tf_outputs: dict[str, object] | None, key: str, flag_name: str
) -> Location:
    """The flag if given, else Terraform output ``key``; a usage error when neither is."""
    value = flag
    if value is None and tf_outputs is not None:
        found = tf_outputs.get(key)
        if not isinstance(found, str) or not found:
            raise CliError(f"--tf-outputs has no string output {key!r}", EXIT_USAGE)
        value = found
    if value is None:
        raise CliError(f"{flag_name} or --tf-outputs is required", EXIT_USAGE)
    return parse_location(value)
