"""The authority's key directory (AIRWARN_KEYS_DIR): its signing key pair and the audit MAC key.

Only `init_keys` (the `airwarn keys init` command) creates keys. Everything else loads them and stops
with a clear error when they are missing or unreadable: a node that made itself a new key would issue
alerts that receivers reject and an audit chain nobody else can check.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from airwarn.cap.signing import CERT_FILE, KEY_FILE, Signer, generate_authority_key
from airwarn.domain.audit import KEY_BYTES, AuditKey
from airwarn.errors import ConfigError

log = logging.getLogger(__name__)

AUDIT_KEY_FILE = "audit.key"
_HOW = "create them once with `airwarn keys init` (AIRWARN_KEYS_DIR names the directory)"


@dataclass(frozen=True)
class Keys:
    """What a node signs and chains with."""

    signer: Signer
    audit: AuditKey


def _write_secret(path: Path, data: bytes) -> None:
    """Write a new file readable by its owner only; never replace an existing one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(data)
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def init_keys(directory: Path, *, common_name: str = "airwarn alert authority") -> list[str]:
    """Create what is missing in `directory`: the authority key pair and the audit key. Existing keys are
    never replaced. Returns the names of the files created (empty: everything was there)."""
    directory = Path(directory)
    key_path, cert_path, audit_path = directory / KEY_FILE, directory / CERT_FILE, directory / AUDIT_KEY_FILE
    halves = [p.exists() for p in (key_path, cert_path)]
    if any(halves) and not all(halves):
        missing = KEY_FILE if not halves[0] else CERT_FILE
        raise ConfigError(f"{directory} holds half of the authority key pair ({missing} missing); "
                          "restore it from your backup — a new pair would not match the published certificate")
    created: list[str] = []
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not all(halves):
            key_pem, cert_pem = generate_authority_key(common_name)
            _write_secret(key_path, key_pem)
            tmp = cert_path.with_name(f".{CERT_FILE}.{os.getpid()}.tmp")
            tmp.write_bytes(cert_pem)
            os.replace(tmp, cert_path)
            created += [KEY_FILE, CERT_FILE]
        if not audit_path.exists():
            _write_secret(audit_path, secrets.token_hex(KEY_BYTES).encode() + b"\n")
            created.append(AUDIT_KEY_FILE)
    except FileExistsError:
        raise ConfigError(f"another process is creating keys in {directory} right now") from None
    except OSError as exc:
        raise ConfigError(f"cannot create keys in {directory}: {exc.strerror}") from None
    if created:
        log.info("created %s in %s", ", ".join(created), directory)
    return created


def _read(path: Path, what: str) -> bytes:
    if not path.exists():
        raise ConfigError(f"no {what} at {path}: {_HOW}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} {path}: {exc.strerror}") from None


def _warn_if_open(path: Path) -> None:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("%s is readable by others (mode %o); use chmod 600", path, mode)


def load_authority(directory: Path) -> Signer:
    """The authority's signing key pair from `directory`; a clear ConfigError if missing or unreadable."""
    directory = Path(directory)
    key_pem = _read(directory / KEY_FILE, "authority key")
    cert_pem = _read(directory / CERT_FILE, "authority certificate")
    _warn_if_open(directory / KEY_FILE)
    try:
        return Signer(key_pem=key_pem, cert_pem=cert_pem)
    except ConfigError as exc:
        raise ConfigError(f"{directory / KEY_FILE}: {exc.message}") from None


def load_audit_key(directory: Path) -> AuditKey:
    """The audit MAC key from `directory` (64 hex digits); a clear ConfigError if missing or bad."""
    path = Path(directory) / AUDIT_KEY_FILE
    raw = _read(path, "audit key")
    _warn_if_open(path)
    try:
        secret = bytes.fromhex(raw.decode("ascii").strip())
        return AuditKey(secret)
    except (UnicodeDecodeError, ValueError):
        raise ConfigError(f"{path} is not an audit key (expected {2 * KEY_BYTES} hex digits)") from None


def load_keys(directory: Path) -> Keys:
    """Both keys a node needs; the first missing one is named."""
    return Keys(signer=load_authority(directory), audit=load_audit_key(directory))
