"""The bench's client keeps its connection alive, reconnects when the server closes it, and
sends a request again only when a kept connection turns out closed (decision 271)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.client import Client


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: list = []  # noqa: RUF012 — the test's record

    def setup(self):
        super().setup()
        Handler.connections.append(self.client_address)

    def do_GET(self):  # noqa: N802 — the name http.server calls
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if self.path == "/close":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)
        if self.path == "/drop":  # closed without saying so, as at a keep-alive timeout
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.connections = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_requests_share_one_connection_while_the_server_keeps_it(server):
    client = Client(f"http://127.0.0.1:{server.server_port}")
    assert [client.get("/").status for _ in range(3)] == [200, 200, 200]
    assert len(Handler.connections) == 1


def test_a_connection_the_server_closes_is_opened_anew(server):
    client = Client(f"http://127.0.0.1:{server.server_port}")
    assert client.get("/close").status == 200
    assert client.get("/").status == 200
    assert len(Handler.connections) == 2


def test_a_kept_connection_closed_while_idle_is_replaced_once(server):
    client = Client(f"http://127.0.0.1:{server.server_port}")
    client.get("/drop")
    assert client.get("/").body == b"ok"
    assert len(Handler.connections) == 2
