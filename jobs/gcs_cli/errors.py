"""Errors the CLI reports as one line, and the exit codes it uses."""

from __future__ import annotations

import re

from google.api_core import exceptions as api_exceptions
from google.auth import exceptions as auth_exceptions

EXIT_OK = 0
EXIT_FAILURE = 1  # GCS or local error: missing bucket/run, credentials, permission, I/O
EXIT_USAGE = 2  # bad flags or inputs (argparse uses 2 too)
EXIT_CONFLICT = 3  # generation precondition failed: someone else changed an object; re-run
EXIT_IMMUTABLE = 4  # deploy would change a released code/<version>/ object (no --force)

ADC_HINT = "run `gcloud auth application-default login` (no key files)"


class CliError(Exception):
    """An expected failure: ``str(error)`` is the one line shown, ``code`` the exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


class BucketNotFoundError(CliError):
    def __init__(self, bucket: str) -> None:
        super().__init__(f"bucket gs://{bucket} not found")


class ConflictError(CliError):
    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_CONFLICT)


class ImmutableReleaseError(CliError):
    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_IMMUTABLE)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def describe(exc: BaseException) -> CliError:
    """Translate an exception from google-auth / google-cloud-storage / the OS into a CliError."""
    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, auth_exceptions.DefaultCredentialsError):
        return CliError(f"no Application Default Credentials found: {ADC_HINT}")
    if isinstance(exc, auth_exceptions.RefreshError):
        return CliError(f"credentials could not be refreshed ({_first_line(str(exc))}): {ADC_HINT}")
    if isinstance(exc, api_exceptions.PreconditionFailed):
        return ConflictError(
            "conflict: an object changed since it was listed (generation precondition failed, "
            "HTTP 412); nothing was overwritten, re-run to retry"
        )
    if isinstance(exc, api_exceptions.Forbidden):
        return CliError(f"permission denied (HTTP 403): {_api_message(exc)}")
    if isinstance(exc, api_exceptions.Unauthorized):
        return CliError(f"not authenticated (HTTP 401): {ADC_HINT}")
    if isinstance(exc, api_exceptions.GoogleAPICallError):
        return CliError(f"GCS error (HTTP {exc.code}): {_api_message(exc)}")
    if isinstance(exc, OSError):
        return CliError(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    return CliError(f"{type(exc).__name__}: {_first_line(str(exc))}")


_REQUEST_PREFIX = re.compile(r"^[A-Z]+ \S+: ")  # "GET https://...: " before the server's text


def _api_message(exc: api_exceptions.GoogleAPICallError) -> str:
    return _REQUEST_PREFIX.sub("", _first_line(exc.message or str(exc)))
