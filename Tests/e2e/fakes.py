"""Loopback stand-ins for the providers Rollbook's outbox delivers through, for end-to-end tests.

SMTPSink       a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it is sent, can refuse chosen recipients
               and can require AUTH (PLAIN and LOGIN) and offer STARTTLS or implicit TLS.
NotifyServer   a real HTTP server on 127.0.0.1 speaking the GOV.UK Notify v2 endpoints Rollbook uses: it checks the
               bearer JWT as Notify does (HS256, iss = service id, iat within 30 s), validates bodies, records requests,
               can fail chosen recipients, and answers status checks.

Fixtures `smtp_sink` and `notify_server` (one fresh server per test): `from fakes import smtp_sink, notify_server` in
conftest.py makes them available to every test.

`python fakes.py` starts both and prints their settings as environment variables, for trying Rollbook by hand.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import re
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------------------------------
# SMTP


@dataclass
class ReceivedMail:
    """One message as the sink received it: the envelope and the parsed message."""
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    authenticated_as: Optional[str] = None

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        """The plain-text body, transfer encoding and charset undone, with "\n" line endings."""
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content().replace("\r\n", "\n") if part is not None else ""


class _SinkHandler:
    def __init__(self, sink: "SMTPSink"):
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.sink.username is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.sink._lock:
            code = self.sink._rejections.get(address.lower())
        if code is not None:
            if 400 <= code < 500:
                return f"{code} 4.3.0 <{address}>: temporarily refused (SMTPSink.reject)"
            return f"{code} 5.1.1 <{address}>: refused (SMTPSink.reject)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        auth = session.auth_data
        login = auth.login.decode("utf-8", "replace") if isinstance(auth, LoginPassword) else None
        received = ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message, raw, login)
        with self.sink._lock:
            self.sink._messages.append(received)
            queue_id = len(self.sink._messages)
        return f"250 2.0.0 Ok: queued as SINK{queue_id}"


class SMTPSink:
    """An SMTP server on 127.0.0.1 and a free port that keeps every message it accepts.

    username/password: require AUTH (PLAIN or LOGIN, over plain TCP too) before MAIL.
    exclude_auth:      mechanisms not to offer, e.g. ("PLAIN",) to leave only LOGIN.
    tls_context:       a server SSLContext; offered as STARTTLS, or from the first byte when implicit_tls.
    require_starttls:  refuse everything but EHLO, STARTTLS and QUIT until TLS is up.
    """

    def __init__(self, username: Optional[str] = None, password: Optional[str] = None, *, exclude_auth=(),
                 tls_context: Optional[ssl.SSLContext] = None, implicit_tls: bool = False,
                 require_starttls: bool = False):
        self.host = "127.0.0.1"
        self.port = 0
        self.username = username
        self.password = password
        self.exclude_auth = tuple(exclude_auth)
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls
        self.require_starttls = require_starttls
        self._lock = threading.Lock()
        self._messages: list[ReceivedMail] = []
        self._rejections: dict[str, int] = {}
        self._controller: Optional[Controller] = None

    # -- control

    def start(self) -> "SMTPSink":
        kwargs = {"hostname": self.host, "server_hostname": "sink.rollbook.test", "decode_data": False,
                  "enable_SMTPUTF8": True}
        if self.username is not None:
            # AUTH is required by handle_MAIL rather than aiosmtpd's auth_required, which warns when TLS is not.
            kwargs.update(authenticator=self._authenticate, auth_require_tls=False,
                          auth_exclude_mechanism=list(self.exclude_auth))
        if self.tls_context is not None:
            if self.implicit_tls:
                kwargs["ssl_context"] = self.tls_context
            else:
                kwargs.update(tls_context=self.tls_context, require_starttls=self.require_starttls)
        last_error: Optional[Exception] = None
        for _ in range(5):  # a free port can be taken between finding it and binding it
            self.port = free_port()
            controller = Controller(_SinkHandler(self), port=self.port, **kwargs)
            try:
                controller.start()
            except Exception as e:  # noqa: BLE001 - retry on another port
                last_error = e
                continue
            self._controller = controller
            return self
        raise RuntimeError(f"SMTPSink could not start: {last_error}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "SMTPSink":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def reject(self, address: str, code: int = 550) -> None:
        """RCPT TO this address is answered with `code`: 550 (permanent) or 451 (try again later)."""
        if not (400 <= code < 600):
            raise ValueError("code must be a 4xx or 5xx SMTP reply code")
        with self._lock:
            self._rejections[address.lower()] = code

    def accept(self, address: str) -> None:
        """Undoes reject()."""
        with self._lock:
            self._rejections.pop(address.lower(), None)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    # -- what was received

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def messages_to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.messages if address.lower() in (r.lower() for r in m.rcpt_tos)]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Waits until at least `count` messages have arrived; fails the test if they do not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.messages
            if len(got) >= count:
                return got
            time.sleep(0.05)
        pytest.fail(f"SMTPSink: expected {count} message(s) within {timeout} s, got {len(self.messages)}")

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = (auth_data.login.decode("utf-8", "replace") == self.username
              and auth_data.password.decode("utf-8", "replace") == self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


# ---------------------------------------------------------------------------------------------------------------------
# GOV.UK Notify


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_jwt(service_id: str, secret: str, iat: Optional[int] = None) -> str:
    """A Notify bearer token: HS256, {"iss": service_id, "iat": now}, signed with the secret key."""
    header = _b64url(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
    claims = _b64url(json.dumps({"iss": service_id, "iat": int(time.time()) if iat is None else iat},
                                separators=(",", ":")).encode())
    signing_input = f"{header}.{claims}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


def check_jwt(token: str, service_id: str, secret: str, now: Optional[float] = None) -> Optional[str]:
    """None when the token is one Notify accepts for this service, else Notify's reason."""
    parts = token.split(".")
    if len(parts) != 3:
        return "Invalid token: signature, api token not found"
    try:
        header = json.loads(_b64url_decode(parts[0]))
        claims = json.loads(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError):
        return "Invalid token: signature, api token not found"
    if not isinstance(header, dict) or header.get("alg") != "HS256" or header.get("typ", "JWT") != "JWT":
        return "Invalid token: algorithm used is not HS256"
    if not isinstance(claims, dict) or claims.get("iss") != service_id:
        return "Invalid token: service id not found" if isinstance(claims, dict) and "iss" in claims \
            else "Invalid token: iss field not provided"
    expected = hmac.new(secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        return "Invalid token: API key not found"
    iat = claims.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        return "Invalid token: iat field not provided"
    if abs((time.time() if now is None else now) - iat) > 30:
        return "Error: Your system clock must be accurate to within 30 seconds"
    return None


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Required personalisation for each endpoint: what the templates Rollbook is configured with use.
_REQUIRED = {
    "email": ("email_address", ("subject", "body", "name")),
    "sms": ("phone_number", ("body", "name")),
}


@dataclass
class NotifyRequest:
    method: str
    path: str
    headers: dict
    json: Optional[dict]
    status: int  # what the server answered


@dataclass
class NotifyNotification:
    id: str
    type: str  # "email" or "sms"
    recipient: str
    template_id: str
    personalisation: dict
    reference: Optional[str]
    status: str = "delivered"
    created_at: float = field(default_factory=time.time)


class NotifyServer:
    """A GOV.UK Notify v2 API on 127.0.0.1 and a free port.

    POST /v2/notifications/email   {"email_address", "template_id", "personalisation": {subject, body, name}, "reference"}
    POST /v2/notifications/sms     {"phone_number", "template_id", "personalisation": {body, name}, "reference"}
    GET  /v2/notifications/{id}    {"id", "status", ...}; status "delivered" unless set_status() said otherwise
    Every request needs `Authorization: Bearer <JWT>` made with `api_key`; otherwise 403 AuthError.
    """

    def __init__(self):
        self.service_id = str(uuid.uuid4())
        self.secret = str(uuid.uuid4())
        self.email_template_id = str(uuid.uuid4())
        self.sms_template_id = str(uuid.uuid4())
        self.requests: list[NotifyRequest] = []
        self.notifications: dict[str, NotifyNotification] = {}
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def api_key(self) -> str:
        return f"rollbook_test-{self.service_id}-{self.secret}"

    @property
    def port(self) -> int:
        assert self._httpd is not None, "NotifyServer is not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "NotifyServer":
        owner = self

        class Handler(_NotifyHandler):
            server_owner = owner

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="NotifyServer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "NotifyServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def fail(self, recipient: str, status: int = 500) -> None:
        """Sends to this email address or phone number are answered with `status` (400, 403, 429 or 5xx)."""
        with self._lock:
            self._failures[recipient.lower()] = status

    def succeed(self, recipient: str) -> None:
        """Undoes fail()."""
        with self._lock:
            self._failures.pop(recipient.lower(), None)

    def set_status(self, notification_id: str, status: str) -> None:
        """What a later status check of this notification says, e.g. "permanent-failure" or "sending"."""
        with self._lock:
            self.notifications[notification_id].status = status

    def sent(self, type_: Optional[str] = None) -> list[NotifyNotification]:
        """The notifications accepted, in order; only emails or only texts with type_ "email" / "sms"."""
        with self._lock:
            items = sorted(self.notifications.values(), key=lambda n: n.created_at)
        return [n for n in items if type_ is None or n.type == type_]

    def token(self, iat: Optional[int] = None) -> str:
        """A valid bearer token for this server (iat now unless given)."""
        return make_jwt(self.service_id, self.secret, iat)


def _error(status: int, kind: str, message: str) -> tuple[int, dict]:
    return status, {"status_code": status, "errors": [{"error": kind, "message": message}]}


class _NotifyHandler(BaseHTTPRequestHandler):
    server_owner: NotifyServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def _handle(self, method: str) -> None:
        owner = self.server_owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        status, answer = self._answer(method, raw)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with owner._lock:
            owner.requests.append(NotifyRequest(method, self.path, dict(self.headers.items()), body, status))
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _answer(self, method: str, raw: bytes) -> tuple[int, dict]:
        owner = self.server_owner
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return _error(403, "AuthError", "Unauthorized: authentication token must be provided")
        why = check_jwt(auth[len("Bearer "):].strip(), owner.service_id, owner.secret)
        if why is not None:
            return _error(403, "AuthError", why)

        path = self.path.split("?", 1)[0]
        if method == "GET":
            m = re.fullmatch(r"/v2/notifications/([^/]+)", path)
            if not m:
                return _error(404, "NotFound", "Not Found")
            nid = m.group(1)
            if not _UUID.match(nid):
                return _error(400, "ValidationError", "notification_id is not a valid UUID")
            with owner._lock:
                n = owner.notifications.get(nid)
            if n is None:
                return _error(404, "NoResultFound", "No result found")
            return 200, {"id": n.id, "reference": n.reference, "type": n.type, "status": n.status,
                         "template": {"id": n.template_id, "version": 1},
                         "email_address": n.recipient if n.type == "email" else None,
                         "phone_number": n.recipient if n.type == "sms" else None,
                         "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(n.created_at))}

        m = re.fullmatch(r"/v2/notifications/(email|sms)", path)
        if method != "POST" or not m:
            return _error(404, "NotFound", "Not Found")
        kind = m.group(1)
        if "application/json" not in self.headers.get("Content-Type", ""):
            return _error(400, "BadRequestError", "Content-Type must be application/json")
        try:
            body = json.loads(raw)
        except ValueError:
            return _error(400, "BadRequestError", "Invalid JSON supplied in POST data")
        if not isinstance(body, dict):
            return _error(400, "BadRequestError", "the request body must be a JSON object")
        recipient_field, needed = _REQUIRED[kind]
        for name in (recipient_field, "template_id"):
            if not isinstance(body.get(name), str) or not body[name]:
                return _error(400, "BadRequestError", f"{name} is a required property")
        expected_template = owner.email_template_id if kind == "email" else owner.sms_template_id
        if body["template_id"] != expected_template:
            return _error(400, "BadRequestError", "Template not found")
        personalisation = body.get("personalisation")
        if not isinstance(personalisation, dict):
            return _error(400, "BadRequestError", "Missing personalisation: " + ", ".join(needed))
        missing = [k for k in needed if k not in personalisation]
        if missing:
            return _error(400, "BadRequestError", "Missing personalisation: " + ", ".join(missing))
        reference = body.get("reference")
        if reference is not None and not isinstance(reference, str):
            return _error(400, "BadRequestError", "reference is not a string")
        recipient = body[recipient_field]
        if kind == "email" and "@" not in recipient:
            return _error(400, "BadRequestError", "email_address Not a valid email address")

        with owner._lock:
            failure = owner._failures.get(recipient.lower())
        if failure is not None:
            kinds = {400: "BadRequestError", 403: "AuthError", 429: "RateLimitError"}
            messages = {400: "Can't send to this recipient using a team-only API key",
                        403: "Invalid token: API key revoked",
                        429: "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"}
            return _error(failure, kinds.get(failure, "Exception"), messages.get(failure, "Internal server error"))

        nid = str(uuid.uuid4())
        n = NotifyNotification(nid, kind, recipient, body["template_id"], dict(personalisation), reference)
        with owner._lock:
            owner.notifications[nid] = n
        content = ({"subject": personalisation["subject"], "body": personalisation["body"],
                    "from_email": "rollbook.test@notifications.service.gov.uk"}
                   if kind == "email" else {"body": personalisation["body"], "from_number": "Rollbook"})
        return 201, {"id": nid, "reference": reference, "content": content,
                     "uri": f"{owner.base_url}/v2/notifications/{nid}",
                     "template": {"id": body["template_id"], "version": 1,
                                  "uri": f"{owner.base_url}/v2/template/{body['template_id']}"}}


# ---------------------------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def smtp_sink():
    """A fresh SMTPSink (no AUTH, no TLS) for the test; stopped afterwards."""
    sink = SMTPSink().start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def notify_server():
    """A fresh NotifyServer for the test; stopped afterwards."""
    server = NotifyServer().start()
    try:
        yield server
    finally:
        server.stop()


if __name__ == "__main__":
    # python fakes.py [USERNAME PASSWORD]: both servers until Ctrl-C, printing what arrives.
    import sys
    sink = SMTPSink(*sys.argv[1:3]).start()
    notify = NotifyServer().start()
    print(f"SMTP_HOST=127.0.0.1\nSMTP_PORT={sink.port}\nNOTIFY_URL={notify.base_url}\n"
          f"NOTIFY_API_KEY={notify.api_key}\nNOTIFY_EMAIL_TEMPLATE={notify.email_template_id}\n"
          f"NOTIFY_SMS_TEMPLATE={notify.sms_template_id}", flush=True)
    seen_mail, seen_notify = 0, 0
    try:
        while True:
            time.sleep(0.5)
            for m in sink.messages[seen_mail:]:
                print(f"SMTP  {m.mail_from} -> {', '.join(m.rcpt_tos)}: {m.subject}", flush=True)
            seen_mail = len(sink.messages)
            for n in notify.sent()[seen_notify:]:
                print(f"NOTIFY {n.type} -> {n.recipient} ({n.reference}): {n.id}", flush=True)
            seen_notify = len(notify.sent())
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()
        notify.stop()
