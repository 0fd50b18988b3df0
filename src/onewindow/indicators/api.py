"""Indicators API (JSON)."""

from fastapi import APIRouter

router = APIRouter(prefix="/indicators", tags=["indicators"])
