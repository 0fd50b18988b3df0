"""Settings from the environment (ONEWINDOW_*), read in one place."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
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
    )
