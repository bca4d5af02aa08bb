"""Acting through a running node (AIRWARN_URL + AIRWARN_TOKEN): a CLI command that changes state makes the
same HTTP call the console makes, so it gets the same signed alert, audit records and live events."""

from __future__ import annotations

import os
from typing import Any

from airwarn.errors import (
    AirwarnError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
    Unavailable,
)

_BY_STATUS: dict[int, type[AirwarnError]] = {
    400: InvalidInput, 401: Unauthenticated, 403: Forbidden, 404: NotFound, 409: Conflict, 422: InvalidInput,
}


def node_url() -> str | None:
    """The node this CLI acts through ($AIRWARN_URL), or None."""
    url = os.environ.get("AIRWARN_URL", "").strip()
    return url.rstrip("/") or None


def require_node(command: str) -> str:
    """$AIRWARN_URL, or an error that says why a state change needs it."""
    url = node_url()
    if url is None:
        raise InvalidInput(
            f"`airwarn {command}` changes state, so it acts through a running node: set AIRWARN_URL "
            "(e.g. http://127.0.0.1:8000) and AIRWARN_TOKEN — the node signs, audits and announces the "
            "change exactly as its API does", field="AIRWARN_URL")
    return url


def token_of(token: str | None) -> str:
    found = token or os.environ.get("AIRWARN_TOKEN", "").strip()
    if not found:
        raise InvalidInput("this command acts as a signed-in user: pass --token or set AIRWARN_TOKEN "
                           "(create one with `airwarn users add NAME --role operator`)", field="--token")
    return found


def call(method: str, path: str, *, token: str | None = None, json: Any = None,
         params: dict[str, Any] | None = None, url: str | None = None, accept_json: bool = True) -> Any:
    """One request to the node; its JSON error becomes the matching airwarn error (same message, field)."""
    import httpx

    base = url or node_url()
    if base is None:
        raise InvalidInput("set AIRWARN_URL to the node to ask", field="AIRWARN_URL")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.request(method, f"{base}{path}", headers=headers, json=json, params=params, timeout=30)
    except httpx.HTTPError as exc:
        raise Unavailable(f"cannot reach the node at {base}: {exc}") from None
    if response.status_code >= 400:
        try:
            body = response.json()
            message, field = str(body.get("message") or response.text), body.get("field")
        except ValueError:
            message, field = response.text.strip() or response.reason_phrase, None
        error = _BY_STATUS.get(response.status_code, AirwarnError if response.status_code < 500 else Unavailable)
        raise error(f"{message} (HTTP {response.status_code} from {base})", field=field)
    return response.json() if accept_json else response.text
