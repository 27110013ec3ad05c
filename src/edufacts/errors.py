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
