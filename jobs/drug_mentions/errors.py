"""Errors the entry points turn into a one-line message and a non-zero exit code."""

EXIT_INPUT_ERROR = 2


class InputError(Exception):
    """Bad input or configuration: missing file/column, unreadable JSON, bad flag value.

    The message names the file and the problem in one line; the entry point prints it on
    stderr and exits with :data:`EXIT_INPUT_ERROR` before anything is written.
    """
