"""Write eval/first_sight/<doc_id>.json: the rules' facts on each dev document as
the code stood just before the document joined the eval set (the parent of the
commit that added it), with each fact's evidence. `edufacts calibrate` fits on
them beside today's facts: today's rules were tuned on the dev documents, so
their few errors left there are unlike those on a document never seen; these
are the errors the tool made on each document at first sight.

Run from a checkout with its whole history (`git worktree` is used; nothing in the
checkout changes but eval/first_sight):

    .venv/bin/python tools/first_sight.py
    .venv/bin/python tools/first_sight.py --backend local

With `--backend local` the old code runs with the local model (its managed
llama.cpp server, the weights and answer cache of ~/.cache/edufacts) and writes
eval/first_sight_local/: the model's answers to each document's first-sight
proposals, which the local fit needs as the rules' fit needs theirs. The model
takes minutes per document, so commits are taken newest first and documents
already written are passed over: the run can be stopped and resumed.

Only documents whose first-sight code already recorded the evidence of today's
fit (its `stages/evidence.py` names `topic_from_context`) are written; features
added since are read by `edufacts calibrate` from the words around each fact, or
count 0.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from edufacts.evaluation.calibrate import text_sha256
from edufacts.readers.load import find_document, load_document

ROOT = Path(__file__).resolve().parents[1]
OUT = {"rules": ROOT / "eval" / "first_sight", "local": ROOT / "eval" / "first_sight_local"}
DEV_DOCS = ROOT / "eval" / "docs"
EVAL_FOLDERS = ("eval/docs", "eval/heldout/docs", "eval/gold", "eval/heldout/gold")
REQUIRED_FEATURE = "topic_from_context"

# Runs inside the old checkout, with its own code on the path.
RUNNER = """
import hashlib, json, sys
from pathlib import Path
from edufacts.backends.registry import open_backend
from edufacts.pipeline import extract_document
from edufacts.readers.load import load_document
from edufacts.settings import Settings
settings = Settings.resolve({"backend": sys.argv[1]})
out = {}
with open_backend(settings) as backend:
    for path in sys.argv[2:]:
        document = load_document(Path(path))
        result = extract_document(document, settings, backend)
        out[Path(path).stem] = {
            "text_sha256": hashlib.sha256(document.text.encode("utf-8")).hexdigest(),
            "facts": [
                {"start": f.start, "end": f.end, "value": str(f.value), "unit": f.unit,
                 "indicator": f.indicator, "label": f.label, "evidence": dict(f.evidence)}
                for f in result.facts
            ],
        }
print(json.dumps(out, ensure_ascii=False))
"""


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def first_added() -> dict[str, str]:
    """Document id -> the commit that first added it (or its gold) to any eval folder."""
    log = git("log", "--reverse", "--diff-filter=A", "--name-only", "--format=COMMIT %H", "--", *EVAL_FOLDERS)
    added: dict[str, str] = {}
    commit = ""
    for line in log.splitlines():
        if line.startswith("COMMIT "):
            commit = line.split()[1]
        elif line.strip():
            added.setdefault(Path(line).name.split(".")[0], commit)
    return added


def main() -> int:
    backend = "local" if sys.argv[1:] == ["--backend", "local"] else "rules"
    if sys.argv[1:] not in ([], ["--backend", "local"], ["--backend", "rules"]):
        print("usage: first_sight.py [--backend rules|local]", file=sys.stderr)
        return 2
    out = OUT[backend]
    dev = {path.stem for path in (ROOT / "eval" / "gold").glob("*.json")}
    by_parent: dict[str, list[str]] = {}
    for doc_id, commit in first_added().items():
        if doc_id not in dev:
            continue
        try:  # (the first commit has no parent; old code may have no evidence at all)
            parent = git("rev-parse", f"{commit}^").strip()
            evidence_code = git("show", f"{parent}:src/edufacts/stages/evidence.py")
        except subprocess.CalledProcessError:
            continue
        if REQUIRED_FEATURE in evidence_code:
            by_parent.setdefault(parent, []).append(doc_id)
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    newest_first = git("rev-list", "HEAD").split()
    for parent, doc_ids in sorted(by_parent.items(), key=lambda item: newest_first.index(item[0])):
        if backend == "local":
            # Minutes per document: keep what an earlier (stopped) run wrote.
            doc_ids = [doc_id for doc_id in doc_ids if not (out / f"{doc_id}.json").is_file()]
            if not doc_ids:
                continue
        paths = [str(find_document(DEV_DOCS, doc_id)) for doc_id in sorted(doc_ids)]
        with tempfile.TemporaryDirectory(prefix="edufacts-first-sight-") as folder:
            tree = Path(folder) / "tree"
            git("worktree", "add", "--detach", str(tree), parent)
            try:
                run = subprocess.run(
                    [sys.executable, "-c", RUNNER, backend, *paths],
                    cwd=tree,
                    env={"PYTHONPATH": str(tree / "src"), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
                    check=True,
                    capture_output=True,
                    text=True,
                )
            finally:
                git("worktree", "remove", "--force", str(tree))
        for doc_id, entry in json.loads(run.stdout).items():
            if text_sha256(load_document(find_document(DEV_DOCS, doc_id)).text) != entry["text_sha256"]:
                # The reader has changed since: the old spans do not point into today's text.
                print(f"{doc_id}: read otherwise then, passed over", file=sys.stderr)
                (out / f"{doc_id}.json").unlink(missing_ok=True)
                continue
            record = {"doc_id": doc_id, "commit": parent, **entry}
            lines = ",\n  ".join(json.dumps(fact, ensure_ascii=False) for fact in record.pop("facts"))
            head = json.dumps(record, ensure_ascii=False)[:-1]
            (out / f"{doc_id}.json").write_text(f'{head}, "facts": [\n  {lines}\n]}}\n', encoding="utf-8")
            written += 1
        print(f"{parent[:7]}: {', '.join(sorted(doc_ids))}", file=sys.stderr)
    print(f"{written} documents -> {out.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
