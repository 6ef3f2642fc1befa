"""The published contract: fresh, documented, and honest about errors and scopes."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.openapi import route_scopes
from app.openapi_file import render, scope_table, with_scope_table

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/v1/regions"), ("GET", "/v1/agencies"),
          ("GET", "/v1/agencies/{code}"), ("GET", "/v1/topics"), ("GET", "/metrics")}  # fmt: skip


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return yaml.safe_load(render())  # type: ignore[no-any-return]


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, item in document["paths"].items() for m, op in item.items()]


def test_openapi_yaml_is_up_to_date() -> None:
    committed = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert committed == render(), "openapi.yaml is stale: run `make openapi` and commit the result"


def test_every_operation_has_summary_description_and_tag(document: dict[str, Any]) -> None:
    tags = {t["name"] for t in document["tags"]}
    assert all(t.get("description") for t in document["tags"])
    for method, path, op in _operations(document):
        assert op.get("summary") and "\n" not in op["summary"], (method, path)
        assert op.get("description"), (method, path)
        assert op.get("tags") and set(op["tags"]) <= tags, (method, path)


def test_every_error_response_is_problem_json(document: dict[str, Any]) -> None:
    for method, path, op in _operations(document):
        errors = {s: r for s, r in op["responses"].items() if int(s) >= 400}
        assert "500" in errors, (method, path)
        for status, response in errors.items():
            assert list(response["content"]) == ["application/problem+json"], (method, path, status)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_secured_operations_document_401_403_and_their_scope(document: dict[str, Any], app: FastAPI) -> None:
    scopes = route_scopes(app)
    assert document["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    for method, path, op in _operations(document):
        if (method, path) in PUBLIC:
            assert "security" not in op and scopes[(method, path)] is None
            continue
        assert op["security"] == [{"ApiKey": []}], (method, path)
        assert {"401", "403"} <= set(op["responses"]), (method, path)
        assert op["x-required-scope"] == scopes[(method, path)] is not None, (method, path)


def test_bodies_and_answers_carry_realistic_examples(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in ("MentionCreate", "MentionBatch", "MentionPublic", "ClientCreate", "RegionPublic", "Problem"):
        assert schemas[name].get("example"), name
    assert "Samarinda" in str(schemas["MentionCreate"]["example"])
    batch_items = schemas["MentionBatch"]["properties"]["items"]
    # Each item is a MentionCreate, or anything else, which is reported rejected without failing the batch.
    assert batch_items["items"]["anyOf"][0] == {"$ref": "#/components/schemas/MentionCreate"}
    assert set(batch_items["items"]["anyOf"][1]) == {"description"}
    assert batch_items["maxItems"] == 1000


def test_readme_scope_table_is_the_one_generated_from_the_code(app: FastAPI) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert with_scope_table(readme, scope_table(app)) == readme, "run `make openapi`"
    table = scope_table(app)
    # Every route is in it exactly once, and only the deliberate public ones without a scope.
    rows = table.splitlines()[2:]
    listed = [op for row in rows for op in row.strip("|").split("|")[0].split(",")]
    assert len(listed) == len(route_scopes(app))
    public = {f"{m} {p}" for m, p in PUBLIC}
    assert {op.strip().strip("`") for op in rows[-1].strip("|").split("|")[0].split(",")} == public


def test_swagger_ui_is_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200
    assert client.get("/redoc").status_code == 404


def test_every_response_link_names_an_operation_and_its_parameters(document: dict[str, Any]) -> None:
    operations = {
        op["operationId"]: op
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    links = [
        link
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
        for response in op.get("responses", {}).values()
        for link in response.get("links", {}).values()
    ]
    assert links, "intake answers link to the mention and its issue"
    for link in links:
        target = operations[link["operationId"]]
        assert set(link["parameters"]) <= {p["name"] for p in target.get("parameters", [])}, link
