"""`audioguide serve` over HTTP: the feed read by a real feed parser, ranges, types, caching, the
token on the LAN, no path traversal, builds from the page, and a clean stop on Ctrl-C.

Each server is a real `audioguide serve` process listening on 127.0.0.1 with the Pico voice.
"""

from __future__ import annotations

import http.client
import json
import signal
import time
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest
from serving import Server, tiny_folders, wait_for_job

from audioguide.authoring import overrides
from audioguide.errors import OverrideError
from audioguide.files import is_leftover
from audioguide.routine import slugify


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    return tiny_folders(tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def server(folders):
    routines, out, cache = folders
    running = Server(out, routines, cache)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def lan(folders):
    routines, out, cache = folders
    running = Server(out, routines, cache, "--lan", "--host", "127.0.0.1")
    yield running
    running.stop()


@pytest.fixture
def client():
    with httpx.Client(timeout=30) as http:
        yield http


def raw_get(url: str, path: str) -> int:
    """GET `path` exactly as written (no client tidies `../` away), return the status."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_it_listens_on_this_computer_only_and_says_so(server):
    assert server.url.startswith("http://127.0.0.1:")
    assert urlsplit(server.url).path == "/"  # no token needed on 127.0.0.1
    assert "audioguide serve --lan" in server.stdout
    # No QR code: no phone can open 127.0.0.1.
    assert "█" not in server.stdout and "\x1b[" not in server.stdout and "Scan" not in server.stdout


def test_a_qr_code_is_printed_only_for_an_address_a_phone_can_open():
    from audioguide.cli.serve import _banner

    lan = _banner("http://192.168.1.20:8000/KEY/", "192.168.1.20", "KEY")
    # The QR code of the address is printed before it: in blocks, or in colours where the
    # terminal's encoding has no block characters.
    before = lan[: lan.index("Page: ")]
    assert before.count("\n") > 10 and ("█" in before or "\x1b[" in before)
    assert "Scan the code" in lan
    for host, token in (("127.0.0.1", None), ("127.0.0.1", "KEY"), ("localhost", None), ("[::1]", "KEY")):
        local = _banner(f"http://{host}:8000/", host, token)
        assert local.startswith("Page: ") and "█" not in local and "Scan" not in local, local
    assert "--lan" in _banner("http://127.0.0.1:8000/", "127.0.0.1", None)


def test_the_feed_is_a_podcast_whose_episodes_are_the_tracks(server, folders, client):
    _, out, _ = folders
    answer = client.get(server.url + "feed.xml")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/rss+xml")
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.namespaces.get("itunes") == "http://www.itunes.com/dtds/podcast-1.0.dtd"
    assert parsed.feed.image.href.startswith(server.url + "covers/")
    tracks = client.get(server.url + "tracks.json").json()["tracks"]
    on_disk = sorted(p.name for p in out.glob("*.mp3"))
    assert sorted(t["name"] for t in tracks) == on_disk
    assert [e.title for e in parsed.entries] == [t["title"] for t in tracks]
    for entry, track in zip(parsed.entries, tracks, strict=True):
        (enclosure,) = entry.enclosures
        assert enclosure.type == "audio/mpeg"
        assert int(enclosure.length) == (out / track["name"]).stat().st_size
        audio = client.get(enclosure.href)
        assert audio.status_code == 200
        assert int(audio.headers["content-length"]) == int(enclosure.length)
        assert audio.content == (out / track["name"]).read_bytes()
        timeline = json.loads((out / track["name"]).with_suffix(".timeline.json").read_text())
        seconds = -(-timeline["duration_ms"] // 1000)
        assert entry.itunes_duration == f"00:{seconds // 60:02d}:{seconds % 60:02d}"
        assert client.get(entry.image.href).headers["content-type"] in ("image/jpeg", "image/png")
        # Podcasting 2.0 chapters, at the timeline's times.
        assert entry.podcast_chapters["type"] == "application/json+chapters"
        chapters = client.get(entry.podcast_chapters["url"]).json()
        assert chapters["version"] == "1.2.0"
        assert [(c["title"], c["startTime"]) for c in chapters["chapters"]] == [
            (c["title"], c["start_ms"] / 1000) for c in timeline["chapters"]
        ]


def test_range_requests_get_206_and_exactly_the_bytes_asked_for(server, folders, client):
    _, out, _ = folders
    data = (out / "tiny.mp3").read_bytes()
    url = server.url + "files/tiny.mp3"
    for asked, start, end in (
        ("100-1099", 100, 1100),
        ("-500", len(data) - 500, len(data)),
        ("2000-", 2000, len(data)),
    ):
        answer = client.get(url, headers={"Range": f"bytes={asked}"})
        assert answer.status_code == 206, asked
        assert answer.content == data[start:end]
        assert answer.headers["content-range"] == f"bytes {start}-{end - 1}/{len(data)}"
        assert int(answer.headers["content-length"]) == end - start
    assert client.get(url, headers={"Range": f"bytes={len(data) + 10}-"}).status_code == 416
    assert client.head(url).headers["accept-ranges"] == "bytes"


def test_content_types_and_caching_headers(server, client):
    expected = {
        "": "text/html",
        "files/tiny.mp3": "audio/mpeg",
        "files/tiny.vtt": "text/vtt",
        "files/tiny.timeline.json": "application/json",
        "feed.xml": "application/rss+xml",
        "covers/tiny.mp3": "image/",
        "chapters/tiny.mp3": "application/json+chapters",
        "static/app.js": "text/javascript",
        "static/style.css": "text/css",
        "qr.svg": "image/svg+xml",
    }
    for path, media_type in expected.items():
        answer = client.get(server.url + path)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith(media_type), path
        assert "cache-control" in answer.headers, path
    # A track keeps its name across rebuilds: the player must ask again, and gets 304 if unchanged.
    audio = client.get(server.url + "files/tiny.mp3")
    assert audio.headers["cache-control"] == "no-cache"
    again = client.get(server.url + "files/tiny.mp3", headers={"If-None-Match": audio.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    download = client.get(server.url + "download/tiny.mp3")
    assert download.headers["content-disposition"] == 'attachment; filename="tiny.mp3"'


def test_nothing_outside_the_tracks_can_be_read(server, folders, client):
    _, out, _ = folders
    (out.parent / "secret.txt").write_text("not for the phone")
    (out / "notes.txt").write_text("not a track either")
    for path in (
        "/files/../secret.txt",
        "/files/..%2Fsecret.txt",
        "/files/%2e%2e%2fsecret.txt",
        "/files/%2e%2e/%2e%2e/etc/passwd",
        "/../secret.txt",
        "/static/../app.py",
        "/static/..%2Fapp.py",
        "/covers/..%2F..%2Fsecret.txt",
        "/download/../../secret.txt",
        "/files/notes.txt",
        "/files/.tiny.mp3.abcd1234.tmp",
        "/chapters/..",
    ):
        assert raw_get(server.url, path) == 404, path


def test_on_the_lan_every_address_needs_the_token(lan, client):
    parts = urlsplit(lan.url)
    token = parts.path.strip("/")
    assert len(token) >= 22  # 128 random bits
    base = f"{parts.scheme}://{parts.netloc}/"
    for path in (
        "",
        "feed.xml",
        "tracks.json",
        "files/tiny.mp3",
        "covers/tiny.mp3",
        "static/app.js",
        "x" * len(token) + "/",
    ):
        assert client.get(base + path).status_code == 403, path
    assert client.post(base + "builds", json={}).status_code == 403
    assert client.put(base + token + "x/").status_code == 403
    bare = client.get(base + token)
    assert bare.status_code == 307 and bare.headers["location"] == f"/{token}/"
    assert raw_get(lan.url, "/../" + token + "/files/tiny.mp3") == 403
    # With the token, everything is there, and the feed's addresses carry it too.
    assert client.get(lan.url).status_code == 200
    feed = feedparser.parse(client.get(lan.url + "feed.xml").content)
    (enclosure,) = feed.entries[0].enclosures
    assert enclosure.href.startswith(lan.url)
    assert client.get(enclosure.href, headers={"Range": "bytes=0-9"}).status_code == 206
    assert raw_get(lan.url, f"/{token}/files/../../secret.txt") == 404


def post_build(client, server, changes, routine="file:tiny.yaml", **fields):
    body = {"routine": routine, "level": "medium", "changes": changes, **fields}
    return client.post(server.url + "builds", json=body)


def test_a_rep_change_builds_the_same_track_as_the_command_line(server, folders, client):
    _, out, _ = folders
    answer = post_build(client, server, [{"kind": "reps", "exercise": "lift", "value": "4"}])
    assert answer.status_code == 202, answer.text
    job = wait_for_job(client, server.url, answer.json()["job"]["id"])
    assert job["state"] == "done", job
    assert job["track"] == "tiny-lift-reps-4.mp3"
    timeline = json.loads((out / "tiny-lift-reps-4.timeline.json").read_text())
    assert timeline["changed"] == "lift reps 4"
    spoken = [e["text"] for e in timeline["events"] if e["kind"] == "speech"]
    assert "Last one. Up." in spoken and "Three. Up." in spoken
    names = [t["name"] for t in client.get(server.url + "tracks.json").json()["tracks"]]
    assert names[0] == "tiny-lift-reps-4.mp3"  # newest first


def cli_message(*changes: tuple[str, str]) -> str:
    """What the command line says for the same overrides."""
    with pytest.raises(OverrideError) as caught:
        overrides.resolve(str(TINY_PATH[0]), [overrides.parse(kind, text) for kind, text in changes])
    return str(caught.value)


TINY_PATH: list = []


@pytest.mark.parametrize(
    ("change", "cli"),
    [
        ({"kind": "reps", "exercise": "lift", "value": "zero"}, ("reps", "lift=zero")),
        ({"kind": "reps", "exercise": "jump", "value": "3"}, ("reps", "jump=3")),
        ({"kind": "hold", "exercise": "lift", "value": "5s"}, ("hold", "lift=5s")),
        ({"kind": "rest", "exercise": "lift", "value": "20s"}, ("rest", "lift=20s")),
    ],
)
def test_bad_changes_get_the_command_lines_message_not_a_traceback(server, folders, client, change, cli):
    TINY_PATH[:] = [folders[0] / "tiny.yaml"]
    answer = post_build(client, server, [change])
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error == cli_message(cli)
    assert "Traceback" not in answer.text


def test_malformed_requests_are_refused_plainly(server, client):
    for body in (b"not json", b"[1, 2]", json.dumps({"routine": 5}).encode()):
        answer = client.post(
            server.url + "builds", content=body, headers={"content-type": "application/json"}
        )
        assert answer.status_code == 400
        assert answer.json()["error"].startswith("the form was not understood")
    unknown = client.post(server.url + "builds", json={"routine": "file:../../etc/passwd", "level": "medium"})
    assert unknown.status_code == 400 and "no routine" in unknown.json()["error"]
    level = post_build(client, server, [], level="extreme")
    assert level.status_code == 400 and "no level 'extreme'" in level.json()["error"]


def test_a_failing_build_is_reported_and_the_server_goes_on(server, client):
    failing = post_build(client, server, [], lang="pt")  # Pico does not speak Portuguese
    assert failing.status_code == 202
    job = wait_for_job(client, server.url, failing.json()["job"]["id"])
    assert job["state"] == "failed"
    assert "does not speak 'pt'" in job["error"]
    ok = post_build(client, server, [{"kind": "sets", "exercise": "squeeze", "value": "3"}])
    assert wait_for_job(client, server.url, ok.json()["job"]["id"])["state"] == "done"


def test_builds_run_one_at_a_time_in_order(server, client):
    jobs = [
        post_build(client, server, [{"kind": "hold", "exercise": "squeeze", "value": f"{seconds}s"}]).json()[
            "job"
        ]
        for seconds in (4, 5, 6)
    ]
    done = [wait_for_job(client, server.url, job["id"]) for job in jobs]
    assert [job["state"] for job in done] == ["done"] * 3
    assert [job["track"] for job in done] == [f"tiny-squeeze-hold-{s}s.mp3" for s in (4, 5, 6)]
    for before, after in zip(done, done[1:], strict=False):
        assert before["finished"] <= after["started"]


def test_ctrl_c_stops_the_server_cleanly_even_during_a_build(tmp_path, client):
    routines, out, cache = tiny_folders(tmp_path)
    before = sorted(p.name for p in out.iterdir())
    running = Server(out, routines, cache)
    try:
        # The built-in routine, cold: a hundred phrases to synthesize, so it is still running.
        job = post_build(client, running, [], routine="builtin:feet-and-back").json()["job"]
        while (state := client.get(f"{running.url}builds/{job['id']}").json()["job"])["stage"] == "":
            assert state["state"] in ("queued", "running"), state
            time.sleep(0.05)
    finally:
        started = time.monotonic()
        status = running.stop(signal.SIGINT)
    assert time.monotonic() - started < 10
    assert status == 130
    assert running.stderr.strip().splitlines()[-1] == "interrupted: no partial files were left"
    assert "Traceback" not in running.stderr
    assert sorted(p.name for p in out.iterdir()) == before  # no new track, no temporary file
    assert not [p for p in cache.rglob("*") if is_leftover(p.name)]
    with pytest.raises(httpx.TransportError):
        client.get(running.url, timeout=2)


def test_sigterm_stops_it_too(tmp_path):
    routines, out, cache = tiny_folders(tmp_path)
    running = Server(out, routines, cache)
    assert running.stop(signal.SIGTERM) == 143
    assert "Traceback" not in running.stderr


def test_a_taken_port_is_a_clear_error(server, folders):
    import subprocess
    import sys

    routines, out, cache = folders
    port = str(urlsplit(server.url).port)
    done = subprocess.run(
        [sys.executable, "-m", "audioguide", "serve", "-o", str(out), "--port", port],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}:")
    assert "Traceback" not in done.stderr


def test_slugs_in_form_fields_are_the_exercises_own(server, client):
    entries = client.get(server.url + "routines.json").json()
    tiny = next(r for r in entries["routines"] if r["id"] == "file:tiny.yaml")
    assert [(e["slug"], e["reps"], e["sets"], e["hold"], e["rest"]) for e in tiny["exercises"]] == [
        (slugify("Squeeze"), None, "2", "3s", "8s"),
        (slugify("Lift"), "2", "1", None, "15s"),
    ]
    assert any(r["id"] == "builtin:feet-and-back" for r in entries["routines"])
    assert "en-US" in entries["languages"]


def test_the_lan_key_outlives_a_restart_until_renewed(lan, folders, client):
    routines, out, cache = folders
    key = urlsplit(lan.url).path.strip("/")
    kept = out / ".audioguide-serve-key"
    assert kept.read_text().strip() == key
    assert kept.stat().st_mode & 0o077 == 0  # only its owner can read it
    assert raw_get(lan.url, f"/{key}/files/.audioguide-serve-key") == 404
    restarted = Server(out, routines, cache, "--lan", "--host", "127.0.0.1")
    try:
        assert restarted.url.endswith(f"/{key}/")  # a podcast app's subscription still works
    finally:
        restarted.stop()
    renewed = Server(out, routines, cache, "--lan", "--host", "127.0.0.1", "--new-key")
    try:
        assert key not in renewed.url
        assert client.get(renewed.url.replace(urlsplit(renewed.url).path, f"/{key}/")).status_code == 403
    finally:
        renewed.stop()


def test_other_web_sites_cannot_use_the_server_on_this_computer(server, client):
    # A page elsewhere can make a browser send a plain form, but not JSON without asking first.
    form = client.post(
        server.url + "builds",
        content=b'{"routine": "file:tiny.yaml"}',
        headers={"content-type": "text/plain"},
    )
    assert form.status_code == 415
    # Nor can it reach the server through a name of its own that points here (DNS rebinding).
    assert client.get(server.url, headers={"host": "evil.example"}).status_code == 400
    assert client.get(server.url.replace("127.0.0.1", "localhost")).status_code == 200


def test_a_broken_routine_file_is_listed_with_its_problem(server, folders, client):
    routines, _, _ = folders
    (routines / "broken.yaml").write_text("title: Broken\nexercises:\n  - name: X\n    sets: five\n")
    try:
        entries = client.get(server.url + "routines.json").json()["routines"]
        broken = next(r for r in entries if r["id"] == "file:broken.yaml")
        assert broken["exercises"] == []
        assert "sets" in broken["error"] and "five" in broken["error"]
        refused = post_build(client, server, [], routine="file:broken.yaml")
        assert refused.status_code == 400 and "five" in refused.json()["error"]
    finally:
        (routines / "broken.yaml").unlink()


def test_a_rebuild_is_a_new_episode_in_the_feed(server, client):
    def episode() -> dict:
        feed = feedparser.parse(client.get(server.url + "feed.xml").content)
        return next(e for e in feed.entries if e.title == "Tiny")

    before = episode()
    time.sleep(0.01)  # a rebuild within the file system's time resolution would look the same
    job = post_build(client, server, []).json()["job"]
    assert wait_for_job(client, server.url, job["id"])["track"] == "tiny.mp3"
    after = episode()
    assert after.id != before.id  # apps download the new audio instead of keeping the old
    assert after.enclosures[0].href != before.enclosures[0].href
    assert after.published_parsed >= before.published_parsed
