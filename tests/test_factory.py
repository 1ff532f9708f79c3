"""The app factory takes its configuration; nothing is configured at import time."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from app import create_app
from app.audit.note import generate_signer_key, verifier_key_for
from app.config import ConfigurationError, load_config, normalise_database_url
from tests.database import short_lived_app
from tests.settings import app_config


def test_config_passed_to_factory_wins(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "s",
            "AUDIT_KEY": "a",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "INVITATIONS_PER_DAY": 3,
        }
    )
    assert app.config["INVITATIONS_PER_DAY"] == 3
    assert app.config["SECRET_KEY"] == "s"


def test_environment_is_read_when_the_app_is_created(tmp_path):
    env = {
        "DATABASE_URL": "postgresql://u@h/db",
        "INVITATIONS_PER_DAY": "7",
        "SECRET_KEY": "k",
        "AUDIT_KEY": "a",
    }
    config = load_config(str(tmp_path), env)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert config["INVITATIONS_PER_DAY"] == 7
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_default_database_is_sqlite_under_instance(tmp_path):
    config = load_config(str(tmp_path), {"SECRET_KEY": "k", "AUDIT_KEY": "a"})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'fieldgate.sqlite3'}"


def test_development_secret_is_generated_once_and_kept_private(tmp_path):
    first = load_config(str(tmp_path), {})
    second = load_config(str(tmp_path), {})
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_secret_key(tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_config(str(tmp_path), {"FIELDGATE_ENV": "production", "AUDIT_KEY": "a"})
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_to_start_without_a_log_signing_key(tmp_path):
    with pytest.raises(ConfigurationError, match="AUDIT_SIGNING_KEY"):
        load_config(str(tmp_path), {"FIELDGATE_ENV": "production", "SECRET_KEY": "k"})
    assert not (tmp_path / "audit_signing_key").exists()


PRODUCTION = {
    "FIELDGATE_ENV": "production",
    "SECRET_KEY": "k",
    "AUDIT_SIGNING_KEY": "s",
    "OAUTH2_ISSUER": "https://fieldgate.example/",
}


def test_production_uses_secure_cookies_and_runs_the_sequencer_apart(tmp_path):
    config = load_config(str(tmp_path), PRODUCTION)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["AUDIT_SEQUENCER"] == "external"


def test_production_refuses_to_start_without_an_https_issuer(tmp_path):
    # Found by review: unset, the issuer came from each request's Host header.
    unset = {k: v for k, v in PRODUCTION.items() if k != "OAUTH2_ISSUER"}
    with pytest.raises(ConfigurationError, match="OAUTH2_ISSUER must be set"):
        load_config(str(tmp_path), unset)
    for bad in (
        "http://fieldgate.example",
        "https://",
        "fieldgate.example",
        "https://[::1",
        "https://f.example/?x=1",
    ):
        with pytest.raises(ConfigurationError, match="OAUTH2_ISSUER"):
            load_config(str(tmp_path), {**PRODUCTION, "OAUTH2_ISSUER": bad})
    # Development takes http (a loopback server) and needs none.
    assert (
        load_config(str(tmp_path), {"OAUTH2_ISSUER": "http://127.0.0.1:5000/"})["OAUTH2_ISSUER"]
        == "http://127.0.0.1:5000"
    )
    assert load_config(str(tmp_path), {})["TRUSTED_HOSTS"] is None


def test_production_answers_only_for_its_own_host(tmp_path):
    config = load_config(
        str(tmp_path), {**PRODUCTION, "FIELDGATE_TRUSTED_HOSTS": " internal.example , "}
    )
    assert config["TRUSTED_HOSTS"] == ["fieldgate.example", "internal.example"]
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db.sqlite3",
            "AUDIT_SEQUENCER": "off",
            "TRUSTED_HOSTS": config["TRUSTED_HOSTS"],
            "OAUTH2_ISSUER": config["OAUTH2_ISSUER"],
        }
    )
    client = app.test_client()
    path = "/.well-known/oauth-authorization-server"
    forged = client.get(path, headers={"Host": "attacker.example"})
    assert forged.status_code == 400
    assert "is not trusted" in forged.get_json()["message"]
    for host in ("fieldgate.example", "internal.example:8443"):
        answer = client.get(path, headers={"Host": host})
        assert answer.status_code == 200, host
        assert answer.get_json()["issuer"] == "https://fieldgate.example"
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


def test_an_unknown_sequencer_mode_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="AUDIT_SEQUENCER"):
        load_config(str(tmp_path), {"SECRET_KEY": "k", "AUDIT_SEQUENCER": "sometimes"})


def test_redis_url_backs_rate_limits(tmp_path):
    config = load_config(
        str(tmp_path),
        {"SECRET_KEY": "k", "AUDIT_KEY": "a", "REDIS_URL": "redis://127.0.0.1:6379/0"},
    )
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True  # Redis down: per worker


def test_bad_numbers_are_refused_with_the_variable_name(tmp_path):
    with pytest.raises(ConfigurationError, match="INVITATIONS_PER_DAY"):
        load_config(
            str(tmp_path), {"SECRET_KEY": "k", "AUDIT_KEY": "a", "INVITATIONS_PER_DAY": "lots"}
        )


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def test_importing_wsgi_needs_no_database_calls(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/nothing.sqlite3")
    monkeypatch.setenv("SECRET_KEY", "k")
    monkeypatch.setenv("AUDIT_KEY", "a")
    wsgi = importlib.import_module("wsgi")
    importlib.reload(wsgi)
    assert wsgi.app.name == "app"
    assert not (tmp_path / "nothing.sqlite3").exists()


def test_oauth_lifetimes_have_safe_defaults_and_ranges(tmp_path):
    base = {"SECRET_KEY": "k", "AUDIT_KEY": "a"}
    config = load_config(str(tmp_path), base)
    assert config["OAUTH2_ACCESS_TOKEN_SECONDS"] == 3600
    assert config["OAUTH2_REFRESH_TOKEN_DAYS"] == 30
    assert config["OAUTH2_GRANT_DAYS"] == 365
    assert config["OAUTH2_CODE_SECONDS"] == 600
    assert config["OAUTH2_ISSUER"] is None
    tuned = load_config(
        str(tmp_path),
        {**base, "OAUTH2_ACCESS_TOKEN_SECONDS": "600", "OAUTH2_ISSUER": "https://id.example/"},
    )
    assert tuned["OAUTH2_ACCESS_TOKEN_SECONDS"] == 600
    assert tuned["OAUTH2_ISSUER"] == "https://id.example"
    with pytest.raises(
        ConfigurationError, match="OAUTH2_CODE_SECONDS must be at least 1 and at most 600"
    ):
        load_config(str(tmp_path), {**base, "OAUTH2_CODE_SECONDS": "601"})
    with pytest.raises(ConfigurationError, match="OAUTH2_GRANT_DAYS"):
        load_config(str(tmp_path), {**base, "OAUTH2_GRANT_DAYS": "0"})


def _reached_as(app) -> str:
    environ = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "id.example"}
    with app.test_client() as client:
        return client.get(
            "/.well-known/oauth-authorization-server", environ_base=environ
        ).get_json()["issuer"]


def test_forwarded_headers_count_only_behind_a_configured_proxy():
    # A test app's configuration: no access-log sequencer thread left running after it.
    assert _reached_as(create_app(app_config("sqlite://"))) == "http://localhost"
    assert _reached_as(create_app(app_config("sqlite://", PROXY_HOPS=1))) == "https://id.example"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("not-a-url", "not a database URL"),
        ("postgresql://postgres@127.0.0.1:notaport/test", "not a database URL"),
        ("mysql://root@localhost/fieldgate", "runs on SQLite or PostgreSQL"),
    ],
)
def test_a_database_url_that_cannot_work_is_refused_with_an_example(tmp_path, url, said):
    with pytest.raises(ConfigurationError, match=said):
        load_config(str(tmp_path), {"SECRET_KEY": "k", "AUDIT_KEY": "a", "DATABASE_URL": url})


@pytest.mark.parametrize("url", ["notaurl", "redis+unix:///run/redis.sock", "memcached://x"])
def test_a_redis_url_both_redis_clients_cannot_read_is_refused(tmp_path, url):
    # redis+unix:// suits the rate limiter but not the quota store's client (found by review).
    with pytest.raises(ConfigurationError, match="REDIS_URL must start with"):
        load_config(str(tmp_path), {"SECRET_KEY": "k", "AUDIT_KEY": "a", "REDIS_URL": url})


@pytest.mark.parametrize("url", ["redis://[::1:6379/0", "redis://a.example]:6379/0"])
def test_a_redis_url_with_an_unpaired_bracket_is_a_configuration_error(tmp_path, url):
    # urlsplit raised "Invalid IPv6 URL": a traceback, not the one line (found by review).
    with pytest.raises(ConfigurationError, match="REDIS_URL is not a URL"):
        load_config(str(tmp_path), {"SECRET_KEY": "k", "AUDIT_KEY": "a", "REDIS_URL": url})


def test_the_session_cookie_lives_no_longer_than_a_session(tmp_path):
    config = load_config(
        str(tmp_path), {"SECRET_KEY": "k", "AUDIT_KEY": "a", "SESSION_ABSOLUTE_HOURS": "8"}
    )
    assert config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)


def test_production_refuses_a_signing_key_that_cannot_sign(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDGATE_ENV", "production")
    monkeypatch.setenv("OAUTH2_ISSUER", "https://fieldgate.example")
    monkeypatch.setenv("SECRET_KEY", "k")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite3")
    monkeypatch.setenv("AUDIT_SIGNING_KEY", "garbage")
    with pytest.raises(ConfigurationError, match="not a signer key"):
        create_app()
    monkeypatch.setenv("AUDIT_SIGNING_KEY", generate_signer_key("other.example/log"))
    with pytest.raises(ConfigurationError, match="AUDIT_LOG_ORIGIN"):
        create_app()


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FIELDGATE", "AUDIT"))}
    return subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=60,
        check=False,
    )


def test_a_misconfigured_server_says_what_to_fix_and_stops_gunicorn(tmp_path):
    # Found by review: SystemExit(message) exits 1, and gunicorn (without --preload)
    # boots a worker that exits 1 again and again, printing the line each time.
    # 3 is gunicorn's WORKER_BOOT_ERROR: the master stops.
    result = _run(
        ["-c", "import wsgi"],
        FIELDGATE_ENV="production",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    assert result.returncode == 3
    (line,) = result.stderr.strip().splitlines()  # one line, no traceback
    assert line.startswith("Fieldgate is not configured: SECRET_KEY")


def test_a_misconfigured_command_says_so_in_one_line(tmp_path):
    result = _run(
        ["-m", "flask", "--app", "wsgi", "audit", "verify"],
        FIELDGATE_ENV="production",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Fieldgate is not configured: SECRET_KEY")


def test_the_signing_key_is_made_before_production_can_start(tmp_path):
    # Production refuses to start without AUDIT_SIGNING_KEY, so making one must not need it.
    made = _run(
        ["-m", "app.audit.keygen", "--origin", "logs.example/access-log"],
        FIELDGATE_ENV="production",
    )
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().removeprefix("AUDIT_SIGNING_KEY=")
    assert verifier_key_for(key).startswith("logs.example/access-log+")
    assert "Verifier key (publish it): logs.example/access-log+" in made.stderr


def test_a_command_on_a_database_not_migrated_says_to_migrate(tmp_path):
    config = app_config(f"sqlite:///{tmp_path}/empty.sqlite3")
    with short_lived_app(config) as app:
        result = app.test_cli_runner().invoke(args=["audit", "verify"])

    assert result.exit_code == 1
    assert "Run `flask --app wsgi db upgrade` first." in result.output
    assert "Traceback" not in result.output
