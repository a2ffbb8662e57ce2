"""`python -m infra.db ensure [NAME]`: create the database if the server lacks it (Django can't create its own)."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
from psycopg2 import sql

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config.settings.database import resolve_database_url  # noqa: E402


def maintenance_dsn(url: str) -> tuple[str, str]:
    """(DSN of the server's `postgres` database, the database name the URL points at)."""
    parsed = urlparse(url)
    name = parsed.path.lstrip("/") or "canopy"
    return parsed._replace(path="/postgres").geturl(), name


def database_ensure(url: str, name: str | None = None) -> bool:
    dsn, default_name = maintenance_dsn(url)
    name = name or default_name
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone():
                return False
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        conn.close()


def database_drop(url: str, name: str) -> None:
    dsn, _ = maintenance_dsn(url)
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        conn.close()


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "ensure"
    url = resolve_database_url(BASE_DIR)
    if command == "ensure":
        created = database_ensure(url, sys.argv[2] if len(sys.argv) > 2 else None)
        print("database created" if created else "database exists")
    elif command == "url":
        print(url)
    else:
        sys.exit(f"unknown command {command!r}; use ensure or url")
