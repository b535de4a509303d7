"""Property-based fuzzing against our own OpenAPI schema: no 5xx, and every response fits the schema."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from server.app import create_app  # noqa: E402


@pytest.fixture
def api_schema(sample_settings, serving, tmp_path_factory):
    settings_ = sample_settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("fuzz")})
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(settings_, serving))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_match_the_schema(case):
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
