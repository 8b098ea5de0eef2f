"""Settings: defaults < TOML file from ``conf/`` (local path or gs://) < command-line flags."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from typing import Any

from drug_mentions.errors import InputError

JSON_FORMATS = ("auto", "lines", "array")
# A run id names folders and objects (staging folder, gs:// run folder, lock): letters,
# digits, ".", "_", "-", starting with a letter or a digit (so never "..", never a path).
RUN_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
RUN_ID_RULE = "1 to 128 letters, digits, '.', '_' or '-', starting with a letter or a digit"


@dataclass(frozen=True)
class Settings:
    """Everything a pipeline or ad-hoc run needs to know besides the data."""

    input: str = "data"
    output: str = "output"
    state: str = ""  # empty: no state, every run reads every file
    json_format: str = "auto"
    write_output_json: bool = True
    report_html: bool = True
    max_merge_rounds: int = 32
    surrogate_id_prefix: str = "surrogate-"
    graph: str = "output/output.json"
    mentions: str = "output/mentions"

    def with_overrides(self, **overrides: Any) -> Settings:
        """Copy with the given non-None values replaced (command-line flags win)."""
        given = {key: value for key, value in overrides.items() if value is not None}
        return replace(self, **given)


def parse_toml(text: str, source: str) -> Settings:
    """Build :class:`Settings` from the text of a ``conf/*.toml`` file; ``source`` names it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source}: not valid TOML ({exc})") from exc
    flat: dict[str, Any] = {}
    for section in ("paths", "pipeline", "adhoc"):
        flat.update(data.get(section, {}))
    known = {field.name: field.type for field in fields(Settings)}
    unknown = sorted(set(flat) - set(known))
    if unknown:
        raise InputError(f"{source}: unknown setting(s) {', '.join(unknown)}")
    settings = Settings().with_overrides(**{k: v for k, v in flat.items() if v != ""})
    validate(settings, source)
    return settings


def check_run_id(run_id: str) -> str:
    """``run_id`` if it matches :data:`RUN_ID_PATTERN`, else an :class:`InputError`."""
    if not re.fullmatch(RUN_ID_PATTERN, run_id):
        raise InputError(f"run id {run_id!r}: must be {RUN_ID_RULE}")
    return run_id


def validate(settings: Settings, source: str) -> None:
    """Reject values no run could use, with a one-line message."""
    for name in ("input", "output", "graph", "mentions"):
        value = getattr(settings, name)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{source}: {name} must be a non-empty path")
    if settings.json_format not in JSON_FORMATS:
        raise InputError(f"{source}: json_format must be one of {', '.join(JSON_FORMATS)}")
    if not isinstance(settings.max_merge_rounds, int) or settings.max_merge_rounds < 1:
        raise InputError(f"{source}: max_merge_rounds must be a positive integer")
    if not isinstance(settings.write_output_json, bool):
        raise InputError(f"{source}: write_output_json must be true or false")
    if not isinstance(settings.report_html, bool):
        raise InputError(f"{source}: report_html must be true or false")


# HotSpot does not compile a method of more than 8000 bytes of bytecode (HugeMethodLimit):
# it stays interpreted. Spark's generated code for a stage may grow past that (the cleaning
# stage does), so the job asks Spark to fall back to per-operator generated code instead,
# as Spark's documentation advises on HotSpot.
CODEGEN_HUGE_METHOD_LIMIT = 8000


def tune_code_generation(spark: Any) -> None:
    """Set the SQL options the job's performance depends on, whatever the Spark defaults."""
    spark.conf.set("spark.sql.codegen.hugeMethodLimit", str(CODEGEN_HUGE_METHOD_LIMIT))


def tune_json_parsing(spark: Any) -> None:
    """JSON objects with a repeated key keep its last value (as Jackson and most readers do)
    instead of failing the whole JSON array they are in (Spark's VARIANT parsing default)."""
    spark.conf.set("spark.sql.variant.allowDuplicateKeys", "true")


def load_settings(
    spark: Any, conf_path: str | None, default_path: str, **overrides: Any
) -> Settings:
    """Defaults < ``conf_path`` (local or gs://; else ``default_path`` when it exists) < flags.

    A missing or invalid settings file is an :class:`InputError`.
    """
    from drug_mentions.storage import HadoopFS  # PySpark only when a job loads settings

    path = conf_path or (default_path if os.path.exists(default_path) else None)
    settings = Settings()
    if path:
        fs = HadoopFS(spark, path)
        if not fs.exists(path):
            raise InputError(f"{path}: settings file not found")
        settings = parse_toml(fs.read_text(path), path)
    settings = settings.with_overrides(**overrides)
    validate(settings, "command line")
    return settings
