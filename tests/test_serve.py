"""`audioguide serve` over HTTP: the feed read by a real feed parser, ranges, types, caching, the
token on the LAN, no path traversal, builds from the page, and a clean stop on Ctrl-C.

Each server is a real `audioguide serve` process listening on 127.0.0.1 with the Pico voice.
"""

from __future__ import annotations

import http.client
import io
import json
import re
import signal
import subprocess
import time
from urllib.parse import urlsplit

import feedparser
import httpx
import podcastparser
import pytest
from PIL import Image
from serving import Server, tiny_folders, wait_for_job

from audioguide import build, routine
from audioguide.files import is_leftover
from audioguide.routine import slugify


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    routines, out, cache = tiny_folders(tmp_path_factory.mktemp("serve"))
    # The same routine as a split build too: out/tiny/01-squeeze.mp3, 02-lift.mp3.
    options = build.BuildOptions(engine="pico", output=out, cache_dir=cache, split=True)
    build.build(routine.load(routines / "tiny.yaml"), options)
    return routines, out, cache


def mp3s(out) -> list[str]:
    """The tracks on disk by their names in the output folder, a split build's too."""
    return sorted(p.relative_to(out).as_posix() for p in [*out.glob("*.mp3"), *out.glob("*/*.mp3")])


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
    tracks = client.get(server.url + "tracks.json").json()["tracks"]
    assert sorted(t["name"] for t in tracks) == mp3s(out)
    whole = [t for t in tracks if not t["album"]]
    entries = [e for e in parsed.entries if "itunes_episode" not in e]
    assert [e.title for e in entries] == [t["title"] for t in whole]
    for entry, track in zip(entries, whole, strict=True):
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
        # Podcasting 2.0 chapters and Podlove Simple Chapters, at the timeline's times.
        assert entry.podcast_chapters["type"] == "application/json+chapters"
        chapters = client.get(entry.podcast_chapters["url"]).json()
        assert chapters["version"] == "1.2.0"
        assert [(c["title"], c["startTime"]) for c in chapters["chapters"]] == [
            (c["title"], c["start_ms"] / 1000) for c in timeline["chapters"]
        ]
        assert [(c["title"], c["start"]) for c in entry.psc_chapters["chapters"]] == [
            (
                c["title"],
                f"00:{c['start_ms'] // 60000:02d}:{c['start_ms'] // 1000 % 60:02d}.{c['start_ms'] % 1000:03d}",
            )
            for c in timeline["chapters"]
        ]
        # The transcript's address is versioned like the audio's.
        assert entry.podcast_transcript["url"].endswith(f"tiny.vtt?v={track['version']}")


def test_the_feed_artwork_is_a_square_jpeg_a_directory_accepts(server, client):
    parsed = feedparser.parse(client.get(server.url + "feed.xml").content)
    addresses = {parsed.feed.image.href} | {entry.image.href for entry in parsed.entries}
    for address in addresses:
        assert urlsplit(address).path.endswith(".jpg") and not urlsplit(address).query, address
        answer = client.get(address)
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
        with Image.open(io.BytesIO(answer.content)) as picture:
            assert picture.format == "JPEG"
            assert picture.size == (1400, 1400)  # Apple: 1400 to 3000 pixels, square
    # Smaller sizes for lock screens; any other size, or a name not a track, is not there.
    small = client.get(server.url + "artwork/512/x/tiny.jpg")
    with Image.open(io.BytesIO(small.content)) as picture:
        assert picture.size == (512, 512)
    for path in ("artwork/5000/x/tiny.jpg", "artwork/512/x/tiny.png", "artwork/512/x/nothing.jpg"):
        assert client.get(server.url + path).status_code == 404, path


