"""Settings from the environment (ONEWINDOW_*), read in one place."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    instance_dir: Path
    host: str
    port: int
    max_upload_bytes: int
    secure_cookies: bool
    profile_snapshot_dir: Path  # Parquet snapshots of enterprise profiles for policy matching
    office_hours: tuple[tuple[time, time], ...] = ((time(9), time(12)), (time(13, 30), time(17, 30)))
    sla_warning_ratio: float = 0.2  # 预警 when this share of the limit (working days or hours) is left
    sla_warning_min_days: int = 3  # shorter day limits warn only on the due day
    token_ttl_hours: int = 24 * 7  # bearer tokens expire this long after they are issued
    login_max_failures: int = 5  # per account name within the window, then that account is locked
    login_max_failures_per_address: int = 20  # per client address within the window
    login_lock_minutes: int = 15  # the window, and how long a lockout lasts
    audit_checkpoint_dir: Path | None = None  # signed audit chain heads; None → <instance_dir>/audit_checkpoints
    rectification_days: int = 5  # 整改 time limit in working days (local rules: 5, some cities 15)
    rating_callback_days: int = 1  # a real-name 差评 is called back within this many working days
    rating_default_days: int = 7  # unrated matters become 基本满意 (default) this many days after completion
    rating_change_hours: int = 24  # a rater may change a rating within this long; later a second is refused
    # 双随机一公开: inspection results are published within this many working days after the visit (国办发〔2019〕5号
    # and the market-regulation rules: 20 个工作日 from the end of the inspection)
    sup_publish_days: int = 20


def parse_office_hours(text: str) -> tuple[tuple[time, time], ...]:
    """ONEWINDOW_OFFICE_HOURS, e.g. "09:00-12:00,13:30-17:30": ascending, non-overlapping periods."""
    periods = []
    for part in text.split(","):
        try:
            start, end = (time.fromisoformat(t.strip()) for t in part.split("-"))
        except ValueError:
            raise ValueError(f"ONEWINDOW_OFFICE_HOURS 中「{part.strip()}」不是“时:分-时:分”格式的时段") from None
        if start >= end or (periods and start < periods[-1][1]):
            raise ValueError(f"ONEWINDOW_OFFICE_HOURS 中「{part.strip()}」须晚于前一时段且结束晚于开始")
        periods.append((start, end))
    return tuple(periods)


def _ratio(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise ValueError("ONEWINDOW_SLA_WARNING_RATIO 须在 0 到 1 之间（不含 1）")
    return value


def _positive(name: str, default: str) -> int:
    text = os.environ.get(name, default)
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"{name} 须为正整数（当前为「{text}」）")
    return int(text)


def _secret_key(instance_dir: Path) -> str:
    """ONEWINDOW_SECRET_KEY, or one generated once and kept beside the data.

    Every app process signs session cookies with the same key, so a generated key is
    written to the instance folder rather than kept in memory.
    """
    if key := os.environ.get("ONEWINDOW_SECRET_KEY"):
        return key
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@lru_cache
def get_settings() -> Settings:
    instance_dir = Path(os.environ.get("ONEWINDOW_INSTANCE_DIR", "var")).resolve()
    default_db = f"sqlite:///{instance_dir / 'onewindow.db'}"
    return Settings(
        database_url=os.environ.get("ONEWINDOW_DATABASE_URL", default_db),
        secret_key=_secret_key(instance_dir),
        instance_dir=instance_dir,
        host=os.environ.get("ONEWINDOW_HOST", "127.0.0.1"),
        port=int(os.environ.get("ONEWINDOW_PORT", "8000")),
        max_upload_bytes=int(os.environ.get("ONEWINDOW_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024))),
        secure_cookies=os.environ.get("ONEWINDOW_SECURE_COOKIES", "0") == "1",
        profile_snapshot_dir=Path(os.environ.get("ONEWINDOW_PROFILE_SNAPSHOT_DIR",
                                                 instance_dir / "profile_snapshots")).resolve(),
        office_hours=parse_office_hours(os.environ.get("ONEWINDOW_OFFICE_HOURS", "09:00-12:00,13:30-17:30")),
        sla_warning_ratio=_ratio(os.environ.get("ONEWINDOW_SLA_WARNING_RATIO", "0.2")),
        sla_warning_min_days=int(os.environ.get("ONEWINDOW_SLA_WARNING_MIN_DAYS", "3")),
        token_ttl_hours=_positive("ONEWINDOW_TOKEN_TTL_HOURS", "168"),
        login_max_failures=_positive("ONEWINDOW_LOGIN_MAX_FAILURES", "5"),
        login_max_failures_per_address=_positive("ONEWINDOW_LOGIN_MAX_FAILURES_PER_ADDRESS", "20"),
        login_lock_minutes=_positive("ONEWINDOW_LOGIN_LOCK_MINUTES", "15"),
        audit_checkpoint_dir=Path(os.environ.get("ONEWINDOW_AUDIT_CHECKPOINT_DIR",
                                                 instance_dir / "audit_checkpoints")).resolve(),
        rectification_days=_positive("ONEWINDOW_RECTIFICATION_DAYS", "5"),
        rating_callback_days=_positive("ONEWINDOW_RATING_CALLBACK_DAYS", "1"),
        rating_default_days=_positive("ONEWINDOW_RATING_DEFAULT_DAYS", "7"),
        rating_change_hours=_positive("ONEWINDOW_RATING_CHANGE_HOURS", "24"),
        sup_publish_days=_positive("ONEWINDOW_SUP_PUBLISH_DAYS", "20"),
    )
