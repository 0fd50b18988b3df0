"""The signing key: SM2 in a 0600 PEM file made once (also when processes race), SM3 key ids, rotation."""

from __future__ import annotations

import multiprocessing
import stat
from concurrent.futures import ProcessPoolExecutor
from datetime import date

import pytest
from sqlalchemy import select
from tongsuopy.crypto import serialization

from onewindow.common.errors import Conflict
from onewindow.db import utcnow
from onewindow.licences import service, signing
from onewindow.licences.models import SigningKey
from tests.licences.conftest import issue


def _key_id_in_fresh_process(path: str) -> str:
    import os

    os.environ[signing.KEY_FILE_ENV] = path
    return signing.current_key().key_id


def test_key_file_is_created_once_with_owner_only_mode(tmp_path, monkeypatch):
    path = tmp_path / "keys" / "k.pem"
    monkeypatch.setenv(signing.KEY_FILE_ENV, str(path))
    first = signing.current_key()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert signing.current_key().key_id == first.key_id
    assert list(path.parent.iterdir()) == [path]  # no temporary files left behind
    public = serialization.load_pem_public_key(first.public_key_pem.encode())
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert first.key_id == signing.sm3_hex(der) and len(first.key_id) == 64
    assert public.curve.name == "SM2"


def test_processes_racing_to_create_the_key_end_up_with_one(tmp_path):
    path = str(tmp_path / "race.pem")
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        ids = list(pool.map(_key_id_in_fresh_process, [path] * 8))
    assert len(set(ids)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["race.pem"]


def test_sign_and_verify_roundtrip_rejects_any_other_bytes():
    pair = signing.current_key()
    public = signing.load_public_key(pair.public_key_pem)
    sig = signing.sign(pair, "电子证照".encode())
    assert signing.verify(public, sig, "电子证照".encode())
    assert not signing.verify(public, sig, "电子证明".encode())
    assert not signing.verify(public, "not base64!", b"x")
    assert not signing.verify(public, "AAAA", "电子证照".encode())  # malformed DER, no exception escapes
    assert signing.load_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n") is None


def test_public_key_is_registered_once(session, holders):
    issue(session)
    issue(session, licence_type="食品经营许可证")
    keys = session.scalars(select(SigningKey)).all()
    assert len(keys) == 1 and keys[0].algorithm == "SM2-SM3" and keys[0].key_id == signing.current_key().key_id


def test_rotated_key_still_verifies_licences_it_signed(session, holders, tmp_path, monkeypatch):
    old = issue(session)
    monkeypatch.setenv(signing.KEY_FILE_ENV, str(tmp_path / "new.pem"))
    new = issue(session, licence_type="食品经营许可证")
    assert old.key_id != new.key_id
    assert session.scalar(select(SigningKey).where(SigningKey.key_id == old.key_id)) is not None
    assert service.verify(session, code=old.code).status == "valid"
    assert service.verify(session, code=new.code).status == "valid"


def test_a_retired_key_does_not_sign(session, holders):
    issue(session)
    session.get(SigningKey, signing.current_key().key_id).retired_at = utcnow()
    session.commit()
    with pytest.raises(Conflict):
        issue(session, issued_on=date(2025, 3, 15))
