"""Keys are made only by `init_keys` (`airwarn keys init`); loading never creates one and says what to do."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from airwarn.cap.signing import CERT_FILE, KEY_FILE
from airwarn.cap.xml import alert_to_xml
from airwarn.errors import ConfigError
from airwarn.keyring import AUDIT_KEY_FILE, init_keys, load_audit_key, load_authority, load_keys
from tests.unit import cap_samples as samples


def test_init_makes_both_keys_owner_only_and_loading_finds_them(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    assert init_keys(directory) == [KEY_FILE, CERT_FILE, AUDIT_KEY_FILE]
    for name in (KEY_FILE, AUDIT_KEY_FILE):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600
    keys = load_keys(directory)
    xml = keys.signer.sign(alert_to_xml(samples.alert()))
    assert load_authority(directory).verify(xml)
    assert load_audit_key(directory) == keys.audit


def test_init_never_replaces_a_key(tmp_path: Path) -> None:
    init_keys(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in (KEY_FILE, CERT_FILE, AUDIT_KEY_FILE)}
    assert init_keys(tmp_path) == []
    assert {name: (tmp_path / name).read_bytes() for name in before} == before


def test_init_adds_a_missing_audit_key_beside_an_existing_authority(tmp_path: Path) -> None:
    init_keys(tmp_path)
    signer = load_authority(tmp_path)
    (tmp_path / AUDIT_KEY_FILE).unlink()
    assert init_keys(tmp_path) == [AUDIT_KEY_FILE]
    assert load_authority(tmp_path).fingerprint == signer.fingerprint


def test_init_refuses_half_a_pair(tmp_path: Path) -> None:
    init_keys(tmp_path)
    (tmp_path / KEY_FILE).unlink()
    with pytest.raises(ConfigError, match="authority.key missing"):
        init_keys(tmp_path)
    assert not (tmp_path / KEY_FILE).exists()


def test_loading_from_an_empty_directory_is_a_clear_error_and_creates_nothing(tmp_path: Path) -> None:
    where = tmp_path / "nowhere"
    with pytest.raises(ConfigError) as err:
        load_keys(where)
    assert "no authority key" in err.value.message and "airwarn keys init" in err.value.message
    assert not where.exists()
    init_keys(where)
    (where / AUDIT_KEY_FILE).unlink()
    with pytest.raises(ConfigError, match="no audit key .*airwarn keys init"):
        load_keys(where)
    assert not (where / AUDIT_KEY_FILE).exists()


def test_an_unreadable_or_damaged_key_is_a_clear_error(tmp_path: Path) -> None:
    init_keys(tmp_path)
    (tmp_path / AUDIT_KEY_FILE).write_text("not hex\n")
    with pytest.raises(ConfigError, match="is not an audit key"):
        load_audit_key(tmp_path)
    (tmp_path / KEY_FILE).write_bytes(b"garbage")
    with pytest.raises(ConfigError, match="authority.key: not an unencrypted PEM private key"):
        load_authority(tmp_path)
    (tmp_path / KEY_FILE).unlink()
    (tmp_path / KEY_FILE).mkdir()  # unreadable as a file, whoever runs the test (root reads mode-000 files)
    with pytest.raises(ConfigError, match="cannot read the authority key"):
        load_authority(tmp_path)
    assert os.path.isdir(tmp_path / KEY_FILE)
