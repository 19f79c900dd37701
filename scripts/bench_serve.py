"""Time the phone loop of `audioguide serve`: a rep change submitted on the page -> the new track playing.

Starts `audioguide serve` on 127.0.0.1 with the offline Pico voice and a fresh phrase cache,
builds the built-in routine once (as the user did before), then in headless Chromium (a
phone-sized page) changes heel-raises' reps, presses Build and waits until the page's player
plays the new track. Prints one line per try and the median. Optionally saves a screenshot.

    .venv/bin/python scripts/bench_serve.py [--tries 3] [--screenshot docs/serve-page.png]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402
from serving import Server  # noqa: E402

from audioguide import build, routine  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARGS += ["--disable-component-update", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
PLAYING = (
    "name => { const p = document.getElementById('player');"
    " return p.dataset.track === name && p.readyState >= 3 && !p.paused; }"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=3)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        routines, out, cache = root / "routines", root / "out", root / "cache"
        routines.mkdir()
        started = time.monotonic()
        build.build(
            routine.load_builtin("feet-and-back"),
            build.BuildOptions(engine="pico", output=out, cache_dir=cache),
        )
        print(f"first build of feet-and-back (cold cache): {time.monotonic() - started:.2f} s")
        server = Server(out, routines, cache)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch_persistent_context(
                    str(root / "profile"), executable_path=CHROMIUM, headless=True, args=ARGS, viewport=PHONE
                )
                page = browser.new_page()
                page.goto(server.url)
                page.wait_for_selector(".track")
                times = []
                for reps in range(16, 16 + args.tries):
                    page.select_option("#routine", "builtin:feet-and-back")
                    page.fill("input[name='reps:heel-raises']", str(reps))
                    name = f"feet-and-back-heel-raises-reps-{reps}.mp3"
                    started = time.monotonic()
                    page.click("#build")
                    page.wait_for_function(PLAYING, arg=name, timeout=120_000)
                    times.append(time.monotonic() - started)
                    print(
                        f"heel-raises reps {reps}: {times[-1]:.2f} s ({page.text_content('#build-status')})"
                    )
                if args.screenshot:
                    # The top of the page as a phone shows it: the new track paused on a cue.
                    timeline = json.loads((out / name).with_suffix(".timeline.json").read_text("utf-8"))
                    cue = next(
                        e for e in timeline["events"] if e["role"] == "instruction" and e["start_ms"] > 60_000
                    )
                    middle = (cue["start_ms"] + cue["end_ms"]) / 2000
                    seek = f"(p => {{ p.pause(); p.currentTime = {middle}; }})"
                    page.evaluate(f"{seek}(document.getElementById('player'))")
                    page.wait_for_function(
                        "t => document.getElementById('cue').textContent === t", arg=cue["text"]
                    )
                    page.evaluate("window.scrollTo(0, 0)")
                    page.screenshot(path=str(args.screenshot), full_page=False)
                browser.close()
        finally:
            server.stop()
    print(f"rep change submitted -> new track playing on the page: median {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
