"""The named errors airwarn raises; the API maps them to JSON errors, the CLI to exit codes."""

from __future__ import annotations


class AirwarnError(Exception):
    """Base of every error airwarn raises on purpose."""

    status_code = 400
    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


class InvalidInput(AirwarnError):
    """Input that cannot be accepted; `field` names where (e.g. ``districts[1]`` or ``row 7``)."""

    status_code = 422
    code = "invalid_input"


class NotFound(AirwarnError):
    status_code = 404
    code = "not_found"


class Conflict(AirwarnError):
    """The request is valid but contradicts the current state (e.g. approving an issued alert)."""

    status_code = 409
    code = "conflict"


class Unauthenticated(AirwarnError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(AirwarnError):
    status_code = 403
    code = "forbidden"


class Unavailable(AirwarnError):
    """A dependency (database, broker) failed for now; the same request may succeed later."""

    status_code = 503
    code = "unavailable"


class ConfigError(AirwarnError):
    """Settings or bundled data that make the system unable to start."""

    status_code = 500
    code = "config_error"


class RateLimited(AirwarnError):
    """Too many requests from one address or token; `retry_after_s` says when to try again."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after_s = max(1, retry_after_s)
