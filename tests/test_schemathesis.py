"""Property-based run over the whole JSON API (schemathesis): whatever a client sends that the OpenAPI
document admits — and much that it does not — gets a documented answer, never a 500.

Operations are driven from inside one test (schemathesis' pytest fixture loader does not run on
pytest 9), each with its own Hypothesis search; every failing operation is reported.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from onewindow.common.roles import Role
from tests.conftest import PASSWORD

EXAMPLES = 20
# Schema-valid data may still break a domain rule the schema cannot express (an unknown department, a
# bundle item that does not exist, a password without digits): those get a located 422, so the check
# that every schema-valid request is accepted does not apply. Every other check runs.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]


SHARDS = 4  # the operations split four ways, so parallel test workers share the run


@pytest.mark.parametrize("shard", range(SHARDS))
def test_api_never_fails_on_any_input(shard, app, catalog, user_factory, client):
    user_factory(Role.admin, username="fuzz_admin")
    token = client.post("/api/auth/tokens", json={"username": "fuzz_admin", "password": PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures, ran = [], 0
    for index, result in enumerate(schema.get_all_operations()):
        if index % SHARDS != shard:
            continue
        operation = result.ok()
        if operation.method.upper() == "DELETE" and "tokens" in operation.path:
            continue  # revoking random token ids would revoke the fuzzer's own credentials

        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def run(case):
                case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)

            try:
                run()
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise
                # nothing about this operation can be made invalid (no parameters, or only free text)
            except Exception as exc:  # collect, so one run reports every operation that fails
                failures.append(f"{mode.value} {operation.method.upper()} {operation.path}: {exc}")
        ran += 1
    assert ran >= 15
    assert not failures, "\n\n".join(failures)