def test_a_split_build_is_an_album_in_order_on_the_page_and_in_the_feed(server, folders, client):
    _, out, _ = folders
    tracks = client.get(server.url + "tracks.json").json()["tracks"]
    album = [t for t in tracks if t["album"] == "tiny"]
    assert [t["name"] for t in album] == ["tiny/01-squeeze.mp3", "tiny/02-lift.mp3"]
    assert [(t["number"], t["of"]) for t in album] == [(1, 2), (2, 2)]
    names = [t["name"] for t in tracks]
    assert names[names.index(album[0]["name"]) :][:2] == [t["name"] for t in album]  # together
    assert all(t["album_title"] == "Tiny" and t["level"] == "medium" and t["chapters"] for t in album)

    xml = client.get(server.url + "feed.xml").content
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    episodes = [e for e in parsed.entries if "itunes_episode" in e]
    assert [e.itunes_episode for e in episodes] == ["1", "2"]
    assert [e.title for e in episodes] == ["Tiny 1/2: Squeeze", "Tiny 2/2: Lift"]
    assert episodes[0].published_parsed < episodes[1].published_parsed  # apps play them in order
    assert any(e.title == "Tiny" and "itunes_episode" not in e for e in parsed.entries)  # the whole one
    for entry, track in zip(episodes, album, strict=True):
        assert client.get(entry.enclosures[0].href).content == (out / track["name"]).read_bytes()
        chapters = client.get(entry.podcast_chapters["url"]).json()["chapters"]
        assert [c["title"] for c in chapters] == [c["title"] for c in track["chapters"]]
        assert chapters[0]["startTime"] == 0
        assert client.get(entry.podcast_transcript["url"]).status_code == 200
    # gPodder's parser: the same order, numbers and Podlove chapters.
    podcast = podcastparser.parse(server.url + "feed.xml", io.BytesIO(xml))
    numbered = sorted((e for e in podcast["episodes"] if e.get("number")), key=lambda e: e["published"])
    assert [e["number"] for e in numbered] == [1, 2]
    assert numbered[0]["published"] < numbered[1]["published"]
    assert [e["guid"] for e in numbered] == [e.id for e in episodes]
    assert [c["title"] for c in numbered[1]["chapters"]] == [c["title"] for c in album[1]["chapters"]]
    assert numbered[0]["episode_art_url"].endswith(".jpg")


def test_a_copied_folder_keeps_every_episode_and_names_its_owner(folders, client, tmp_path):
    routines, out, cache = folders
    feed = feedparser.parse(client.get(f"{SHARED[0].url}feed.xml").content)
    copy = tmp_path / "copy"
    time.sleep(0.01)
    subprocess.run(["cp", "-r", str(out), str(copy)], check=True)  # new times, same bytes
    assert (copy / "tiny.mp3").stat().st_mtime_ns != (out / "tiny.mp3").stat().st_mtime_ns
    other = Server(copy, routines, cache, "--owner-name", "Ana", "--owner-email", "ana@example.org")
    try:
        xml = client.get(other.url + "feed.xml").content
    finally:
        other.stop()
    copied = feedparser.parse(xml)
    assert sorted(e.id for e in copied.entries) == sorted(e.id for e in feed.entries)
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    assert copied.feed.publisher_detail == {"name": "Ana", "email": "ana@example.org"}
    assert "<itunes:owner>" not in client.get(f"{SHARED[0].url}feed.xml").text  # optional


SHARED: list = []


@pytest.fixture(autouse=True)
def _shared(server):
    SHARED[:] = [server]


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


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        (
            {"kind": "reps", "exercise": "lift", "value": "zero"},
            '2. Lift, reps: must be a positive whole number or a range like 10-20, got "zero"',
        ),
        (
            {"kind": "reps", "exercise": "lift", "value": "0"},
            "2. Lift, reps: must be between 1 and 500, got 0",
        ),
        ({"kind": "hold", "exercise": "lift", "value": "5s"}, "2. Lift, hold: lift has no hold steps."),
        (
            {"kind": "rest", "exercise": "lift", "value": "20s"},
            "2. Lift, rest: lift has one round, so no rest between rounds.",
        ),
        (
            {"kind": "reps", "exercise": "jump", "value": "3"},
            "jump, reps: no exercise 'jump' in Tiny. Name one by number, slug or name: 1 squeeze, 2 lift",
        ),
    ],
)
def test_bad_changes_get_the_command_lines_rule_in_the_forms_words(server, client, change, shown):
    answer = post_build(client, server, [change])
    assert answer.status_code == 400
    assert answer.json()["error"] == shown
    assert "--" not in shown and "Traceback" not in answer.text


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


