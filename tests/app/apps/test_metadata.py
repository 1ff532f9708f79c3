"""RFC 8414 metadata and the issuer (RFC 9207) in every authorization response."""

from __future__ import annotations

import pytest
from authlib.oauth2 import rfc8414, rfc9207
from flask import Flask
from flask.testing import FlaskClient

from tests.app.apps.helpers import BASE, Harness, query_of, refused_link

METADATA = "/.well-known/oauth-authorization-server"


def test_the_metadata_document_describes_this_server(client: FlaskClient) -> None:
    response = client.get(METADATA)
    assert response.status_code == 200
    m = response.get_json()
    assert m["issuer"] == BASE
    assert m["code_challenge_methods_supported"] == ["S256"]
    assert m["response_types_supported"] == ["code"]
    assert m["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert m["authorization_endpoint"] == BASE + "/oauth/authorize"
    assert m["token_endpoint"] == BASE + "/oauth/token"
    assert m["revocation_endpoint"] == BASE + "/oauth/revoke"
    assert m["introspection_endpoint"] == BASE + "/oauth/introspect"
    assert "none" not in m["token_endpoint_auth_methods_supported"]
    assert "none" not in m["introspection_endpoint_auth_methods_supported"]
    assert m["authorization_response_iss_parameter_supported"] is True
    assert "contact:sync" in m["scopes_supported"]
    # Authlib's own RFC 8414 and RFC 9207 validators accept it.
    rfc8414.AuthorizationServerMetadata(m).validate(
        metadata_classes=[rfc9207.AuthorizationServerMetadata]
    )


def test_the_issuer_is_the_base_url_the_request_reached(client: FlaskClient) -> None:
    m = client.get(METADATA, base_url="https://other.test").get_json()
    assert m["issuer"] == "https://other.test"
    assert m["token_endpoint"] == "https://other.test/oauth/token"


def test_a_configured_issuer_is_used_everywhere(
    app: Flask, oauth: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OAUTH2_ISSUER", "https://id.fieldgate.example")
    assert oauth.http.get(METADATA).get_json()["issuer"] == "https://id.fieldgate.example"
    _, _, success = oauth.get_code()
    assert success["iss"] == "https://id.fieldgate.example"
    params, _ = oauth.authorize_params(code_challenge_method="plain")
    refused = query_of(refused_link(oauth.authorize(params)))
    assert refused["iss"] == "https://id.fieldgate.example"


def test_success_and_every_redirected_error_carry_iss_and_state(oauth: Harness) -> None:
    _, _, success = oauth.get_code()
    assert success["iss"] == BASE and success["state"] == "st-123"
    for params in (
        oauth.authorize_params(scope="personal:view")[0],  # invalid_scope, before the page
        oauth.authorize_params(response_type="token")[0],  # unsupported_response_type
        oauth.authorize_params(code_challenge=None, code_challenge_method=None)[0],
    ):
        location = refused_link(oauth.authorize(params))
        assert query_of(location)["iss"] == BASE
        assert query_of(location)["state"] == "st-123"
    denied = oauth.consent(oauth.authorize_params(scope="contact:view")[0], decision="deny")
    found = query_of(denied.headers["Location"])
    assert (found["error"], found["state"], found["iss"]) == ("access_denied", "st-123", BASE)
