"""Builds asked for from the page: checked at once, then made one at a time, in order.

A request names a routine, a level, a language and changes to its exercises. It becomes
the very overrides the command line makes (`--reps heel-raises=16`) and goes through
`overrides.resolve` and `build.build`, so a phone gets the same rules, checks and messages
as the terminal. A bad request is refused before it is queued; a build that fails
later is reported on its job. Neither ever stops the server.
"""

from __future__ import annotations

import itertools
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from audioguide import build as pipeline
from audioguide import music
from audioguide import settings as user_settings
from audioguide.authoring import overrides
from audioguide.errors import AudioguideError, ConfigError, ServeError
from audioguide.export import Written
from audioguide.files import sha256_of
from audioguide.routine import LEVELS, Routine

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FORM_KINDS = (overrides.REPS, overrides.SETS, overrides.HOLD, overrides.REST)
MAX_WAITING = 8  # builds queued behind the running one; more are refused until some finish
KEEP_JOBS = 50  # finished jobs remembered for the page to ask about
STOP_WAIT_S = 30.0
# What builds from the page may keep on disk: past it, the oldest page builds are removed
# (only files whose content is still what the build wrote; the track just built always stays).
PAGE_BUILDS_BYTES = 500 * 1024 * 1024

log = logging.getLogger(__name__)

# The command line's words in an override's message: `--reps lift=zero: `, the place in the
# routine (`exercises[1].steps[0].reps: `) and hints at other options (`. Use --hold, or ...`).
_OPTION = re.compile(r"--(?P<kind>[a-z]+) (?P<exercise>[^=\s]+)=(?P<value>.*?): (?P<why>.*)", re.DOTALL)
_PLACE = re.compile(r"^exercises\[\d+\](?:\.steps\[\d+\])?\.\w+: ")
_OPTION_HINT = re.compile(r"\. [^.]*--.*$", re.DOTALL)

Runner = Callable[[Routine, pipeline.BuildOptions, pipeline.Progress], pipeline.BuildResult]


@dataclass(frozen=True)
class Change:
    """One field of the form: `reps` of `heel-raises` set to `16`."""

    kind: str
    exercise: str  # slug, name or number, as the command line takes it
    value: str


@dataclass(frozen=True)
class BuildRequest:
    routine: str  # a routine's id from the library listing
    level: str
    lang: str | None = None  # None: the engine's default
    changes: tuple[Change, ...] = ()
    music: str = ""  # one of `music_choices()` by its id; "": none


def music_choices() -> dict[str, Path]:
    """The music the page offers, by id: what `audioguide config set music` names, listed.
    A request picks one by its id; nothing the phone sends is taken as a path."""
    try:
        configured = user_settings.load().get("music")
    except ConfigError:
        return {}
    return music.choices(Path(configured)) if configured else {}


@dataclass(frozen=True)
class Settings:
    """How the server builds: where tracks go, with which engine and phrase cache."""

    output: Path
    engine: str
    cache_dir: Path | None = None


@dataclass
class Job:
    """A build asked for from the page. Changed only by the builder, under its lock."""

    id: str
    title: str
    routine: Routine = field(repr=False)
    options: pipeline.BuildOptions = field(repr=False)
    state: str = QUEUED
    error: str = ""
    track: str = ""  # the file name written, once done
    warnings: tuple[str, ...] = ()
    stage: str = ""
    done: int = 0
    total: int = 0
    submitted: float = field(default_factory=time.time)  # seconds since the epoch
    started: float | None = None
    finished: float | None = None

    def to_json(self) -> dict[str, object]:
        seconds = None
        if self.started is not None and self.finished is not None:
            seconds = round(self.finished - self.started, 3)
        return {
            "id": self.id,
            "title": self.title,
            "state": self.state,
            "error": self.error,
            "track": self.track,
            "warnings": list(self.warnings),
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "build_seconds": seconds,
            "started": self.started,
            "finished": self.finished,
        }


class _Stopped(Exception):
    """Raised inside a running build when the server stops; the build's files are discarded."""


def to_overrides(changes: tuple[Change, ...]) -> tuple[overrides.Override, ...]:
    """The form's non-empty fields as the command line's overrides, read by the same parser."""
    found = []
    for change in changes:
        if change.kind not in FORM_KINDS:
            raise ServeError(
                f"cannot change '{change.kind}' from the page; change one of: {', '.join(FORM_KINDS)}"
            )
        if change.value.strip():
            found.append(overrides.parse(change.kind, f"{change.exercise}={change.value.strip()}"))
    return tuple(found)


def in_form_words(message: str, labels: Mapping[str, str]) -> str:
    """An override's message as the form puts it: the exercise's label and the field, then the rule.

    `labels` maps an exercise's slug to its label in the form ("2. Lift"). Messages that are
    not about one field come back as they are.
    """
    match = _OPTION.match(message)
    if match is None:
        return message
    why = _OPTION_HINT.sub(".", _PLACE.sub("", match["why"], count=1))
    return f"{labels.get(match['exercise'], match['exercise'])}, {match['kind']}: {why}"


