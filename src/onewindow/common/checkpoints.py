"""Signed checkpoints of the audit chain, kept outside the database.

The hash chain shows a changed or missing record only to someone who trusts the newest rows: an operator
who can bypass the append-only triggers can delete the last records, or rewrite one and recompute every
hash after it, and the chain is whole again. So a periodic job signs the chain's head (sequence number
and hash) with the platform's SM2 key (common.sm2, the key e-licences are signed with) and writes it as
a file under ONEWINDOW_AUDIT_CHECKPOINT_DIR. Verification then requires every checkpoint's record to be
still there with the signed hash: a truncated chain lacks it, a rewritten one has another hash. Database
rights alone cannot forge a checkpoint; copy the files off the machine to protect them from the host's
administrator too.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onewindow.common import audit, sm2
from onewindow.common import time as beijing
from onewindow.common.models import AuditRecord
from onewindow.config import get_settings
from onewindow.db import utcnow

FORMAT = "onewindow-audit-checkpoint/1"
PATTERN = "audit-checkpoint-*.json"


@dataclass(frozen=True)
class Checkpoint:
    file: str
    seq: int | None = None
    hash: str | None = None
    at: str | None = None  # UTC, ISO 8601, as signed
    key_id: str | None = None
    signature: str | None = None
    problem: str | None = None  # set when the file itself cannot be trusted

    @property
    def at_local(self) -> str:
        from datetime import datetime

        try:
            return datetime.fromisoformat(self.at).astimezone(beijing.SHANGHAI).strftime("%Y-%m-%d %H:%M")
        except (TypeError, ValueError):
            return self.at or ""


@dataclass(frozen=True)
class CheckedCheckpoint:
    checkpoint: Checkpoint
    matches: bool
    message: str  # Chinese, for the page and the CLI


def directory() -> Path:
    return get_settings().audit_checkpoint_dir


def _message(seq: int, hash_: str, at: str) -> bytes:
    return f"{FORMAT}\n{seq}\n{hash_}\n{at}".encode()


def write(session: Session, *, target: Path | None = None) -> Checkpoint | None:
    """Sign the current head into a new checkpoint file; None when nothing was added since the last one.
    A broken chain is never signed: that would bless the tampering."""
    result = verify(session, source=target)
    if not result.ok:
        raise ValueError(f"审计链未通过校验，不生成检查点：{result.reason}")
    if result.checked == 0:
        return None
    latest = next((c for c in reversed(load(target)) if c.problem is None), None)
    if latest is not None and latest.seq == result.checked and latest.hash == result.head_hash:
        return None  # idempotent: the head has not moved
    pair = sm2.current_key()
    at = utcnow().isoformat(timespec="seconds")
    body = {"format": FORMAT, "seq": result.checked, "hash": result.head_hash, "at": at,
            "algorithm": sm2.ALGORITHM, "key_id": pair.key_id, "public_key_pem": pair.public_key_pem,
            "signature": sm2.sign(pair, _message(result.checked, result.head_hash, at))}
    folder = target or directory()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"audit-checkpoint-{result.checked:012d}.json"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".checkpoint-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(body, out, ensure_ascii=False, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, folder / name)
    return _parse(folder / name)


def _parse(path: Path) -> Checkpoint:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        seq, hash_, at, signature = int(body["seq"]), str(body["hash"]), str(body["at"]), str(body["signature"])
        key_id = str(body["key_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return Checkpoint(file=path.name, problem=f"检查点文件 {path.name} 无法读取或格式不对")
    point = Checkpoint(file=path.name, seq=seq, hash=hash_, at=at, key_id=key_id, signature=signature)
    pair = sm2.current_key()
    # Only the platform's own key counts: a file carrying some other public key proves nothing.
    public = sm2.load_public_key(pair.public_key_pem)
    if key_id != pair.key_id or not sm2.verify(public, signature, _message(seq, hash_, at)):
        return Checkpoint(file=path.name, seq=seq, hash=hash_, at=at, key_id=key_id, signature=signature,
                          problem=f"检查点文件 {path.name} 的签名无效（不是本平台 SM2 密钥签发，或内容被改动）")
    return point


def load(source: Path | None = None) -> list[Checkpoint]:
    """Every checkpoint file, oldest (lowest sequence) first."""
    folder = source or directory()
    if not folder.is_dir():
        return []
    return [_parse(p) for p in sorted(folder.glob(PATTERN))]


def check(session: Session, *, source: Path | None = None) -> list[CheckedCheckpoint]:
    """Each checkpoint against the records in the database."""
    last = session.scalar(select(func.max(AuditRecord.seq))) or 0
    out = []
    for point in load(source):
        if point.problem:
            out.append(CheckedCheckpoint(point, False, point.problem))
            continue
        rec = session.get(AuditRecord, point.seq)
        if rec is None:
            out.append(CheckedCheckpoint(point, False, f"审计链被截断：{point.at_local}的签名检查点记录链上已有第{point.seq}条，"
                                                       f"数据库中现仅到第{last}条"))
        elif rec.hash != point.hash:
            out.append(CheckedCheckpoint(point, False, f"审计链被改写：第{point.seq}条记录的哈希与{point.at_local}的签名检查点不符，"
                                                       f"此前的记录已被改动并重算哈希"))
        else:
            out.append(CheckedCheckpoint(point, True, f"与数据库一致（第{point.seq}条）"))
    return out


def verify(session: Session, *, source: Path | None = None) -> audit.VerifyResult:
    """The chain itself, then every signed checkpoint: the first problem found, or whole."""
    result = audit.verify(session)
    if not result.ok:
        return result
    for checked in check(session, source=source):
        if not checked.matches:
            return audit.VerifyResult(False, result.checked, checked.checkpoint.seq, checked.message)
    return result


def job(session: Session, registry) -> str:
    point = write(session)
    return f"已签名审计链检查点：第{point.seq}条" if point else "审计链无新增记录，未生成检查点"
