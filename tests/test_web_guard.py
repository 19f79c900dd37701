"""What stands between the network and the page: the Host header, the body's size, and errors
that never become a traceback. Through Starlette's test client: no socket, no network."""

from __future__ import annotations

import json
import logging
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serving import mp3

from audioguide.web import ServeConfig, create_app
from audioguide.web.guard import MAX_BODY_BYTES, host_name

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

KEY = "Qm9keUd1YXJkS2V5MTIzNDU2"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "127.0.0.1", "::1")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    mp3(out / "a.mp3")
    (out / "a.timeline.json").write_text(json.dumps({"title": "A\x01", "chapters": [{"title": "x", "start_ms": 0}]}))
    mp3(out / "b.mp3")
    (out / "b.timeline.json").write_text('{"chapters": [1, {"title": 2, "start_ms": "x"}]}')
    return out


@pytest.fixture(scope="module")
def local(folder):
    app = create_app(ServeConfig(folder, allowed_hosts=LOCAL_HOSTS))
    with TestClient(app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def lan(folder):
    app = create_app(ServeConfig(folder, token=KEY))
    with TestClient(app, base_url="http://192.168.1.20:8000", raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("host", ["[::1]:8000", "[::1]", "localhost:8000", "LOCALHOST", "127.0.0.1:80"])
def test_this_computers_names_are_accepted_as_browsers_send_them(local, host):
    assert local.get("/tracks.json", headers={"host": host}).status_code == 200  # [::1] was refused


@pytest.mark.parametrize("host", ["evil.example", "[::2]:8000", "::1", "a" * 4_000, "127.0.0.1:x", "a b"])
def test_other_hosts_are_refused_plainly(local, host):
    answer = local.get("/tracks.json", headers={"host": host})
    assert (answer.status_code, answer.text) == (400, "Invalid host header")


def test_a_4000_character_host_on_the_lan_is_a_plain_400_not_a_traceback(lan):
    for path in ("/", "/qr.svg", "/feed.xml"):  # the QR code overflowed: a 500 and a traceback
        answer = lan.get(f"/{KEY}{path}", headers={"host": "a" * 4_000})
        assert (answer.status_code, answer.text) == (400, "Invalid host header")


def test_a_body_said_to_be_200_mb_is_refused_before_it_is_read(local):
    answer = local.post("/log", content=b"{}", headers={"content-type": "application/json",
                                                        "content-length": str(200 * 1024 * 1024)})
    assert answer.status_code == 413 and "larger than 64 KB" in answer.text


def test_a_body_sent_in_chunks_is_refused_once_it_passes_the_limit(local):
    def chunks():
        for _ in range(2 * MAX_BODY_BYTES // 1000):
            yield b" " * 1000

    answer = local.post("/builds", content=chunks(), headers={"content-type": "application/json"})
    assert answer.status_code == 413


@pytest.mark.parametrize("route", ["/log", "/builds"])
def test_json_nested_thousands_deep_is_a_400_with_a_message(local, route):
    answer = local.post(route, content=b"[" * 60_000, headers={"content-type": "application/json"})
    assert answer.status_code == 400 and "error" in answer.json()


def test_a_client_leaving_mid_body_is_one_log_line_not_a_traceback(folder, caplog):
    app = create_app(ServeConfig(folder))
    sent: list[dict] = []
    messages = iter([{"type": "http.request", "body": b'{"fi', "more_body": True}, {"type": "http.disconnect"}])

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/log",
        "raw_path": b"/log",
        "root_path": "",
        "scheme": "http",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json")],
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5000),
        "http_version": "1.1",
        "asgi": {"version": "3.0"},
    }
    import asyncio

    with caplog.at_level(logging.WARNING):
        asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 400
    assert "Traceback" not in caplog.text


def test_a_percent_encoded_key_is_never_echoed(lan):
    near = "%" + format(ord(KEY[0]), "02X") + KEY[1:] + "x"
    for path in (f"/{near}/", f"/{near}/tracks.json", f"/x/{KEY}"):
        answer = lan.get(path)
        assert answer.status_code == 403 and KEY[1:] not in answer.text


def test_host_names_are_read_without_their_port_and_ipv6_without_brackets():
    assert host_name("[::1]:8000") == "::1" and host_name("Example.ORG:80") == "example.org"
    assert host_name("[::1") is None and host_name("x" * 300) is None


PATHS = st.sampled_from(
    ["/", "/tracks.json", "/routines.json", "/feed.xml", "/files/", "/download/", "/episodes/v/",
     "/covers/", "/artwork/96/v/", "/chapters/", "/qr.svg", "/log.json", "/log", "/builds", "/builds/",
     "/static/", "/%2e%2e/", "/"]
)
TEXT = st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prefix=st.sampled_from([f"/{KEY}", f"/{KEY}", ""]),
    path=PATHS,
    tail=st.just("")
    | st.text(st.characters(min_codepoint=0x21, max_codepoint=0x2FF, exclude_characters="#?\x7f"), max_size=30),
    method=st.sampled_from(["GET", "GET", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"]),
    headers=st.dictionaries(
        st.sampled_from(["host", "content-type", "if-none-match", "range", "accept", "x-any"]),
        TEXT | st.sampled_from(["application/json", "bytes=0-1", "bytes=-5", "[::1]:80", "a" * 4_000]),
        max_size=4,
    ),
    body=st.one_of(
        st.binary(max_size=300),
        st.integers(1, 60_000).map(lambda depth: b"[" * depth),
        st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                     lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
                     max_leaves=20).map(lambda v: json.dumps(v).encode()),
    ),
)
def test_any_request_gets_an_answer_that_is_no_500_and_no_traceback(lan, prefix, path, tail, method, headers, body):
    sent = {key: value.encode("latin-1") for key, value in headers.items()}
    answer = lan.request(method, prefix + path + tail, headers=sent, content=body)
    assert answer.status_code < 500, (answer.status_code, answer.text[:200])
    assert "Traceback" not in answer.text
