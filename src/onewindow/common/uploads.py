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


# Types the server is willing to name from the file's own bytes; anything else is a download.
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif"})


def sniff_content_type(content: bytes) -> str:
    """The media type decided from the content (magic bytes), never from what the uploader claimed: an HTML
    or SVG file labelled image/png must not be served as something a browser runs."""
    for magic, media in _MAGIC:
        if content.startswith(magic):
            return media
    if content.startswith(XLSX_MAGIC):
        import io
        import zipfile

        try:
            names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return "application/octet-stream"
        if "OFD.xml" in names:
            return "application/ofd"  # GB/T 33190 版式文档
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return "application/octet-stream"


def file_response_headers(content: bytes, filename: str) -> tuple[str, dict[str, str]]:
    """(media type, headers) for serving a stored upload: PDF and images may open in the browser, the rest
    is an attachment; nosniff comes with every answer (common/headers.py)."""
    from urllib.parse import quote

    media = sniff_content_type(content)
    disposition = "inline" if media in INLINE_TYPES else "attachment"
    return media, {"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}",
                   "X-Content-Type-Options": "nosniff"}
