"""Local file checksums in the form GCS reports them (base64 CRC32C / MD5)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import google_crc32c
from google.cloud import storage

_CHUNK = 1024 * 1024


def crc32c_b64(path: Path) -> str:
    """Base64 of the big-endian CRC32C of a file, as GCS reports it in ``Blob.crc32c``."""
    checksum = google_crc32c.Checksum()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            checksum.update(chunk)
    return base64.b64encode(checksum.digest()).decode("ascii")


def md5_b64(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode("ascii")


def same_content(path: Path, blob: storage.Blob) -> bool:
    """True when the local file and the object have the same bytes (size, then crc32c/md5)."""
    if blob.size is not None and blob.size != path.stat().st_size:
        return False
    if blob.crc32c:
        return crc32c_b64(path) == blob.crc32c
    if blob.md5_hash:
        return md5_b64(path) == blob.md5_hash
    return False