def test_a_rebuild_with_other_audio_is_a_new_episode_and_the_same_audio_is_not(server, folders, client):
    routines, _, _ = folders

    def episode() -> dict:
        feed = feedparser.parse(client.get(server.url + "feed.xml").content)
        return next(e for e in feed.entries if e.title == "Tiny")

    def rebuild() -> None:
        job = post_build(client, server, []).json()["job"]
        assert wait_for_job(client, server.url, job["id"])["track"] == "tiny.mp3"

    before = episode()
    time.sleep(0.01)
    rebuild()  # the same routine: the same audio, however new the file
    assert episode().id == before.id
    written = (routines / "tiny.yaml").read_text()
    (routines / "tiny.yaml").write_text(written.replace("say: Lift.", "say: Lift slowly."))
    try:
        rebuild()
        after = episode()
    finally:
        (routines / "tiny.yaml").write_text(written)
    assert after.id != before.id  # apps download the new audio instead of keeping the old
    assert after.enclosures[0].href != before.enclosures[0].href
    assert after.published_parsed >= before.published_parsed
    rebuild()
    assert episode().id == before.id  # restored: the episode it was


def test_an_owner_email_that_is_not_one_is_refused_plainly(tmp_path):
    from click.testing import CliRunner

    from audioguide.cli import cli

    result = CliRunner().invoke(cli, ["serve", "-o", str(tmp_path), "--owner-email", "ana at home"])
    assert result.exit_code == 2
    assert "'ana at home' is not an email address" in result.output
    assert "Traceback" not in result.output


def test_a_track_played_through_is_a_session_in_the_log_on_this_computer(server, folders, client):
    _, out, _ = folders
    from click.testing import CliRunner

    from audioguide.cli.serve import log_command

    answer = client.post(server.url + "log", json={"file": "tiny/02-lift.mp3"})
    assert answer.status_code == 201, answer.text
    written = (out / ".audioguide-log.jsonl").read_text().splitlines()
    last = json.loads(written[-1])
    assert {key: last[key] for key in ("routine", "track", "file", "level", "changed")} == {
        "routine": "Tiny",
        "track": "Lift",
        "file": "tiny/02-lift.mp3",
        "level": "medium",
        "changed": "",
    }
    log = client.get(server.url + "log.json").json()
    assert log["sessions"][0] == last and log["this_week"] >= 1
    # The log is never served, and only tracks the folder holds are recorded.
    assert client.get(server.url + "files/.audioguide-log.jsonl").status_code == 404
    assert client.post(server.url + "log", json={"file": "../secret.mp3"}).status_code == 400
    assert (
        client.post(server.url + "log", content=b"{}", headers={"content-type": "text/plain"}).status_code
        == 415
    )
    assert len((out / ".audioguide-log.jsonl").read_text().splitlines()) == len(written)
    # `audioguide log` prints the same sessions.
    printed = CliRunner().invoke(log_command, ["-o", str(out)])
    assert printed.exit_code == 0, printed.output
    assert f"This week: {log['this_week']} of {len(written)} sessions in all." in printed.output
    assert "Tiny: Lift (level medium)" in printed.output.splitlines()[1]


ITUNES_CATEGORIES = {"Health & Fitness", "Sports", "Education"}  # of Apple's list, the ones that fit
KNOWN_NAMESPACES = {
    "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "http://www.w3.org/2005/Atom",
}  # the W3C validator's notice is for the others (podcast:, psc:), which it does not know


