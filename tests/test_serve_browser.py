"""The page of `audioguide serve` in a real headless browser: Debian's Chromium driven by Playwright.

Open the page, play a track and see its cue text, change a rep count, build, and hear the
new track; errors appear in the page. Skipped, saying why, where no Chromium is installed.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from pathlib import Path

import pytest
import segno
from PIL import Image
from serving import Server, tiny_folders

from audioguide import build, routine

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
WAIT_MS = 30_000
VTT_CUE = re.compile(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(.+)")

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install playwright)"
)
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and shutil.which("chromium") is None,
    reason="no browser: Debian's chromium is not installed (apt-get install chromium), so the page is not driven",
)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    routines, out, cache = tiny_folders(tmp_path_factory.mktemp("browser"))
    options = build.BuildOptions(engine="pico", output=out, cache_dir=cache, split=True)
    build.build(routine.load(routines / "tiny.yaml"), options)  # out/tiny/01-squeeze.mp3, 02-lift.mp3
    return routines, out, cache


@pytest.fixture(scope="module")
def server(folders):
    routines, out, cache = folders
    running = Server(out, routines, cache)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh user-data-dir
            executable_path=executable,
            headless=True,
            args=BROWSER_ARGS,
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
        )
        yield context
        context.close()


@pytest.fixture
def page(browser):
    opened = browser.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    opened.close()
    assert not errors, errors


def cues(vtt: str) -> list[tuple[float, float, str]]:
    found = []
    for match in VTT_CUE.finditer(vtt):
        h1, m1, s1, ms1, h2, m2, s2, ms2, text = match.groups()
        start = int(h1) * 3600 + int(m1) * 60 + int(s1) + int(ms1) / 1000
        end = int(h2) * 3600 + int(m2) * 60 + int(s2) + int(ms2) / 1000
        found.append((start, end, text))
    return found


def player(page, expression: str):
    return page.evaluate(f"(() => {{ const p = document.getElementById('player'); return {expression}; }})()")


def test_play_a_track_and_see_the_cue_being_spoken(page, server, folders):
    _, out, _ = folders
    page.goto(server.url)
    page.click(".track[data-name='tiny.mp3'] .play")
    page.wait_for_function(
        "(() => { const p = document.getElementById('player');"
        " return p.readyState >= 3 && !p.paused && p.currentTime > 0.2; })()",
        timeout=WAIT_MS,
    )
    assert page.text_content("#now-title") == "Tiny"
    # Seek into the middle of some cues: the text under the player is the one the voice says.
    for start, end, text in cues((out / "tiny.vtt").read_text())[3:6]:
        player(page, f"(p.pause(), p.currentTime = {(start + end) / 2})")
        page.wait_for_function(
            "expected => document.getElementById('cue').textContent === expected", arg=text, timeout=WAIT_MS
        )
    # The page's player reads the whole track: its length is the timeline's.
    assert abs(player(page, "p.duration") - _timeline_s(out / "tiny.timeline.json")) < 0.1


def test_change_a_rep_count_build_and_the_new_track_plays(page, server, folders):
    _, out, _ = folders
    page.goto(server.url)
    page.select_option("#routine", "file:tiny.yaml")
    page.fill("input[name='reps:lift']", "3")
    started = time.monotonic()
    page.click("#build")
    page.wait_for_function(
        "(() => { const p = document.getElementById('player');"
        " return p.dataset.track === 'tiny-lift-reps-3.mp3' && p.readyState >= 3 && !p.paused; })()",
        timeout=WAIT_MS,
    )
    elapsed = time.monotonic() - started
    print(f"rep change submitted -> new track playing in the page: {elapsed:.2f} s")
    assert (out / "tiny-lift-reps-3.mp3").is_file()
    assert page.get_attribute(".track.new", "data-name") == "tiny-lift-reps-3.mp3"
    assert page.text_content("#now-title") == "Tiny (lift reps 3)"
    assert "changed: lift reps 3" in page.text_content("#now-meta")
    assert page.text_content("#build-status").startswith("Built tiny-lift-reps-3.mp3 in ")
    assert page.is_hidden("#build-error")
    # A rep longer than the first track; the page's player reads the new file.
    new_s = _timeline_s(out / "tiny-lift-reps-3.timeline.json")
    assert new_s > _timeline_s(out / "tiny.timeline.json") + 1.5
    assert abs(player(page, "p.duration") - new_s) < 0.1
    assert elapsed < 30, f"from the rep change to the new track playing took {elapsed:.1f} s"


def test_a_bad_value_is_shown_in_the_page_in_the_forms_words(page, server, folders):
    page.goto(server.url)
    page.select_option("#routine", "file:tiny.yaml")
    page.fill("input[name='reps:lift']", "zero")
    page.click("#build")
    page.wait_for_selector("#build-error:not([hidden])", timeout=WAIT_MS)
    shown = page.text_content("#build-error")
    # The command line's rule, under the form's own labels: the exercise's legend and the field.
    assert shown == '2. Lift, reps: must be a positive whole number or a range like 10-20, got "zero"'
    assert page.text_content("fieldset:nth-of-type(2) legend") == "2. Lift"
    assert "Traceback" not in page.content()


def test_the_form_shows_only_the_fields_that_apply_and_names_your_files(page, server, folders):
    page.goto(server.url)
    page.select_option("#routine", "file:tiny.yaml")
    assert page.text_content("#routine option[value='file:tiny.yaml']") == "Tiny (tiny.yaml)"
    # Squeeze has two rounds: a rest between them. Lift has one: no rest, until it has more.
    assert page.is_visible("input[name='rest:squeeze']")
    assert page.is_hidden("input[name='rest:lift']")
    page.fill("input[name='sets:lift']", "3")
    assert page.is_visible("input[name='rest:lift']")
    page.fill("input[name='sets:lift']", "")
    assert page.is_hidden("input[name='rest:lift']")


def test_download_button_and_the_qr_code_of_the_address(page, server, folders):
    _, out, _ = folders
    page.goto(server.url)
    button = page.wait_for_selector(
        ".track[data-name='tiny.mp3'] a.download"
    )  # the list comes after the page
    href = button.evaluate("a => a.href")
    answer = page.request.get(href)
    assert answer.status == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="tiny.mp3"'
    assert answer.body() == (out / "tiny.mp3").read_bytes()
    assert page.text_content("#address") == server.url
    expected = segno.make(server.url, error="m").svg_inline(scale=4, title="This page's address")
    # The browser writes the SVG back in its own way; the modules drawn are the same.
    drawn = page.get_attribute(".qr svg path", "d")
    assert drawn and drawn == re.search(r' d="([^"]+)"', expected)[1]


def test_the_page_works_behind_the_lan_token(page, folders):
    routines, out, cache = folders
    lan = Server(out, routines, cache, "--lan", "--host", "127.0.0.1")
    try:
        page.goto(lan.url)
        page.click(".track[data-name='tiny.mp3'] .play")
        page.wait_for_function("document.getElementById('player').readyState >= 3", timeout=WAIT_MS)
        assert player(page, "p.currentSrc").startswith(lan.url + "files/tiny.mp3")
        assert page.text_content("#feed") == lan.url + "feed.xml"
    finally:
        lan.stop()


def playing(page, name: str) -> None:
    page.wait_for_function(
        "name => { const p = document.getElementById('player');"
        " return p.dataset.track === name && p.readyState >= 3 && !p.paused && p.currentTime > 0; }",
        arg=name,
        timeout=WAIT_MS,
    )


def test_a_split_build_is_an_album_played_in_order(page, server, folders):
    page.goto(server.url)
    page.wait_for_selector(".album")
    names = page.eval_on_selector_all(".track.in-album", "items => items.map(item => item.dataset.name)")
    assert names == ["tiny/01-squeeze.mp3", "tiny/02-lift.mp3"]
    assert page.text_content(".album .title") == "Tiny"
    page.click(".track[data-name='tiny/01-squeeze.mp3'] .play")
    playing(page, "tiny/01-squeeze.mp3")
    assert page.text_content("#now-title") == "Tiny 1/2: Squeeze"
    assert page.text_content("#next-exercise") in ("Next: Squeeze", "Next: Lift")
    # At its end the next track of the album plays.
    player(page, "(p.currentTime = p.duration - 0.3, p.play())")
    playing(page, "tiny/02-lift.mp3")
    assert page.text_content("#now-title") == "Tiny 2/2: Lift"


def test_the_lock_screen_gets_the_track_and_the_chapters_are_a_list_to_jump_to(page, server, folders):
    _, out, _ = folders
    chapters = json.loads((out / "tiny.timeline.json").read_text())["chapters"]
    page.goto(server.url)
    page.click(".track[data-name='tiny.mp3'] .play")
    playing(page, "tiny.mp3")
    metadata = page.evaluate(
        "(() => { const m = navigator.mediaSession.metadata;"
        " return {title: m.title, artist: m.artist, album: m.album, artwork: m.artwork.map(a => [a.src, a.sizes])}; })()"
    )
    assert (
        metadata["title"] == "Tiny" and metadata["artist"] == "Tiny" and metadata["album"] == "Level medium"
    )
    assert [size for _, size in metadata["artwork"]] == ["96x96", "192x192", "256x256", "512x512"]
    for src, size in metadata["artwork"]:
        picture = page.request.get(src)
        assert picture.status == 200 and picture.headers["content-type"] == "image/jpeg", src
        with Image.open(io.BytesIO(picture.body())) as image:
            assert f"{image.width}x{image.height}" == size
    assert page.evaluate("navigator.mediaSession.playbackState") == "playing"
    # The chapter list, each a button that jumps to its time; the exercise on now is shown large.
    buttons = page.locator("#chapters button")
    assert buttons.count() == len(chapters)
    target = chapters[2]
    buttons.nth(2).click()
    assert abs(player(page, "p.currentTime") - target["start_ms"] / 1000) < 0.5
    page.wait_for_function(
        "title => document.getElementById('now-exercise').textContent === title", arg=target["title"]
    )
    assert page.text_content("#next-exercise") == f"Next: {chapters[3]['title']}"
    page.click("#next-chapter")
    assert abs(player(page, "p.currentTime") - chapters[3]["start_ms"] / 1000) < 0.5
    player(page, "p.pause()")
    page.click("#prev-chapter")  # at a chapter's start: the one before
    assert abs(player(page, "p.currentTime") - target["start_ms"] / 1000) < 0.5
    assert page.evaluate("navigator.mediaSession.playbackState") == "paused"


def test_a_track_played_through_is_logged_and_a_seek_to_the_end_is_not(page, server, folders):
    _, out, _ = folders
    log = out / ".audioguide-log.jsonl"
    before = log.read_text().splitlines() if log.exists() else []
    page.goto(server.url)
    page.wait_for_selector("#log-week")
    page.click(".track[data-name='tiny/02-lift.mp3'] .play")
    playing(page, "tiny/02-lift.mp3")
    # Jumping to the end is not training: nothing is logged.
    player(page, "(p.currentTime = p.duration - 0.5, p.play())")
    page.wait_for_function("document.getElementById('player').ended", timeout=WAIT_MS)
    time.sleep(0.5)
    assert (log.read_text().splitlines() if log.exists() else []) == before
    # Played through (fast: the count is of the track's own time), it is a session.
    page.click(".track[data-name='tiny/02-lift.mp3'] .play")
    playing(page, "tiny/02-lift.mp3")
    player(page, "p.playbackRate = 8")
    page.wait_for_function(
        "document.querySelector('#log li') && document.querySelector('#log li').textContent.includes('Tiny: Lift')",
        timeout=WAIT_MS,
    )
    after = log.read_text().splitlines()
    assert len(after) == len(before) + 1
    assert json.loads(after[-1])["file"] == "tiny/02-lift.mp3"
    assert page.text_content("#log-week").startswith("This week: ")


def _timeline_s(path: Path) -> float:
    return json.loads(path.read_text())["duration_ms"] / 1000
