"""Self-tests of the loopback fakes (fakes.py): what Rollbook's transports will meet, checked with Python's own
clients, so a failing delivery test points at Rollbook and not at the fake. Needs no Rollbook server."""

from __future__ import annotations

import json
import smtplib
import time
import urllib.error
import urllib.request
from email.message import EmailMessage

import pytest

from fakes import SMTPSink, check_jwt, make_jwt, notify_server, smtp_sink  # noqa: F401 - fixtures


def _mail(to: str, subject: str = "Absence today: Zoë — £160", body: str = "Dear parent,\n.\nZoë was absent.\n"):
    msg = EmailMessage()
    msg["From"] = "Oakfield Primary <office@oakfield.test>"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


def test_sink_keeps_what_it_is_sent(smtp_sink):
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as client:
        client.send_message(_mail("parent@example.test"))
    [got] = smtp_sink.wait_for(1)
    assert got.mail_from == "office@oakfield.test"
    assert got.rcpt_tos == ["parent@example.test"]
    assert got.subject == "Absence today: Zoë — £160"
    assert got.text == "Dear parent,\n.\nZoë was absent.\n"
    assert smtp_sink.messages_to("PARENT@example.test") == [got]


def test_sink_refuses_chosen_recipients(smtp_sink):
    smtp_sink.reject("gone@example.test", 550)
    smtp_sink.reject("busy@example.test", 451)
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5) as client:
        for address, code in (("gone@example.test", 550), ("busy@example.test", 451)):
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                client.send_message(_mail(address))
            assert refused.value.recipients[address][0] == code
    assert smtp_sink.messages == []


def test_sink_with_auth_requires_it():
    with SMTPSink("rollbook", "s3cret", exclude_auth=("PLAIN",)) as sink:
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
            client.ehlo()
            assert client.has_extn("auth") and "LOGIN" in client.esmtp_features["auth"]
            assert "PLAIN" not in client.esmtp_features["auth"]
            with pytest.raises(smtplib.SMTPSenderRefused):
                client.send_message(_mail("parent@example.test"))
            with pytest.raises(smtplib.SMTPAuthenticationError):
                client.login("rollbook", "wrong")
            client.login("rollbook", "s3cret")
            client.send_message(_mail("parent@example.test"))
        [got] = sink.wait_for(1)
        assert got.authenticated_as == "rollbook"


def _notify(server, method: str, path: str, body=None, token: str | None = None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(server.base_url + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + (token if token is not None else server.token()))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _email(server, to="parent@example.test", **extra):
    body = {"email_address": to, "template_id": server.email_template_id,
            "personalisation": {"subject": "Absence today", "body": "Zoë was absent. £160", "name": "Ann Smith"},
            "reference": "rollbook-7"}
    body.update(extra)
    return body


def test_notify_accepts_a_signed_send_and_reports_status(notify_server):
    status, answer = _notify(notify_server, "POST", "/v2/notifications/email", _email(notify_server))
    assert status == 201, answer
    assert answer["reference"] == "rollbook-7"
    status, sms = _notify(notify_server, "POST", "/v2/notifications/sms",
                          {"phone_number": "07700900123", "template_id": notify_server.sms_template_id,
                           "personalisation": {"body": "Zoë was absent", "name": "Ann"}, "reference": "rollbook-8"})
    assert status == 201, sms
    assert [n.type for n in notify_server.sent()] == ["email", "sms"]
    assert notify_server.sent("email")[0].personalisation["body"] == "Zoë was absent. £160"

    status, state = _notify(notify_server, "GET", f"/v2/notifications/{answer['id']}")
    assert (status, state["status"], state["id"]) == (200, "delivered", answer["id"])
    notify_server.set_status(answer["id"], "permanent-failure")
    assert _notify(notify_server, "GET", f"/v2/notifications/{answer['id']}")[1]["status"] == "permanent-failure"


def test_notify_checks_the_token(notify_server):
    bad = [
        make_jwt(notify_server.service_id, "0" * 36),                             # wrong secret
        make_jwt("11111111-1111-1111-1111-111111111111", notify_server.secret),   # wrong service
        notify_server.token(iat=int(time.time()) - 60),                           # clock out by a minute
        "not-a-jwt",
    ]
    for token in bad:
        status, answer = _notify(notify_server, "POST", "/v2/notifications/email", _email(notify_server), token)
        assert status == 403, token
        assert answer["errors"][0]["error"] == "AuthError"
    assert check_jwt(notify_server.token(), notify_server.service_id, notify_server.secret) is None
    assert notify_server.sent() == []
    assert len(notify_server.requests) == len(bad)


def test_notify_validates_and_fails_on_request(notify_server):
    body = _email(notify_server)
    del body["personalisation"]["subject"]
    status, answer = _notify(notify_server, "POST", "/v2/notifications/email", body)
    assert status == 400 and answer["errors"][0]["error"] == "BadRequestError"
    assert "subject" in answer["errors"][0]["message"]
    status, answer = _notify(notify_server, "POST", "/v2/notifications/email",
                             {k: v for k, v in _email(notify_server).items() if k != "email_address"})
    assert status == 400 and "email_address" in answer["errors"][0]["message"]

    notify_server.fail("down@example.test", 500)
    notify_server.fail("team@example.test", 400)
    assert _notify(notify_server, "POST", "/v2/notifications/email", _email(notify_server, "down@example.test"))[0] == 500
    status, answer = _notify(notify_server, "POST", "/v2/notifications/email", _email(notify_server, "team@example.test"))
    assert status == 400 and answer["errors"][0]["message"].startswith("Can't send")
    assert notify_server.sent() == []


def test_api_key_has_notifys_shape(notify_server):
    key = notify_server.api_key
    assert key.startswith("rollbook_test-")
    assert key[-73:-37] == notify_server.service_id and key[-36:] == notify_server.secret
