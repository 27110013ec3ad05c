"""The one error root. Every error edufacts raises on purpose is an EdufactsError,
with a message fit for a one-line CLI report."""

from __future__ import annotations


class EdufactsError(Exception):
    """Root of every deliberate edufacts error."""


class InputError(EdufactsError):
    """A document cannot be read: missing, empty, binary, undecodable, too large."""


class ContractError(EdufactsError):
    """Data does not fit its contract (a gold file, an output, the catalog)."""


class ConfigError(EdufactsError):
    """A setting or flag is wrong, or a backend is not available."""


class LLMError(EdufactsError):
    """A model endpoint failed: the server did not start, a call failed after its
    retries, or the answer did not fit its schema. Carries the tokens it spent."""

    def __init__(self, message: str, tokens: int = 0) -> None:
        super().__init__(message)
        self.tokens = tokens
