"""Open311 POST retried at once (a client's timeout and retry racing the first attempt): one demand, both
answers carry its code (real commits on a database of its own, SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onewindow.common.roles import Role
from onewindow.db import session_scope
from onewindow.demands.models import Demand
from tests.cases.conftest import add_user
from tests.conftest import PASSWORD, at_once, live_engine

SCHEMA = json.loads((Path(__file__).parent / "open311_schemas" / "post_response.json").read_text())


@pytest.fixture(scope="module")
def live(worker_id):
    engine = live_engine(worker_id, "o311")
    with session_scope(engine) as s:
        add_user(s, Role.agent, "o311_race_agent")
    from onewindow.app import create_app

    yield engine, create_app(engine)
    engine.dispose()


@pytest.mark.parametrize("how", ["key", "keyless"])
def test_two_identical_posts_at_once_make_one_demand(live, how):
    engine, app = live
    c = TestClient(app)
    token = c.post("/api/auth/tokens", json={"username": "o311_race_agent", "password": PASSWORD}).json()["token"]
    data = {"api_key": token, "service_code": "complaint", "address_string": "解放路8号",
            "description": f"同时重试的诉求（{how}）"}
    headers = {"Idempotency-Key": "race-1"} if how == "key" else {}
    results = at_once([lambda: c.post("/open311/v2/requests.json", data=data, headers=headers)] * 4)
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    for r in results:
        jsonschema.validate(r.json(), SCHEMA)
    assert len({r.json()[0]["service_request_id"] for r in results}) == 1
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Demand).where(Demand.content == data["description"])) == 1
