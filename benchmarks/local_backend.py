"""Cost of the local backend against what the hardware allows: the machine's
prompt and generation token rates are measured first (on the same server, no
grammar), then each report runs with an empty answer cache and prints its
prompt and completion tokens, the token-rate floor (prompt tokens / prompt rate
+ completion tokens / generation rate), the wall seconds and their ratio; then
the time of a fully cached rerun.

Run: make bench-local  (or .venv/bin/python benchmarks/local_backend.py [--model NAME]
[--cache-dir DIR] [--eval] [--timeout SECONDS] [--all] [--stock-server])
Needs the local extra (make install-local). The five seed reports by default
(--all: every dev document). --stock-server runs llama-cpp-python's own server
instead of edufacts.backends.llama_server (grammar applied to the whole vocabulary on
every token), to measure what lazy grammar sampling saves. Run it on an idle
machine: anything else on the two cores shows up in both rates and wall time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from edufacts.backends.client import CallPolicy
from edufacts.backends.model import ModelBackend
from edufacts.backends.registry import open_backend
from edufacts.backends.server import ManagedServer
from edufacts.backends.weights import DEFAULT_MODEL, installed_path, model_spec
from edufacts.evaluation.gold import read_gold
from edufacts.evaluation.report import render_markdown
from edufacts.evaluation.score import score_document
from edufacts.models import DocumentResult
from edufacts.pipeline import extract_document
from edufacts.readers.load import load_document
from edufacts.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "eval" / "docs"
GOLD = ROOT / "eval" / "gold"
SEED = ("000_", "001_", "002_", "003_", "004_")


def _post(base_url: str, model: str, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    request = urllib.request.Request(
        f"{base_url}/chat/completions",
        data=json.dumps({"model": model, "temperature": 0.0, **body}).encode(),
        headers={"Content-Type": "application/json"},
    )
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = json.load(response)
    return time.perf_counter() - began, answer["usage"]


def token_rates(backend: ModelBackend) -> tuple[float, float]:
    """(prompt tokens/s, generated tokens/s) of this server on this machine, without
    grammar: a long prompt answered with one token, then a short prompt answered at
    length. Each prompt is new, so nothing comes from llama.cpp's prompt cache."""
    base_url, model = backend.client.endpoint.base_url, backend.client.endpoint.model
    stamp = time.time_ns()
    long_prompt = f"{stamp} " + "全区共有幼儿园74所,其中公办23所,在园幼儿1.2万人。" * 30
    seconds, usage = _post(
        base_url, model, {"messages": [{"role": "user", "content": long_prompt}], "max_tokens": 1}
    )
    prompt_rate = usage["prompt_tokens"] / seconds
    ask = f"{stamp} 请把从1到300的每个数字用逗号隔开写出来。"
    seconds, usage = _post(
        base_url, model, {"messages": [{"role": "user", "content": ask}], "max_tokens": 200}
    )
    generating = seconds - usage["prompt_tokens"] / prompt_rate
    return prompt_rate, usage["completion_tokens"] / generating


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--eval", action="store_true")
    parser.add_argument(
        "--all", action="store_true", help="every dev document, not only the five seed reports"
    )
    parser.add_argument("--only", default=None, help="documents whose id starts with this")
    parser.add_argument(
        "--stock-server", action="store_true", help="llama-cpp-python's server, eager grammar"
    )
    parser.add_argument("--timeout", type=float, default=CallPolicy.timeout, help="seconds per model call")
    args = parser.parse_args()
    paths = sorted(path for path in DOCS.glob("*.txt") if args.all or path.name.startswith(SEED))
    if args.only:
        paths = [path for path in paths if path.name.startswith(args.only)]
    if args.stock_server:
        stock = ManagedServer.command

        def command(self: ManagedServer) -> list[str]:
            return [
                part if part != "edufacts.backends.llama_server" else "llama_cpp.server"
                for part in stock(self)
            ]

        ManagedServer.command = command  # type: ignore[method-assign]
    model_path = installed_path(model_spec(args.model), Settings(backend="rules").cache_root)
    if model_path is None:
        raise SystemExit(f"model {args.model} is not installed: edufacts model install {args.model}")
    with tempfile.TemporaryDirectory() as temporary:
        cache_dir = args.cache_dir or Path(temporary)
        settings = Settings(backend="local", model_path=model_path, cache_dir=cache_dir)
        results: dict[str, DocumentResult] = {}
        started = time.perf_counter()
        with open_backend(settings, policy=CallPolicy(timeout=args.timeout)) as opened:
            assert isinstance(opened, ModelBackend)
            backend = opened
            server = "llama_cpp.server (stock)" if args.stock_server else "edufacts.backends.llama_server"
            print(f"server: {server}")
            print(f"server start-up: {time.perf_counter() - started:.1f} s")
            prompt_rate, generation_rate = token_rates(backend)
            print(
                f"token rates on this machine: prompt {prompt_rate:.1f}/s, generation {generation_rate:.1f}/s"
            )
            print(
                f"{'document':<24} {'chars':>6} {'calls':>5} {'prompt':>7} {'compl.':>6} "
                f"{'floor s':>8} {'wall s':>8} {'ratio':>6} {'failed':>6}"
            )
            totals = {"prompt": 0, "completion": 0, "floor": 0.0, "wall": 0.0, "calls": 0}
            for path in paths:
                document = load_document(path)
                before = backend.usage
                began = time.perf_counter()
                result = extract_document(document, settings, backend)
                wall = time.perf_counter() - began
                spent = backend.usage
                prompt = spent.prompt_tokens - before.prompt_tokens
                completion = spent.completion_tokens - before.completion_tokens
                floor = prompt / prompt_rate + completion / generation_rate
                results[document.id] = result
                for name, value in (
                    ("prompt", prompt),
                    ("completion", completion),
                    ("floor", floor),
                    ("wall", wall),
                    ("calls", result.run.llm_calls),
                ):
                    totals[name] += value
                print(
                    f"{document.id[:24]:<24} {len(document.text):>6} {result.run.llm_calls:>5} {prompt:>7} "
                    f"{completion:>6} {floor:>8.1f} {wall:>8.1f} {wall / floor if floor else 0:>6.2f} "
                    f"{len(result.run.failures):>6}",
                    flush=True,
                )
            print(
                f"{'all':<24} {'':>6} {totals['calls']:>5} {totals['prompt']:>7} {totals['completion']:>6} "
                f"{totals['floor']:>8.1f} {totals['wall']:>8.1f} "
                f"{totals['wall'] / totals['floor'] if totals['floor'] else 0:>6.2f}"
            )
            began = time.perf_counter()
            calls = cached = 0
            for path in paths:
                result = extract_document(load_document(path), settings, backend)
                calls += result.run.llm_calls
                cached += result.run.cached_calls
            print(
                f"fully cached rerun of {len(paths)} documents: {time.perf_counter() - began:.2f} s, "
                f"{calls} model calls, {cached} answers from the cache"
            )
    if args.eval:
        runs: dict[str, list] = {"rules": [], args.model: []}  # type: ignore[type-arg]
        for gold_path in sorted(GOLD.glob("*.json")):
            gold = read_gold(gold_path)
            if gold.doc_id not in results:
                continue
            document = load_document(DOCS / f"{gold.doc_id}.txt")
            rules = extract_document(document, Settings(backend="rules"))
            runs["rules"].append(score_document(gold, document.text, rules))
            runs[args.model].append(score_document(gold, document.text, results[gold.doc_id]))
        print(render_markdown(runs))


if __name__ == "__main__":
    main()
