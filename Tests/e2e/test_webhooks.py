"""Webhooks through a real receiver on loopback: the head subscribes, the office takes a register, and the receiver
gets `mark.changed` and `register.taken`, signed with the subscription's secret; a 500 is retried."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import os
import threading
import time

from helpers import FORMS, OFFICE, RollbookProcess, TODAY, api_call


class Receiver:
    """Answers 500 to the first POST, 200 after; keeps every request."""

    def __init__(self):
        received = self.received = []
        failures = self.failures = [1]

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                status = 500 if failures[0] > 0 else 200
                failures[0] -= 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


class Server(RollbookProcess):
    @property
    def env(self):
        env = super().env
        env.update(ROLLBOOK_OUTBOX_INTERVAL="0.3", ROLLBOOK_MESSAGE_RETRY_DELAYS="1,1")
        return env


def test_webhooks_are_signed_and_retried(tmp_path):
    receiver = Receiver()
    server = Server(tmp_path, sqlite=tmp_path / "hooks.sqlite")
    server.start()
    try:
        server.wait_ready()
        head = server.token("head@harbourlane.example.org")
        office = server.token(OFFICE)
        status, created = api_call(server.base_url, head, "POST", "/api/v1/webhooks",
                                   {"url": receiver.url, "events": ["mark.changed", "register.taken"]})
        assert status == 201, created
        secret = created["secret"]

        form = FORMS[0]
        status, reg = api_call(server.base_url, office, "GET", f"/api/v1/registers/{TODAY}/PM?form={form}")
        assert status == 200, reg
        upns = [p["upn"] for p in reg["pupils"]][:3]
        status, result = api_call(server.base_url, office, "POST", f"/api/v1/registers/{TODAY}/PM",
                                  {"form": form, "marks": [{"upn": u, "code": "V"} for u in upns]})
        assert status == 200, result

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status, deliveries = api_call(server.base_url, head, "GET", f"/api/v1/webhooks/{created['id']}/deliveries")
            if len(deliveries) == 2 and all(d["state"] == "delivered" for d in deliveries):
                break
            time.sleep(0.3)
        assert sorted(d["event"] for d in deliveries) == ["mark.changed", "register.taken"], deliveries
        assert all(d["state"] == "delivered" for d in deliveries), deliveries
        # The first attempt met a 500: that delivery took two attempts, the other one.
        assert sorted(d["attempts"] for d in deliveries) == [1, 2], deliveries
        assert any(d["last_status"] == 200 for d in deliveries)

        # Every request is signed over its timestamp and body with the secret; the 500'd one came again.
        assert len(receiver.received) == 3
        events = []
        for headers, body in receiver.received:
            t, v1 = (part.split("=", 1)[1] for part in headers["X-Rollbook-Signature"].split(","))
            expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(v1, expected)
            payload = json.loads(body)
            assert payload["event"] == headers["X-Rollbook-Event"]
            events.append(payload)
        changed = next(p for p in events if p["event"] == "mark.changed")
        assert sorted(m["upn"] for m in changed["marks"]) == sorted(upns)
        assert {m["code"] for m in changed["marks"]} == {"V"} and all(m["session"] == "PM" for m in changed["marks"])
        taken = next(p for p in events if p["event"] == "register.taken")
        assert taken["form"] == form and taken["pupils"] == 3 and taken["absent"] == 0
        print(f"webhooks: {len(receiver.received)} requests for 2 deliveries, every signature valid, one 500 retried")
    finally:
        server.stop()
        receiver.stop()
