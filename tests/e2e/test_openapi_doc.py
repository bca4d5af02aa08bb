"""The OpenAPI document matches what the API really answers: typed 2xx bodies, the real error body, the
bearer scheme and 401/403/404/409 where they happen; /docs and /redoc need nothing from outside."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from airwarn.api.app import create_app
from airwarn.service_layer import services
from airwarn.service_layer.deps import Deps
from airwarn.settings import Settings

REPORT = {"kind": "interception", "region": "RU-ROS", "districts": ["Millerovsky"],
          "source": {"type": "official", "name": "Governor of Rostov Region"}, "text": "drones destroyed"}


@pytest.fixture
def tokens(deps: Deps) -> dict[str, str]:
    return {role: services.add_user(deps, f"{role}-1", role) for role in ("observer", "operator", "approver")}


@pytest.fixture
def client(deps: Deps) -> Iterator[TestClient]:
    with TestClient(create_app(deps, settings=Settings()), raise_server_exceptions=False) as c:
        yield c


def _conforms(spec: dict[str, Any], name: str, body: Any, array: bool = False) -> None:
    ref = {"$ref": f"#/components/schemas/{name}"}
    schema = {"type": "array", "items": ref} if array else ref
    jsonschema.validate(body, {**schema, "components": spec["components"]})


def test_every_operation_is_typed_and_secured_as_it_behaves(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": spec["components"]["securitySchemes"]["bearer"]["description"]}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            ok = [c for c in op["responses"] if c.startswith("2")]
            assert ok and op["responses"][ok[0]].get("content"), f"{method} {path}: untyped success"
            for code in ("401", "403", "404", "409", "422", "429"):
                if code in op["responses"]:
                    assert op["responses"][code]["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"}, f"{method} {path} {code}"
    review = spec["paths"]["/api/v1/review"]["get"]
    assert review["security"] == [{"bearer": []}] and {"401", "403"} <= set(review["responses"])
    approve = spec["paths"]["/api/v1/alerts/{identifier}/approve"]["post"]
    assert {"401", "403", "404", "409"} <= set(approve["responses"])
    assert "security" not in spec["paths"]["/api/v1/status"]["get"]  # public
    for path in ("/api/v1/reports", "/api/v1/messages"):
        examples = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["examples"]
        assert len(examples) >= 2
        answers = spec["paths"][path]["post"]["responses"]["201"]["content"]["application/json"]["examples"]
        for ex in answers.values():  # documented answers have the documented shape
            _conforms(spec, "Outcome" if path.endswith("reports") else "MessageResult", ex["value"])


def test_real_answers_conform_to_the_documented_shapes(client: TestClient, tokens: dict[str, str]) -> None:
    spec = client.get("/openapi.json").json()
    op = {"Authorization": f"Bearer {tokens['operator']}"}
    posted = client.post("/api/v1/reports", json=REPORT, headers=op)
    assert posted.status_code == 201
    _conforms(spec, "Outcome", posted.json())
    example = spec["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    for ex in example.values():  # the examples are valid requests
        assert client.post("/api/v1/reports", json=ex["value"], headers=op).status_code == 201
    _conforms(spec, "Status", client.get("/api/v1/status").json())
    alerts = client.get("/api/v1/alerts", headers=op).json()  # staff also see alerts that wait for approval
    assert alerts
    _conforms(spec, "AlertSummary", alerts, array=True)
    _conforms(spec, "Alert", client.get(f"/api/v1/alerts/{alerts[0]['identifier']}", headers=op).json())
    _conforms(spec, "Regime", client.get("/api/v1/regimes").json(), array=True)
    _conforms(spec, "Airport", client.get("/api/v1/airports").json(), array=True)
    _conforms(spec, "Report", client.get("/api/v1/review", headers=op).json(), array=True)
    _conforms(spec, "AuditRecord", client.get("/api/v1/audit", headers=op).json(), array=True)
    _conforms(spec, "FeatureCollection", client.get("/api/v1/territory").json())
    # errors as they really are
    for answer, code in ((client.get("/api/v1/review"), 401),
                         (client.post(f"/api/v1/alerts/{alerts[0]['identifier']}/approve", headers=op), 403),
                         (client.get("/api/v1/alerts/nope"), 404),
                         (client.post("/api/v1/reports", json={**REPORT, "kind": "nonsense"}, headers=op), 422)):
        assert answer.status_code == code
        _conforms(spec, "Error", answer.json())
    assert client.post("/api/v1/reports", json={**REPORT, "kind": "nonsense"}, headers=op).json()["field"] == "kind"


def test_docs_are_served_from_this_node(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200
        assert "http://" not in html.text and "https://" not in html.text and "<script>" not in html.text
        for src in ("/static/js/docs.js",):
            assert src in html.text and client.get(src).status_code == 200
    for asset in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css",
                  "/static/vendor/redoc/redoc.standalone.js"):
        assert client.get(asset).status_code == 200, asset
