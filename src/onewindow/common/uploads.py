"""Uploads are size-limited and type-checked before anything reads them."""

from __future__ import annotations

from fastapi import UploadFile

from onewindow.common.errors import ValidationFailed
from onewindow.config import get_settings

XLSX_MAGIC = b"PK\x03\x04"


async def read_upload(file: UploadFile, *, suffixes: tuple[str, ...]) -> tuple[str, bytes]:
    name = (file.filename or "").strip()
    if not name.lower().endswith(suffixes):
        raise ValidationFailed.one(f"文件类型须为 {'、'.join(suffixes)}", field="file")
    limit = get_settings().max_upload_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise ValidationFailed.one(f"文件超过 {limit // (1024 * 1024)} MB 上限", field="file")
    if not content:
        raise ValidationFailed.one("文件为空", field="file")
    if name.lower().endswith(".xlsx") and not content.startswith(XLSX_MAGIC):
        raise ValidationFailed.one("文件扩展名为 .xlsx，但内容不是 Excel 工作簿", field="file")
    return name, content