class Builder:
    """Runs builds one at a time on a thread of its own, in the order they were asked for."""

    def __init__(self, settings: Settings, run: Runner = pipeline.build):
        self.settings = settings
        self._run = run
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._thread = threading.Thread(target=self._work, name="audioguide-builds", daemon=True)
        # each page build's files, oldest first: their size and SHA-256 when written
        self._kept: list[dict[Path, tuple[int, str]]] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait_s: float = STOP_WAIT_S) -> None:
        """Cancel waiting builds, stop the running one (its files are discarded), end the thread."""
        self._stopping.set()
        with self._lock:
            for job in self._jobs.values():
                if job.state == QUEUED:
                    job.state, job.error = CANCELLED, "the server stopped before this build started"
        self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join(wait_s)

    def submit(self, spec: str, title: str, request: BuildRequest) -> Job:
        """Check the request as the command line would, then queue it. Raises AudioguideError."""
        if request.level not in LEVELS:
            raise ServeError(f"no level '{request.level}'; choose one of: {', '.join(LEVELS)}")
        custom = overrides.resolve(spec, to_overrides(request.changes))
        chosen = music_choices().get(request.music) if request.music else None
        if request.music and chosen is None:
            raise ServeError(f"no music '{request.music}' in your music folder; reload the page")
        options = pipeline.BuildOptions(
            level=request.level,
            engine=self.settings.engine,
            lang=request.lang or None,
            output=self.settings.output,
            cache_dir=self.settings.cache_dir,
            custom=custom.description,
            music=chosen,
        )
        with self._lock:
            if self._stopping.is_set():
                raise ServeError("the server is stopping; build again once it is back")
            waiting = sum(1 for job in self._jobs.values() if job.state == QUEUED)
            if waiting >= MAX_WAITING:
                raise ServeError(f"{waiting} builds are already waiting; try again when one has finished")
            described = f"{title} ({custom.description})" if custom.description else title
            job = Job(str(next(self._ids)), described, custom.routine, options)
            self._jobs[job.id] = job
            self._forget_old()
        self._queue.put(job)
        return job

    def job(self, job_id: str) -> dict[str, object] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return job.to_json() if job else None

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.state in (DONE, FAILED, CANCELLED)]
        for job in finished[: max(0, len(self._jobs) - KEEP_JOBS)]:
            del self._jobs[job.id]

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            if not self._stopping.is_set():
                self._build(job)

    def _build(self, job: Job) -> None:
        with self._lock:
            if job.state != QUEUED:
                return
            job.state, job.started = RUNNING, time.time()

        def progress(stage: str, done: int, total: int) -> None:
            if self._stopping.is_set():
                raise _Stopped
            with self._lock:
                job.stage, job.done, job.total = stage, done, total

        state, error, track, warnings = FAILED, "", "", ()
        try:
            result = self._run(job.routine, job.options, progress)
        except _Stopped:
            state, error = CANCELLED, "the server stopped during this build; nothing was written"
        except AudioguideError as exc:
            error = str(exc)
        except Exception as exc:  # a build's failure is the job's, never the server's
            log.exception("build %s failed", job.id)
            error = f"the build failed unexpectedly ({type(exc).__name__}: {exc})"
        else:
            state, track, warnings = DONE, result.written.mp3.name, result.warnings
            self._keep_within_budget(result.written)
        with self._lock:
            job.state, job.error, job.track, job.warnings = state, error, track, warnings
            job.finished = time.time()

    def _keep_within_budget(self, written: Written) -> None:
        """Record what a page build wrote, then remove the oldest page builds past PAGE_BUILDS_BYTES."""
        paths = [written.mp3, *written.tracks, written.timeline, written.cues, *written.lyrics]
        paths += [written.playlist] if written.playlist else []
        files: dict[Path, tuple[int, str]] = {}
        for path in dict.fromkeys(paths):
            try:
                size = path.stat().st_size
            except OSError:
                continue
            digest = sha256_of(path, size)
            if digest is not None:
                files[path] = (size, digest)
        self._kept = [{p: f for p, f in old.items() if p not in files} for old in self._kept]  # replaced
        self._kept = [old for old in self._kept if old] + [files]
        while len(self._kept) > 1 and sum(size for kept in self._kept for size, _ in kept.values()) > (
            PAGE_BUILDS_BYTES
        ):
            oldest = self._kept.pop(0)
            found = {path: sha256_of(path, size) for path, (size, _) in oldest.items()}
            if any(found[path] not in (None, digest) for path, (_, digest) in oldest.items()):
                continue  # a file of the set was changed since: the set is the user's now, and stays
            for path in (path for path, digest in found.items() if digest is not None):
                try:
                    path.unlink()
                except OSError as exc:
                    log.warning("cannot remove the old page build %s: %s", path, exc.strerror)
