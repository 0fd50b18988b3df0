"""E-licences sign with the platform's SM2 key; the primitives and the key file live in common.sm2
(the audit checkpoints sign with the same key)."""

from onewindow.common.sm2 import (
    ALGORITHM,
    KEY_FILE_ENV,
    KEY_FILE_NAME,
    SigningKeyPair,
    current_key,
    key_file,
    key_id_of,
    load_public_key,
    sign,
    sm3_hex,
    verify,
)

__all__ = ["ALGORITHM", "KEY_FILE_ENV", "KEY_FILE_NAME", "SigningKeyPair", "current_key", "key_file", "key_id_of",
           "load_public_key", "sign", "sm3_hex", "verify"]
