"""The gold-set eval of rules vs the local model, without the model: replays the
recorded gold-set session (cassettes/test_llm_local/) and prints the report.

Run: .venv/bin/python benchmarks/local_eval_replay.py [--write-outputs DIR]
The live equivalent is `edufacts eval --backend rules,local` (about 35 minutes
on 2 cores); the replay shows the figures the README quotes in seconds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import vcr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import DOCS, GOLD, UnicodeYaml  # noqa: E402
from tests.test_llm_local import SEED  # noqa: E402

from edufacts.backends.base import Backend  # noqa: E402
from edufacts.backends.client import CallPolicy  # noqa: E402
from edufacts.backends.registry import open_backend  # noqa: E402
from edufacts.backends.weights import DEFAULT_MODEL, MODELS  # noqa: E402
from edufacts.evaluation.report import render_markdown  # noqa: E402
from edufacts.evaluation.runner import score_backend  # noqa: E402
from edufacts.output import atomic_write_text, document_json  # noqa: E402
from edufacts.pipeline import extract_document  # noqa: E402
from edufacts.readers.load import load_document  # noqa: E402
from edufacts.settings import Settings  # noqa: E402

CASSETTE = (
    ROOT
    / "cassettes"
    / "test_llm_local"
    / ("test_local_is_never_worse_than_rules_on_the_gold_set.yaml_unicode")
)


REPLAYED = Settings(
    backend="local", base_url="http://127.0.0.1:9/v1", model=MODELS[DEFAULT_MODEL].name, no_cache=True
)
"""The local backend at an endpoint the cassette answers for (the requests it recorded)."""


@contextmanager
def recorded_gold_session() -> Iterator[Backend]:
    """The local backend, built by the factory, whose model answers come from the
    recorded gold-set session."""
    replay = vcr.VCR(match_on=["method", "path", "body"], serializer="yaml_unicode", record_mode="none")
    replay.register_serializer("yaml_unicode", UnicodeYaml)
    with replay.use_cassette(str(CASSETTE)), open_backend(REPLAYED, policy=CallPolicy(attempts=1)) as backend:
        yield backend


def write_outputs(out_dir: Path) -> None:
    """The replayed session's outputs, one `<doc-id>.json` each (what `edufacts
    extract --backend local` writes; its `run.seconds` are the replay's, not a
    model's)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with recorded_gold_session() as backend:
        for gold_path in sorted(path for path in GOLD.glob("*.json") if path.stem in SEED):
            document = load_document(DOCS / f"{gold_path.stem}.txt")
            result = extract_document(document, REPLAYED, backend)
            atomic_write_text(out_dir / f"{document.id}.json", document_json(result))
    print(f"replayed outputs in {out_dir}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--write-outputs",
        type=Path,
        metavar="DIR",
        help="write the replayed outputs to DIR instead of the report",
    )
    args = parser.parse_args()
    if args.write_outputs:
        write_outputs(args.write_outputs)
        return
    spec = MODELS[DEFAULT_MODEL]
    with recorded_gold_session() as backend:
        local = score_backend(GOLD, DOCS, REPLAYED, backend, only=SEED)
    rules = score_backend(GOLD, DOCS, Settings(backend="rules"), only=SEED)
    print(render_markdown({"rules": rules, f"local ({spec.name}, replayed)": local}))


if __name__ == "__main__":
    main()
