"""The OpenAPI document: valid 3.1, generated from the schemas, covering every API route."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from app.partner_api.openapi import openapi_document, spans
from permissions import Scope

API_PREFIXES = ("/api/v1/", "/api/me/")
NOT_DOCUMENTED = {"/api/v1/openapi.json", "/api/v1/docs"}


def test_the_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_api_route_and_method_is_documented(app: Flask) -> None:
    documented = {
        (path, method.upper())
        for path, operations in openapi_document()["paths"].items()
        for method in operations
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIXES) or rule.rule in NOT_DOCUMENTED:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule).replace("{run_id}", "{id}")
        served |= {(path, m) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    assert served == documented


def test_query_parameters_come_from_the_schemas_the_views_load() -> None:
    operation = openapi_document()["paths"]["/api/v1/connections"]["get"]
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")
    assert limit["schema"]["minimum"] == 1 and limit["schema"]["maximum"] == 100
    export = openapi_document()["paths"]["/api/v1/exports/contacts"]["get"]
    fmt = next(p for p in export["parameters"] if p["name"] == "format")
    assert fmt["required"] is True and set(fmt["schema"]["enum"]) == {
        "csv",
        "vcard",
        "json",
        "ndjson",
    }


def test_every_scope_is_described_for_the_authorization_flow() -> None:
    flow = openapi_document()["components"]["securitySchemes"]["oauth2"]["flows"]
    assert set(flow["authorizationCode"]["scopes"]) == {str(s) for s in Scope}


def test_the_docs_page_shows_every_operation_and_scope(client: FlaskClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for path in openapi_document()["paths"]:
        assert f"<code>{path}</code>" in text
    for scope in Scope:
        assert f'<code class="nowrap">{scope}</code>' in text
    assert "curl -H" in text


def test_backticks_become_code_spans() -> None:
    assert spans("Logged as `api-read`.") == [
        ("Logged as ", False),
        ("api-read", True),
        (".", False),
    ]
