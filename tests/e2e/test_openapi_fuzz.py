"""Generated requests against every operation of the OpenAPI document (schemathesis): whatever the
input, the gateway answers with its JSON error or a success, never a server error it does not document
(a 503 that a route declares, such as cloning a voice on a deployment without cloning weights, is an
answer, not a failure)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.e2e.conftest import OwnGateway

pytestmark = pytest.mark.e2e


@pytest.fixture()
def api_schema(own_gateway: Callable[..., OwnGateway]) -> schemathesis.BaseSchema:
    # Generous rate limits, so the generated requests reach the code behind them.
    platform = own_gateway(STT_GATEWAY_SIGNUP_PER_HOUR="100000", STT_GATEWAY_FAILED_AUTH_PER_MINUTE="100000")
    key = platform.signup("fuzz@example.com")
    schema = schemathesis.openapi.from_url(f"{platform.url}/openapi.json")
    schema.config.headers = {"Authorization": f"Bearer {key}"}
    # The transcribe body is multipart media and key revocation would lock the fuzzer out: both have
    # tests of their own.
    return schema.exclude(path="/v1/transcribe").exclude(method="DELETE", path="/api/v1/keys/{key_id}/")


def test_no_input_causes_a_server_error(api_schema: schemathesis.BaseSchema) -> None:
    checked = 0
    calls = {True: 0, False: 0}  # whether the request got past authentication
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def answers_without_server_error(case: schemathesis.Case) -> None:
            response = case.call()
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


def test_the_openapi_document_lists_the_account_api(own_gateway: Callable[..., OwnGateway]) -> None:
    paths = httpx.get(f"{own_gateway().url}/openapi.json").json()["paths"]
    assert {"/api/v1/signup/", "/api/v1/account/", "/api/v1/transcripts/", "/api/v1/keys/"} <= set(paths)
