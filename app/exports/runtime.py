"""The export limits and the quota store an app is configured with."""

from __future__ import annotations

import redis
from flask import Flask
from sqlalchemy.orm import Session

from app.exports.quota import DatabaseQuota, QuotaStore, RedisQuota
from app.exports.service import ExportLimits


def export_limits(app: Flask) -> ExportLimits:
    """The daily limits from configuration."""
    return ExportLimits(
        contacts_per_day=app.config["EXPORT_CONTACTS_PER_DAY"],
        marketing_per_day=app.config["EXPORT_MARKETING_CONTACTS_PER_DAY"],
        app_contacts_per_day=app.config["EXPORT_APP_CONTACTS_PER_DAY"],
    )


def quota_store(app: Flask, session: Session) -> QuotaStore:
    """Redis when ``REDIS_URL`` is set (shared by every worker), else the database."""
    url = app.config.get("REDIS_URL")
    if not url:
        return DatabaseQuota(session)
    store = app.extensions.get("fieldgate_quota")
    if store is None:
        # Short timeouts: a Redis that stopped answering must not hold a request for minutes.
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        store = app.extensions["fieldgate_quota"] = RedisQuota(client)
    return store
