"""Generated requests against every operation of the OpenAPI document (schemathesis): whatever the
input, the gateway answers with its JSON error or a success, never a server error it does not document
(a 503 that a route declares, such as cloning a voice on a deployment without cloning weights, is an
answer, not a failure). The fuzz account owns a completed transcript, and up to 3 generated requests
on each of a transcript's routes name it, so they reach the work behind the ownership check, not only
404."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Speech
from tests.e2e.conftest import OwnGateway

pytestmark = pytest.mark.e2e


@pytest.fixture()
def api_schema(
    own_gateway: Callable[..., OwnGateway], speech: dict[str, Speech]
) -> tuple[schemathesis.BaseSchema, str]:
    """The schema to fuzz with the fuzz account's key, and the id of the transcript it owns."""
    # Generous rate limits, so the generated requests reach the code behind them.
    platform = own_gateway(STT_GATEWAY_SIGNUP_PER_HOUR="100000", STT_GATEWAY_FAILED_AUTH_PER_MINUTE="100000")
    key = platform.signup("fuzz@example.com")
    owned = httpx.post(
        f"{platform.url}/v1/transcribe",
        files={"file": ("owned.wav", speech["garden"].path.read_bytes())},
        data={"model": "tiny.en"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=300,
    )
    assert owned.status_code == 200, owned.text
    schema = schemathesis.openapi.from_url(f"{platform.url}/openapi.json")
    schema.config.headers = {"Authorization": f"Bearer {key}"}
    # Key revocation would lock the fuzzer out: it has tests of its own.
    return schema.exclude(method="DELETE", path="/api/v1/keys/{key_id}/"), owned.json()["id"]


# Hundreds of requests, some of them real work of the language model: 407 s on a 2-core machine that a
# benchmark kept busy, against the suite's 600 s for one test.
@pytest.mark.timeout(1800)
def test_no_input_causes_a_server_error(api_schema: tuple[schemathesis.BaseSchema, str]) -> None:
    schema, owned_id = api_schema
    checked = 0
    calls = {True: 0, False: 0}  # whether the request got past authentication
    on_owned: dict[str, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), name_the_owned=st.booleans())
        def answers_without_server_error(case: schemathesis.Case, name_the_owned: bool) -> None:
            # At most 3 an operation: on the owned transcript the language model does real work, and a
            # few cases show whether generated input reaches it safely. Deleting the transcript would
            # leave the rest of the run with 404s, so DELETE keeps its generated ids.
            label = f"{case.method} {case.operation.path}"
            if (
                name_the_owned
                and "transcript_id" in (case.path_parameters or {})
                and case.method != "DELETE"
                and on_owned.get(label, 0) < 3
            ):
                case.path_parameters["transcript_id"] = owned_id  # type: ignore[index]
                on_owned[label] = on_owned.get(label, 0) + 1
            response = case.call(timeout=600)
            calls[response.status_code < 400 or response.status_code != 401] += 1
            declared = case.operation.definition.raw["responses"]
            failed = response.status_code >= 500 and str(response.status_code) not in declared
            assert not failed, (case.method, case.formatted_path, response.text[:300])
            if response.status_code >= 400:
                assert "error" in response.json(), response.text[:300]

        answers_without_server_error()
        checked += 1
    assert checked >= 11
    assert calls[True] > 3 * calls[False]  # the generated requests reach the code behind the auth
    assert len(on_owned) >= 8, on_owned  # and the transcript routes meet a transcript of the account's own


def test_the_openapi_document_lists_the_account_api(own_gateway: Callable[..., OwnGateway]) -> None:
    paths = httpx.get(f"{own_gateway().url}/openapi.json").json()["paths"]
    assert {"/api/v1/signup/", "/api/v1/account/", "/api/v1/transcripts/", "/api/v1/keys/"} <= set(paths)
