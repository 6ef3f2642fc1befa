"""Settings from the environment (prefix ``SIGAP_``).

Outside development the service refuses to start with the shipped default secret, so a production
deployment can never sign cursors with a key that is printed in this repository.
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import Field, NonNegativeInt, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_SECRET_KEY = "sigap-development-secret-change-me"  # noqa: S105 - refused outside development


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGAP_", env_file=".env", extra="ignore")

    env: Environment = Environment.development
    database_url: str = "sqlite:///./sigap.db"
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    bootstrap_admin_key: SecretStr | None = None

    log_level: str = "info"
    access_log: bool = True

    # A batch of 1000 mentions of ordinary news length fits comfortably; one 100 000-character text
    # is at most ~400 KB of UTF-8. Bigger bodies are refused with 413 before they are read.
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    batch_max_items: int = Field(default=1000, ge=1, le=1000)
    page_default: int = 50
    page_max: int = 200

    idempotency_ttl_hours: int = Field(default=48, ge=24)
    # A mention joins an issue that was active within this many days before it was published.
    cluster_window_days: int = Field(default=7, ge=1, le=90)
    # Sync endpoints run on a worker-thread pool; a small pool beats the default 40 on a database-bound
    # service (see shared/PERF-NOTES.md) and keeps SQLite lock back-off short.
    worker_threads: int = Field(default=8, ge=1, le=200)
    # How long a verified API key is trusted without a database look-up, per process. Revocation is
    # immediate in the process that revoked it and takes at most this long elsewhere.
    auth_cache_seconds: float = Field(default=10.0, ge=0)

    # Response plans. SLA spans per level override the defaults in app/plans/sla.py, e.g.
    # SIGAP_SLA='{"awas": {"first_response": "30m"}}'. The holiday calendar is the packaged
    # app/plans/data/holidays.json unless SIGAP_HOLIDAYS_FILE names an updated copy (no code change needed).
    sla: dict[str, dict[str, str | None]] = Field(default_factory=dict)
    holidays_file: str | None = None
    # How often each server process looks for tasks that went overdue (0: never; `sigap tasks sweep` does it).
    overdue_sweep_seconds: float = Field(default=60.0, ge=0)

    # Sources Sigap polls (issue: active monitoring). Hosts allowed over http, exempt from the address check.
    outbound_allow_http_hosts: str = ""
    feed_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    feed_timeout_seconds: float = Field(default=15.0, gt=0, le=60)
    source_flag_after: int = Field(default=5, ge=1)

    # CAP 1.2 sender and the public address of this service (links in CAP messages and feeds).
    cap_sender: str = "diskominfo@kaltimprov.go.id"
    cap_sender_name: str = "Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur"
    public_base_url: str = "https://sigap.kaltimprov.go.id"

    # The background worker (webhook delivery, overdue sweep): `sigap worker`; in development also inside
    # `sigap serve` unless SIGAP_WORKER_IN_PROCESS=false.
    worker_in_process: bool | None = None
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    # Seconds before each delivery attempt after the one before (Standard Webhooks practice), comma-separated.
    webhook_retry_schedule: str = "0,5,300,1800,7200,18000,36000,50400,72000,86400"
    # Hosts that may receive webhooks over http and skip the public-address check (development, tests).
    webhook_allow_http_hosts: str = ""
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=60)
    webhook_secret_grace_hours: float = Field(default=24.0, ge=0)

    # Personal data (UU 27/2022): authors of mentions received longer ago than this are pseudonymised by the
    # worker (at most once a day; 0 hours: never) or `sigap privacy pseudonymise`.
    personal_data_retention_days: int = Field(default=180, ge=1)
    personal_data_check_hours: float = Field(default=24.0, ge=0)

    # Build the classifier (word lists, indexes, active models) at start-up and freeze it out of garbage
    # collection (app/warmup). Tests switch it off: each test's app would pay a full collection.
    warm_up: bool = True

    # Requests per API client and window (app/ratelimit), counted in the database so every server process
    # shares one quota. Clients holding mentions:write (monitoring tools, bridges) get the intake quota, the
    # rest the default; 0 means unlimited. Per-client quotas by id: SIGAP_RATE_LIMIT_CLIENTS='{"7": 20000}'.
    rate_limit_enabled: bool = True
    rate_limit_window_seconds: int = Field(default=60, ge=1, le=86_400)
    rate_limit_intake: int = Field(default=6000, ge=0)
    rate_limit_default: int = Field(default=600, ge=0)
    rate_limit_clients: dict[int, NonNegativeInt] = Field(default_factory=dict)

    # FULL keeps every acknowledged mention through a power loss; NORMAL is ~15 % faster but can lose the
    # last commits on an OS crash. The embedded database chooses durability.
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    db_pool_size: int = Field(default=10, ge=1)
    db_retry_after_seconds: int = Field(default=5, ge=1)

    # Browsers may call the API from these origins only (CORS); empty, the default, sends no CORS headers.
    # Comma-separated or a JSON list: SIGAP_CORS_ORIGINS=https://dashboard.kaltimprov.go.id
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Swagger UI (/docs) and /openapi.json (ReDoc is not served). On in every environment, production too:
    # integrators learn the API there, the contract is public anyway (openapi.yaml) and every operation still
    # needs its key. SIGAP_DOCS_ENABLED=false hides both (404).
    docs_enabled: bool = True

    @property
    def is_development(self) -> bool:
        return self.env is Environment.development

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @field_validator("sla")
    @classmethod
    def _valid_sla(cls, value: dict[str, dict[str, str | None]]) -> dict[str, dict[str, str | None]]:
        from app.plans.sla import policies  # a typo in the SLA must stop the service at start-up

        policies(value)
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [origin.strip() for origin in text.split(",") if origin.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _valid_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin == "*" or not origin.startswith(("https://", "http://")) or origin.endswith("/"):
                raise ValueError(f"CORS origin {origin!r}: scheme://host[:port], no '*' or trailing slash")
        return value

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _valid_schedule(cls, value: str) -> str:
        from app.webhooks.schedule import parse

        parse(value)
        return value

    @property
    def runs_worker_in_process(self) -> bool:
        return self.is_development if self.worker_in_process is None else self.worker_in_process

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.env is Environment.production:
            if self.secret_key.get_secret_value() in (DEV_SECRET_KEY, ""):
                raise ValueError("SIGAP_SECRET_KEY must be set to a private value in production")
            if len(self.secret_key.get_secret_value()) < 32:
                raise ValueError("SIGAP_SECRET_KEY must be at least 32 characters in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