def test_the_feed_passes_the_checks_the_w3c_validator_makes(server, client):
    """The W3C feed validator's RSS 2.0 and iTunes rules, as its source states them."""
    import xml.etree.ElementTree as ET
    from email.utils import parsedate_to_datetime

    itunes, atom = "{http://www.itunes.com/dtds/podcast-1.0.dtd}", "{http://www.w3.org/2005/Atom}"
    text = client.get(server.url + "feed.xml").text
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>")  # iTunes tags need UTF-8
    channel = ET.fromstring(text).find("channel")
    for required in ("title", "link", "description", "language"):
        assert channel.findtext(required), required
    assert channel.find(f"{atom}link").get("href") == server.url + "feed.xml"  # self matches the address
    assert channel.find(f"{atom}link").get("rel") == "self"
    assert channel.find(f"{itunes}category").get("text") in ITUNES_CATEGORIES
    assert channel.findtext(f"{itunes}explicit") in ("true", "false")
    assert channel.findtext(f"{itunes}type") in ("episodic", "serial")
    assert channel.find(f"{itunes}owner") is None  # without an email, none: an owner needs one
    image = channel.find("image")
    assert image.findtext("title") == channel.findtext("title") and image.findtext(
        "link"
    ) == channel.findtext("link")
    assert image.findtext("url").endswith(".jpg") and image.find("width") is None  # RSS: width <= 144
    parsedate_to_datetime(channel.findtext("lastBuildDate"))
    guids = [item.findtext("guid") for item in channel.findall("item")]
    assert len(set(guids)) == len(guids)
    for item in channel.findall("item"):
        assert item.findtext("title") and item.findtext("description")
        parsedate_to_datetime(item.findtext("pubDate"))  # RFC 822
        enclosure = item.find("enclosure")
        assert enclosure.get("url").split(".")[-1] == "mp3"  # the validator's check of the format
        assert int(enclosure.get("length")) > 0 and enclosure.get("type") == "audio/mpeg"
        assert re.fullmatch(r"\d\d:[0-5]\d:[0-5]\d", item.findtext(f"{itunes}duration"))
        assert item.findtext(f"{itunes}episodeType") in ("full", "trailer", "bonus")
        number = item.findtext(f"{itunes}episode")
        assert number is None or int(number) > 0
        assert item.find(f"{itunes}image").get("href").endswith(".jpg")
    namespaces = set(re.findall(r'xmlns:\w+="([^"]+)"', text))
    assert namespaces - KNOWN_NAMESPACES == {
        "https://podcastindex.org/namespace/1.0",
        "http://podlove.org/simple-chapters",
    }


def test_a_link_out_of_its_folders_is_never_served_or_read(tmp_path, folders, client):
    """A sidecar linked to a file elsewhere gets 404, and a routine linked in is not listed."""
    routines, built, cache = folders
    out, mine = tmp_path / "out", tmp_path / "routines"
    out.mkdir(), mine.mkdir()
    for sidecar in built.glob("tiny.*"):
        if sidecar.is_file():
            (out / sidecar.name).write_bytes(sidecar.read_bytes())
    secret = tmp_path / "secret.txt"
    secret.write_text("the password is swordfish\n")
    (out / "tiny.vtt").unlink()
    (out / "tiny.vtt").symlink_to(secret)
    (mine / "linked.yaml").symlink_to(secret)
    (mine / "tiny.yaml").write_text((routines / "tiny.yaml").read_text())
    running = Server(out, mine, cache)
    try:
        assert client.get(running.url + "files/tiny.mp3").status_code == 200
        leaked = client.get(running.url + "files/tiny.vtt")
        assert leaked.status_code == 404 and "swordfish" not in leaked.text
        listed = client.get(running.url + "routines.json").text
        assert "tiny.yaml" in listed and "linked.yaml" not in listed and "swordfish" not in listed
    finally:
        running.stop()


def test_the_key_file_is_ours_alone_never_written_through_a_link_or_waited_on(tmp_path):
    import os
    import stat

    from audioguide.cli.serve import KEY_FILE, _key

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / KEY_FILE).symlink_to(victim)
    assert re.fullmatch(r"[\w-]{22}", _key(linked, renew=False))
    assert victim.read_text() == "keep me\n", "nothing is written through a link"

    piped = tmp_path / "piped"
    piped.mkdir()
    os.mkfifo(piped / KEY_FILE)
    started = time.monotonic()
    assert re.fullmatch(r"[\w-]{22}", _key(piped, renew=False))
    assert time.monotonic() - started < 2, "a FIFO is never waited on"
    assert stat.S_ISFIFO(os.lstat(piped / KEY_FILE).st_mode), "and never replaced"

    shared = tmp_path / "shared"
    shared.mkdir()
    key = _key(shared, renew=False)
    os.chmod(shared / KEY_FILE, 0o644)
    assert _key(shared, renew=False) == key
    assert stat.S_IMODE(os.stat(shared / KEY_FILE).st_mode) == 0o600, "a key others could read is made private"


def test_serve_on_ipv6_loopback_answers_a_browser(folders):
    routines, out, cache = folders
    running = Server(out, routines, cache, "--host", "::1")
    try:
        assert running.url.startswith("http://[::1]:")
        with httpx.Client(timeout=30) as http:
            page = http.get(running.url)  # the Host header is [::1]:port, as a browser sends it
            assert page.status_code == 200, page.text
            assert http.get(running.url + "tracks.json").json()["tracks"]
            forged = http.get(running.url, headers={"host": "evil.example"})
            assert (forged.status_code, forged.text) == (400, "Invalid host header")
    finally:
        running.stop()
