import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

from config.celery import app


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1: answers each POST with the next status of `statuses` (the last one repeats)."""

    url: str
    statuses: list[int] = field(default_factory=lambda: [200])
    requests: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            index = min(len(state.requests), len(state.statuses)) - 1
            code = state.statuses[index]
            reply = b'{"ok": true}' if code < 300 else b"Internal trouble " + b"x" * 2000
            self.send_response(code)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
            state.arrived.set()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # port 0: a free port chosen by the OS
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/canopy"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def eager_celery():
    """Tasks sent with .delay() run here, in this test's transaction (a worker could not see its data); a retry
    runs at once (the countdown is recorded, not waited for). Errors are not propagated, or Celery would raise its
    Retry signal instead of running the retry."""
    app.conf.update(task_always_eager=True, task_eager_propagates=False)
    yield
    app.conf.update(
        task_always_eager=settings.CELERY_TASK_ALWAYS_EAGER, task_eager_propagates=settings.CELERY_TASK_EAGER_PROPAGATES
    )
