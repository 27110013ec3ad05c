"""Review decisions in SQLite beside the outputs (`review.sqlite3`): every
decision is kept with what it changed, why and when; undo marks a decision
undone instead of deleting it, so the history stays whole."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError

Action = Literal["accept", "edit", "reject", "add"]
ACTIONS: tuple[Action, ...] = ("accept", "edit", "reject", "add")
DATABASE_NAME = "review.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL,
    target TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('accept', 'edit', 'reject', 'add')),
    old TEXT NOT NULL,
    new TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    undone_at TEXT
);
CREATE INDEX IF NOT EXISTS decisions_target ON decisions (doc_id, target);
"""


@dataclass(frozen=True, kw_only=True)
class Decision:
    id: int
    doc_id: str
    target: str
    """A fact id (`f0012`) or an unclaimed mention (`u1234-1238`)."""
    input_sha256: str
    action: Action
    old: dict[str, Any]
    new: dict[str, Any]
    reason: str
    created_at: str
    undone_at: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class DecisionStore:
    """One short-lived connection per operation: the web app serves requests
    from a thread pool, and SQLite's own locking then keeps writes whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with self._connect() as connection:
                connection.executescript(_SCHEMA)
                # A file with a sound header but damaged pages would fail every page later.
                verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise InputError(f"{path}: not a review database: {error}") from None
        if verdict != "ok":
            raise InputError(
                f"{path}: the review database is damaged ({verdict}); restore it or move it away"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=10)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            with connection:  # commits, or rolls back on error
                yield connection
        finally:
            connection.close()

    def record(
        self,
        doc_id: str,
        target: str,
        input_sha256: str,
        action: Action,
        old: dict[str, Any],
        new: dict[str, Any],
        reason: str = "",
    ) -> Decision:
        if action not in ACTIONS:
            raise InputError(f"unknown review action {action!r}")
        created = _now()
        with self._connect() as connection:
            cursor = connection.execute(
                "INSERT INTO decisions (doc_id, target, input_sha256, action, old, new, reason, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc_id,
                    target,
                    input_sha256,
                    action,
                    json.dumps(old, ensure_ascii=False),
                    json.dumps(new, ensure_ascii=False),
                    reason,
                    created,
                ),
            )
            decision_id = cursor.lastrowid
        assert decision_id is not None
        return Decision(
            id=decision_id,
            doc_id=doc_id,
            target=target,
            input_sha256=input_sha256,
            action=action,
            old=old,
            new=new,
            reason=reason,
            created_at=created,
            undone_at=None,
        )

    def undo(self, doc_id: str, target: str) -> Decision | None:
        """Undo the item's standing decision; the one before it (if any) stands again."""
        with self._connect() as connection:
            row = connection.execute(
                "SELECT * FROM decisions WHERE doc_id = ? AND target = ? AND undone_at IS NULL"
                " ORDER BY id DESC LIMIT 1",
                (doc_id, target),
            ).fetchone()
            if row is None:
                return None
            undone = _now()
            connection.execute("UPDATE decisions SET undone_at = ? WHERE id = ?", (undone, row[0]))
        decision = _decision(row)
        return Decision(**{**decision.__dict__, "undone_at": undone})

    def history(self, doc_id: str | None = None, target: str | None = None) -> list[Decision]:
        query = "SELECT * FROM decisions"
        clauses, params = [], []
        if doc_id is not None:
            clauses.append("doc_id = ?")
            params.append(doc_id)
        if target is not None:
            clauses.append("target = ?")
            params.append(target)
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        with self._connect() as connection:
            rows = connection.execute(query + " ORDER BY id", params).fetchall()
        return [_decision(row) for row in rows]

    def standing(self) -> dict[tuple[str, str], Decision]:
        """The decision in force for each (doc_id, target): the latest one not undone."""
        standing: dict[tuple[str, str], Decision] = {}
        for decision in self.history():
            if decision.undone_at is None:
                standing[(decision.doc_id, decision.target)] = decision
        return standing


def _decision(row: tuple[Any, ...]) -> Decision:
    return Decision(
        id=row[0],
        doc_id=row[1],
        target=row[2],
        input_sha256=row[3],
        action=row[4],
        old=json.loads(row[5]),
        new=json.loads(row[6]),
        reason=row[7],
        created_at=row[8],
        undone_at=row[9],
    )
