"""A helpdesk's webhook endpoint on 127.0.0.1 that checks each delivery's signature and keeps what it got."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Delivery:
    body: dict
    headers: dict[str, str]
    signature_valid: bool


class WebhookReceiver:
    """Answers ``failures`` requests with 503 first, then 204; verifies HMAC-SHA256 over "<timestamp>.<body>"."""

    def __init__(self, secret: str, failures: int = 0):
        self.secret = secret
        self.failures = failures
        self.requests = 0
        self.deliveries: list[Delivery] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server naming)
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests += 1
                if receiver.requests <= receiver.failures:
                    self.send_response(503)
                    self.end_headers()
                    return
                timestamp = self.headers.get("X-ShopAssist-Timestamp", "")
                expected = "sha256=" + hmac.new(receiver.secret.encode(), timestamp.encode() + b"." + raw,
                                                hashlib.sha256).hexdigest()
                valid = hmac.compare_digest(expected, self.headers.get("X-ShopAssist-Signature", ""))
                receiver.deliveries.append(Delivery(json.loads(raw), dict(self.headers), valid))
                self.send_response(204 if valid else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/helpdesk/tickets"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def delivery_of(self, reference: str, timeout: float = 30) -> Delivery:
        """The delivery of that ticket, polled for up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for delivery in self.deliveries:
                if delivery.body["ticket"]["reference"] == reference:
                    return delivery
            assert time.monotonic() < deadline, f"no webhook delivery of {reference}; got {self.requests} requests"
            time.sleep(0.05)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
