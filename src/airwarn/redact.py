"""Passwords never reach a terminal or a log: URLs and error texts are printed with their secrets masked."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
#: userinfo in any URL-looking text: scheme://user:password@host → scheme://user:***@host
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:/@\s'\"]*):(?P<pw>[^@\s'\"]*)@")
#: key=value pairs whose key says secret (libpq strings, query strings): password=…, token=…
_KEYED = re.compile(r"(?i)\b(?P<key>password|passwd|pwd|secret|token|api_key|apikey|sslpassword)"
                    r"(?P<sep>\s*=\s*)(?P<q>['\"]?)(?P<value>[^\s'\"&;]+)(?P=q)")
_SECRET_KEYS = {"password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "sslpassword"}


def mask_url(url: str) -> str:
    """`url` with the password (and secret-looking query values) replaced by ***; the rest as given."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_secrets(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, colon, _pw = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{hostport}" if colon else f"{userinfo}@{hostport}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in _SECRET_KEYS for k, _ in pairs):
            query = urlencode([(k, MASK if k.lower() in _SECRET_KEYS else v) for k, v in pairs], safe="*")
    if netloc == parts.netloc and query == parts.query:
        return url  # nothing secret (urlunsplit would also turn sqlite:///x into sqlite:/x)
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def mask_secrets(text: str) -> str:
    """Any free text (an exception message, a log line) with URL passwords and key=value secrets masked."""
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    return _KEYED.sub(lambda m: f"{m['key']}{m['sep']}{m['q']}{MASK}{m['q']}", text)
