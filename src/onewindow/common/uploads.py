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
    check_content(name, content)
    return name, content


# What a file's extension promises, by the type its bytes must show; names for the error messages.
SUFFIX_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                ".gif": "image/gif", ".ofd": "application/ofd",
                ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
KIND_NAMES = {"application/pdf": "PDF 文档", "image/png": "PNG 图片", "image/jpeg": "JPEG 图片", "image/gif": "GIF 图片",
              "application/ofd": "OFD 版式文档",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel 工作簿",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word 文档"}


def check_content(filename: str, content: bytes, *, field: str = "file") -> str:
    """The media type detected from the bytes, which must be what the extension promises; the type a client
    declares is never trusted nor stored (#9.13). A mismatch is refused, naming what the file really is."""
    name = (filename or "").strip()
    suffix = next((s for s in SUFFIX_TYPES if name.lower().endswith(s)), None)
    detected = sniff_content_type(content)
    if suffix is None:
        return detected  # a type this module does not vouch for (.yaml): served as a download
    expected = SUFFIX_TYPES[suffix]
    if detected != expected:
        actual = f"是{KIND_NAMES[detected]}" if detected in KIND_NAMES else f"不是{KIND_NAMES[expected]}"
        raise ValidationFailed.one(f"文件「{name}」扩展名为 {suffix}，但内容{actual}，请上传真实的{KIND_NAMES[expected]}",
                                   field=field)
    return detected


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
