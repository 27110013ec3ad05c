"""The review web app: Starlette on 127.0.0.1, Jinja2 pages (autoescaped), a
small script for keyboard shortcuts, JSON endpoints for decisions.

Security: pages escape every document string and a Content-Security-Policy
forbids inline script, so text from a report can never run; only the
127.0.0.1/localhost Host header is served (DNS rebinding); requests that
change state need the per-session token the page carries and a JSON body."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import EdufactsError
from ..stages.catalog import load_catalog
from .corrections import fact_fields, unclaimed_fields, validate_fields
from .store import Decision
from .views import (
    Standing,
    document_row,
    document_rows,
    document_segments,
    item_view,
    next_to_review,
    progress,
)
from .workspace import Workspace, find_fact, find_unclaimed

_HERE = Path(__file__).resolve().parent
_MAX_BODY = 64 * 1024
_MAX_REASON = 500
ALLOWED_ACTIONS = {"fact": ("accept", "edit", "reject"), "unclaimed": ("accept", "add")}
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class _SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.update(_HEADERS)
        return response


DOCUMENT_SCOPE = "document"
"""`?in=document` on an item page: the queue pane, j/k and the next item after a
decision stay in that document."""


def item_url(doc_id: str, target: str, within_document: bool = False) -> str:
    url = f"/item/{quote(doc_id)}/{quote(target)}"
    return f"{url}?in={DOCUMENT_SCOPE}" if within_document else url


def decision_json(decision: Decision) -> dict[str, Any]:
    return {**decision.__dict__}


def create_app(workspace: Workspace, token: str | None = None) -> Starlette:
    token = token or secrets.token_urlsafe(32)
    catalog = load_catalog()
    templates = Environment(
        loader=FileSystemLoader(_HERE / "templates"), autoescape=select_autoescape(default=True)
    )
    templates.globals.update(item_url=item_url, token=token, out_dir=workspace.out_dir.name)
    indicators = sorted(catalog.indicators.values(), key=lambda indicator: indicator.id)
    units = sorted(catalog.units)

    def page(name: str, standing: Standing, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = templates.get_template(name).render(progress=progress(workspace, standing), **context)
        return HTMLResponse(html, status_code=status_code)

    def not_found(message: str, standing: Standing) -> HTMLResponse:
        return page("message.html.j2", standing, status_code=404, message=message)

    async def home(request: Request) -> Response:
        standing = workspace.store.standing()
        first = next_to_review(workspace.queue, standing)
        if first is None:
            return page(
                "message.html.j2", standing, message="Nothing to review: the folder has no facts or mentions."
            )
        return RedirectResponse(item_url(first.doc_id, first.target), status_code=303)

    async def item(request: Request) -> Response:
        doc_id, target = request.path_params["doc_id"], request.path_params["target"]
        standing = workspace.store.standing()
        within_document = request.query_params.get("in") == DOCUMENT_SCOPE
        try:
            view = item_view(workspace, catalog, doc_id, target, standing, within_document)
        except EdufactsError as error:
            return not_found(str(error), standing)
        if view is None:
            return not_found(f"no item {target!r} in document {doc_id!r}", standing)
        return page("item.html.j2", standing, view=view, indicators=indicators, units=units)

    async def document(request: Request) -> Response:
        doc_id = request.path_params["doc_id"]
        standing = workspace.store.standing()
        try:
            segments = document_segments(workspace, doc_id, standing)
            result = workspace.document(doc_id).result
        except EdufactsError as error:
            return not_found(str(error), standing)
        return page(
            "document.html.j2",
            standing,
            doc_id=doc_id,
            segments=segments,
            meta=result.meta,
            next_item=document_row(workspace, doc_id, standing).next_item,
        )

    async def documents(request: Request) -> Response:
        standing = workspace.store.standing()
        return page("documents.html.j2", standing, rows=document_rows(workspace, standing))

    async def _body(request: Request) -> dict[str, Any] | JSONResponse:
        if not secrets.compare_digest(request.headers.get("x-review-token", ""), token):
            return JSONResponse({"error": "missing or wrong review token"}, status_code=403)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return JSONResponse({"error": "send JSON"}, status_code=415)
        raw = await request.body()
        if len(raw) > _MAX_BODY:
            return JSONResponse({"error": "request too large"}, status_code=413)
        try:
            body = json.loads(raw)
        except ValueError:
            return JSONResponse({"error": "malformed JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "send a JSON object"}, status_code=400)
        key = (str(body.get("doc_id", "")), str(body.get("target", "")))
        if key not in workspace.position:
            return JSONResponse({"error": "no such item"}, status_code=404)
        return body

    async def decide(request: Request) -> Response:
        body = await _body(request)
        if isinstance(body, JSONResponse):
            return body
        doc_id, target = str(body["doc_id"]), str(body["target"])
        action = str(body.get("action", ""))
        raw_reason = body.get("reason") or ""
        if not isinstance(raw_reason, str):
            return JSONResponse({"error": "reason must be a string"}, 400)
        reason = raw_reason.strip()
        try:
            result = workspace.document(doc_id).result
        except EdufactsError as error:  # the source text is gone or changed
            return JSONResponse({"error": str(error)}, 409)
        fact = find_fact(result, target)
        kind = "fact" if fact is not None else "unclaimed"
        if action not in ALLOWED_ACTIONS[kind]:
            return JSONResponse({"error": f"cannot {action or '(nothing)'} an item of kind {kind}"}, 400)
        if len(reason) > _MAX_REASON:
            return JSONResponse({"error": f"reason is longer than {_MAX_REASON} characters"}, 400)
        if fact is not None:
            old = fact_fields(fact)
        else:
            mention = find_unclaimed(result, target)
            assert mention is not None
            old = unclaimed_fields(mention)
        new: dict[str, Any] = {}
        if action in ("edit", "add"):
            fields = body.get("fields")
            if not isinstance(fields, dict):
                return JSONResponse({"error": "an edit needs its fields"}, 400)
            try:
                checked = validate_fields(catalog, fields)
            except EdufactsError as error:
                return JSONResponse({"error": str(error)}, 400)
            new = {**checked, "value": str(checked["value"])}
        decision = workspace.store.record(doc_id, target, result.document.sha256, action, old, new, reason)  # type: ignore[arg-type]
        within_document = body.get("scope") == DOCUMENT_SCOPE
        _, following = workspace.neighbours((doc_id, target), within_document)
        landing = following or workspace.queue[workspace.position[(doc_id, target)]]
        next_url = item_url(landing.doc_id, landing.target, within_document)
        return JSONResponse({"ok": True, "decision": decision_json(decision), "next": next_url})

    async def undo(request: Request) -> Response:
        body = await _body(request)
        if isinstance(body, JSONResponse):
            return body
        undone = workspace.store.undo(str(body["doc_id"]), str(body["target"]))
        return JSONResponse({"ok": True, "undone": None if undone is None else decision_json(undone)})

    async def decisions(request: Request) -> Response:
        return JSONResponse([decision_json(decision) for decision in workspace.store.history()])

    routes = [
        Route("/", home),
        Route("/item/{doc_id}/{target}", item),
        Route("/docs", documents),
        Route("/doc/{doc_id}", document),
        Route("/api/decisions", decisions, methods=["GET"]),
        Route("/api/decide", decide, methods=["POST"]),
        Route("/api/undo", undo, methods=["POST"]),
        Mount("/static", StaticFiles(directory=_HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"]),
        Middleware(_SecurityHeaders),
    ]
    return Starlette(routes=routes, middleware=middleware)


__all__ = ["DOCUMENT_SCOPE", "create_app", "item_url"]
