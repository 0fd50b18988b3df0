"""The platform's SM2 key and SM2 signatures with SM3 digests (国密 SM2/SM3) through tongsuopy.

It lives in `common` because more than e-licences sign with it: the audit chain's checkpoints
(common/checkpoints.py) are signed with the same key, and `common` may not import `licences`.
`licences.signing` re-exports these names.

The private key is a PKCS#8 PEM file (ONEWINDOW_LICENCE_KEY_FILE, default
`<instance_dir>/licence_sm2_key.pem`), created on first use with mode 0600. Every app process reads the
same file; creation writes a temporary file and hard-links it into place, so when two processes start
at once exactly one key wins and both use it. Public halves live in `signing_keys`, so a licence signed
with a key since rotated still verifies.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec

from onewindow.config import get_settings

ALGORITHM = "SM2-SM3"
KEY_FILE_ENV = "ONEWINDOW_LICENCE_KEY_FILE"
KEY_FILE_NAME = "licence_sm2_key.pem"

log = logging.getLogger("onewindow.sm2")
_lock = threading.Lock()
_cache: dict[Path, tuple[int, int, SigningKeyPair]] = {}


@dataclass(frozen=True)
class SigningKeyPair:
    private_key: ec.EllipticCurvePrivateKey
    key_id: str
    public_key_pem: str


def key_file() -> Path:
    """Where the private key lives; read on every call so tests and operators can point elsewhere."""
    if configured := os.environ.get(KEY_FILE_ENV):
        return Path(configured).expanduser().resolve()
    return get_settings().instance_dir / KEY_FILE_NAME


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def key_id_of(public_key: ec.EllipticCurvePublicKey) -> str:
    """SM3 of the DER SubjectPublicKeyInfo, hex."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return sm3_hex(der)


def _pair(private_key) -> SigningKeyPair:
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or private_key.curve.name != "SM2":
        raise ValueError("证照签名密钥文件不是 SM2 私钥")
    public = private_key.public_key()
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return SigningKeyPair(private_key=private_key, key_id=key_id_of(public), public_key_pem=pem.decode("ascii"))


def _create(path: Path) -> None:
    """Write a new key beside `path` and link it into place unless another process got there first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SM2())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)  # atomic, never replaces: the first process's key stays
        except FileExistsError:
            return
        except OSError:  # a filesystem without hard links: exclusive create, then write
            try:
                out_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(out_fd, "wb") as out:
                out.write(pem)
                out.flush()
                os.fsync(out.fileno())
        log.info("generated a new SM2 licence signing key at %s", path)
    finally:
        os.unlink(tmp)


def current_key() -> SigningKeyPair:
    """The key new licences are signed with, creating it on first use."""
    path = key_file()
    with _lock:
        if not path.exists():
            _create(path)
        stat = path.stat()
        cached = _cache.get(path)
        if cached and cached[:2] == (stat.st_ino, stat.st_mtime_ns):
            return cached[2]
        if stat.st_mode & 0o077:
            log.warning("licence signing key %s is readable by others (mode %o)", path, stat.st_mode & 0o777)
        pair = _pair(serialization.load_pem_private_key(path.read_bytes(), password=None))
        _cache[path] = (stat.st_ino, stat.st_mtime_ns, pair)
        return pair


def sign(pair: SigningKeyPair, data: bytes) -> str:
    """The SM2 signature (DER) over `data` with SM3 and the default user id, base64."""
    signature = pair.private_key.sign(data, ec.ECDSA(hashes.SM3()))
    return base64.b64encode(signature).decode("ascii")


def load_public_key(pem: str) -> ec.EllipticCurvePublicKey | None:
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "SM2":
        return None
    return key


def verify(public_key: ec.EllipticCurvePublicKey, signature_b64: str, data: bytes) -> bool:
    """True only for a well-formed signature that matches; any garbage is simply not valid."""
    try:
        signature = base64.b64decode(signature_b64.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False
    if not signature or base64.b64encode(signature).decode("ascii") != signature_b64:
        return False  # only the canonical encoding: a changed padding character is a changed signature
    try:
        public_key.verify(signature, data, ec.ECDSA(hashes.SM3()))
    except Exception:  # InvalidSignature, or the library's error for a malformed DER signature
        return False
    return True
