"""sharing endpoints."""

from __future__ import annotations

from fastapi import APIRouter

from onewindow.common.api import ERRORS

router = APIRouter(responses=ERRORS)
