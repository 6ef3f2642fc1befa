"""The ``sigap`` command and the start-up settings: what an operator types and sees."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import inspect

from app import migrations
from app.cli import main
from app.config import DEV_SECRET_KEY, Environment, Settings, get_settings
from app.db import build_engine
from app.main import create_app
from app.reference import catalog
from tests.conftest import DatabaseFactory, bearer, test_settings

PRODUCTION_SECRET = "kaltim-sigap-produksi-" + "x" * 18  # 40 characters


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[pytest.MonkeyPatch]:
    """A clean environment: no inherited SIGAP_* settings, no stray .env, no cached settings."""
    monkeypatch.chdir(tmp_path)
    for name in ("SIGAP_DATABASE_URL", "SIGAP_SECRET_KEY", "SIGAP_BOOTSTRAP_ADMIN_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SIGAP_ENV", "test")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _use(cli: pytest.MonkeyPatch, url: str, **env: str) -> None:
    cli.setenv("SIGAP_DATABASE_URL", url)
    for name, value in env.items():
        cli.setenv(name, value)
    get_settings.cache_clear()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _table_names(url: str) -> list[str]:
    engine = build_engine(test_settings(url))
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _revisions(url: str) -> frozenset[str]:
    engine = build_engine(test_settings(url))
    try:
        return migrations.current_revisions(engine)
    finally:
        engine.dispose()


def _keys_create(
    capsys: pytest.CaptureFixture[str], *, agency: str, scopes: list[str], name: str
) -> tuple[int, str, str]:
    return _run(capsys, "keys", "create", "--agency", agency, "--scopes", *scopes, "--name", name)


def _create_key(capsys: pytest.CaptureFixture[str], *scopes: str, name: str, agency: str = "bpbd") -> str:
    code, out, err = _keys_create(capsys, agency=agency, scopes=[",".join(scopes)], name=name)
    assert code == 0, err
    key = out.strip().splitlines()[-1]
    assert key.startswith("sgp_")
    return key


def _get(url: str, path: str, key: str) -> Any:
    with TestClient(create_app(test_settings(url))) as client:
        return client.get(path, headers=bearer(key))


# --- migrate and seed ------------------------------------------------------------------------------------


def test_migrate_builds_the_schema_and_seed_writes_reference_data_once(
    cli: pytest.MonkeyPatch, databases: DatabaseFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.create(migrate=False)
    _use(cli, url)

    code, out, _ = _run(capsys, "migrate", "--no-seed")
    assert code == 0
    assert "migrations: at head" in out
    assert _revisions(url) == migrations.head_revisions(url)
    assert {"mention", "region", "agency", "api_client"} <= set(_table_names(url))

    code, out, _ = _run(capsys, "seed")
    assert code == 0
    assert f"{len(catalog.regions())} region(s) and {len(catalog.agencies())} agency(ies) written" in out

    code, out, _ = _run(capsys, "seed")
    assert code == 0
    assert "0 region(s) and 0 agency(ies) written" in out


def test_migrate_seeds_by_default_and_running_it_again_changes_nothing(
    cli: pytest.MonkeyPatch, databases: DatabaseFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(cli, databases.create(migrate=False))

    code, out, _ = _run(capsys, "migrate")
    assert code == 0
    assert f"{len(catalog.regions())} region(s)" in out

    code, out, _ = _run(capsys, "migrate")
    assert code == 0
    assert "migrations: at head" in out
    assert "0 region(s) and 0 agency(ies) written" in out


# --- keys ------------------------------------------------------------------------------------------------


def test_created_key_authenticates_with_the_scopes_given(
    cli: pytest.MonkeyPatch, databases: DatabaseFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.create()
    _use(cli, url)

    code, out, _ = _keys_create(
        capsys,
        agency="bpbd",
        scopes=["mentions:write,mentions:read"],
        name="Aplikasi Lapor Bencana BPBD Kaltim",
    )

    assert code == 0
    first_line, key = out.strip().splitlines()[0], out.strip().splitlines()[-1]
    assert "Aplikasi Lapor Bencana BPBD Kaltim" in first_line
    assert "bpbd" in first_line
    assert key.startswith("sgp_")
    assert len(key) >= 26
    assert _get(url, "/v1/mentions", key).status_code == 200
    not_admin = _get(url, "/v1/clients", key)
    assert not_admin.status_code == 403
    assert not_admin.json()["code"] == "INSUFFICIENT_SCOPE"


def test_scopes_may_also_be_given_as_separate_words(
    cli: pytest.MonkeyPatch, databases: DatabaseFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.create()
    _use(cli, url)

    code, out, _ = _keys_create(
        capsys,
        agency="diskominfo-samarinda",
        scopes=["mentions:read", "admin"],
        name="Admin Diskominfo Samarinda",
    )

    assert code == 0
    assert _get(url, "/v1/clients", out.strip().splitlines()[-1]).status_code == 200


def test_unknown_scope_exits_2_and_creates_nothing(
    cli: pytest.MonkeyPatch, databases: DatabaseFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(cli, databases.create())

    code, out, err = _keys_create(
        capsys, agency="bpbd", scopes=["mentions:write,humas:semua"], name="Crawler salah"
    )

    assert code == 2
    assert "humas:semua" in err
    assert "mentions:read" in err  # lists the scopes that exist
    assert "sgp_" not in out
    _, listed, _ = _run(capsys, "keys", "list")
    assert "Crawler salah" not in listed


def test_unknown_agency_fails_with_a_message_and_creates_nothing(
    cli: pytest.MonkeyPatch, databases: DatabaseFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(cli, databases.create())

    code, out, err = _keys_create(
        capsys, agency="dinas-pariwisata-mars", scopes=["mentions:read"], name="Uji salah"
    )

    assert code != 0
    assert "dinas-pariwisata-mars" in err
    assert "sgp_" not in out
    _, listed, _ = _run(capsys, "keys", "list")
    assert "Uji salah" not in listed


def test_revoked_key_is_refused_and_listed_as_revoked(
    cli: pytest.MonkeyPatch, databases: DatabaseFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.create()
    _use(cli, url)
    revoked_key = _create_key(capsys, "mentions:read", name="Crawler Tribun Kaltim lama")
    kept_key = _create_key(capsys, "mentions:read", name="Crawler Tribun Kaltim baru")
    assert _get(url, "/v1/mentions", revoked_key).status_code == 200
    _, listed, _ = _run(capsys, "keys", "list")
    client_id = next(
        line.split()[0] for line in listed.splitlines() if line.endswith("Crawler Tribun Kaltim lama")
    )

    code, out, _ = _run(capsys, "keys", "revoke", client_id)

    assert code == 0
    assert "revoked" in out
    refused = _get(url, "/v1/mentions", revoked_key)
    assert refused.status_code == 401
    assert refused.json()["code"] == "INVALID_API_KEY"
    assert _get(url, "/v1/mentions", kept_key).status_code == 200
    _, listed, _ = _run(capsys, "keys", "list")
    states = {
        line.split()[-1]: line.split()[1] for line in listed.splitlines() if "Crawler Tribun Kaltim" in line
    }
    assert states == {"lama": "revoked", "baru": "active"}


def test_revoking_an_unknown_client_fails_with_a_message(
    cli: pytest.MonkeyPatch, databases: DatabaseFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(cli, databases.create())

    code, _, err = _run(capsys, "keys", "revoke", "987654")

    assert code != 0
    assert "987654" in err


# --- openapi ---------------------------------------------------------------------------------------------


def test_openapi_to_standard_output_is_yaml(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "openapi", "--output", "-")

    assert code == 0
    document = yaml.safe_load(out)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Sigap API"
    assert {"/v1/mentions", "/v1/mentions/batch", "/v1/mentions/{mention_id}"} <= set(document["paths"])


def test_openapi_to_a_file(
    cli: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    target = tmp_path / "kontrak" / "openapi.yaml"
    target.parent.mkdir()

    code, out, _ = _run(capsys, "openapi", "--output", str(target))

    assert code == 0
    assert str(target) in out
    assert "/v1/mentions/batch" in yaml.safe_load(target.read_text(encoding="utf-8"))["paths"]


# --- settings --------------------------------------------------------------------------------------------


def test_production_refuses_the_default_secret(cli: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="SIGAP_SECRET_KEY"):
        Settings(env=Environment.production)
    with pytest.raises(ValidationError, match="SIGAP_SECRET_KEY"):
        Settings(env=Environment.production, secret_key=DEV_SECRET_KEY)  # type: ignore[arg-type]


def test_production_refuses_a_short_secret(cli: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="32 characters"):
        Settings(env=Environment.production, secret_key="rahasia-samarinda")  # type: ignore[arg-type]


def test_production_accepts_a_private_40_character_secret(cli: pytest.MonkeyPatch) -> None:
    settings = Settings(env=Environment.production, secret_key=PRODUCTION_SECRET)  # type: ignore[arg-type]

    assert settings.secret_key.get_secret_value() == PRODUCTION_SECRET
    assert not settings.is_development


def test_production_secret_check_reads_the_environment(cli: pytest.MonkeyPatch) -> None:
    cli.setenv("SIGAP_ENV", "production")
    with pytest.raises(ValidationError):
        Settings()

    cli.setenv("SIGAP_SECRET_KEY", PRODUCTION_SECRET)
    assert Settings().env is Environment.production


def test_development_accepts_the_default_secret(cli: pytest.MonkeyPatch) -> None:
    assert Settings(env=Environment.development).secret_key.get_secret_value() == DEV_SECRET_KEY


# --- serve -----------------------------------------------------------------------------------------------


def _fake_uvicorn(cli: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def run(app: str, **kwargs: Any) -> None:
        calls.append({"app": app, **kwargs})

    cli.setattr("uvicorn.run", run)
    return calls


def test_serve_in_production_does_not_migrate(
    cli: pytest.MonkeyPatch, databases: DatabaseFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.create(migrate=False)
    _use(cli, url, SIGAP_ENV="production", SIGAP_SECRET_KEY=PRODUCTION_SECRET)
    calls = _fake_uvicorn(cli)

    code, out, _ = _run(capsys, "serve")

    assert code == 0
    assert len(calls) == 1
    assert calls[0]["app"] == "app.main:create_app"
    assert calls[0]["factory"] is True
    assert _revisions(url) == frozenset()
    assert _table_names(url) == []
    assert "sgp_" not in out


def test_serve_in_development_migrates_seeds_and_prints_an_admin_key_once(
    cli: pytest.MonkeyPatch, databases: DatabaseFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.create(migrate=False)
    _use(cli, url, SIGAP_ENV="development")
    calls = _fake_uvicorn(cli)

    code, out, _ = _run(capsys, "serve", "--port", "8123")

    assert code == 0
    assert calls[0]["port"] == 8123
    assert _revisions(url) == migrations.head_revisions(url)
    assert "Development admin key" in out
    keys = [word for word in out.split() if word.startswith("sgp_")]
    assert len(keys) == 1
    clients = _get(url, "/v1/clients", keys[0])
    assert clients.status_code == 200
    assert [c["scopes"] for c in clients.json()["items"]] == [["admin"]]
    regions = _get(url, "/v1/regions", keys[0])
    assert len(regions.json()["items"]) == len(catalog.regions())

    code, out, _ = _run(capsys, "serve")

    assert code == 0
    assert len(calls) == 2
    assert "sgp_" not in out
    assert "an active admin client exists" in out
    assert len(_get(url, "/v1/clients", keys[0]).json()["items"]) == 1


def test_bootstrap_admin_key_creates_exactly_that_admin_once(
    cli: pytest.MonkeyPatch, databases: DatabaseFactory
) -> None:
    url = databases.create()
    key = "sgp_" + secrets.token_urlsafe(32)
    _use(cli, url, SIGAP_BOOTSTRAP_ADMIN_KEY=key)
    settings = get_settings()
    assert settings.bootstrap_admin_key is not None

    for _start in range(2):
        with TestClient(create_app(settings)) as client:
            response = client.get("/v1/clients", headers=bearer(key))

            assert response.status_code == 200
            admins = response.json()["items"]
            assert len(admins) == 1
            assert admins[0]["scopes"] == ["admin"]
            assert admins[0]["key_prefix"] == key[:9]
            assert admins[0]["active"] is True


def test_without_bootstrap_key_start_up_creates_no_client(
    cli: pytest.MonkeyPatch, databases: DatabaseFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.create()
    _use(cli, url)

    with TestClient(create_app(get_settings())) as client:
        assert client.get("/healthz").status_code == 200

    _, listed, _ = _run(capsys, "keys", "list")
    assert listed.strip() == ""


def test_bootstrap_key_on_an_unmigrated_database_does_not_stop_start_up(
    cli: pytest.MonkeyPatch, databases: DatabaseFactory
) -> None:
    url = databases.create(migrate=False)
    _use(cli, url, SIGAP_BOOTSTRAP_ADMIN_KEY="sgp_" + secrets.token_urlsafe(32))

    with TestClient(create_app(get_settings())) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")

    assert ready.status_code == 503
    assert _table_names(url) == []
