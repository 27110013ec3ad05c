"""Generated JSON Schemas for the output and gold contracts (schemas/*.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .models import DocumentResult, GoldFile
from .output import atomic_write_text


def output_schema() -> dict[str, Any]:
    return DocumentResult.model_json_schema(mode="serialization")


def gold_schema() -> dict[str, Any]:
    return GoldFile.model_json_schema(mode="validation")


def write_schemas(out_dir: Path) -> list[Path]:
    written = []
    for name, schema in (("output.schema.json", output_schema()), ("gold.schema.json", gold_schema())):
        path = out_dir / name
        atomic_write_text(path, json.dumps(schema, ensure_ascii=False, indent=2) + "\n")
        written.append(path)
    return written
