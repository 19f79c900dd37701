"""The web app behind `audioguide serve`: a page, a podcast feed and the track files, on Starlette.

Routes only adapt the library: `library` lists what the output folder holds, `builds`
runs the pipeline's own overrides and build, `feed` writes the RSS. On the local network
every route sits under a secret token (`/<token>/...`); anything else gets 403.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import segno
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.templating import Jinja2Templates

from audioguide import __version__, sessions, speech
from audioguide.errors import AudioguideError
from audioguide.export import cover as covers
from audioguide.routine import DEFAULT_LEVEL, LEVELS
from audioguide.web import choices, feed, library
from audioguide.web.builds import Builder, BuildRequest, Change, Settings, in_form_words, music_choices
from audioguide.web.guard import Guard

TOKEN_BYTES = 16  # 128 bits: not guessable on a network, short enough for a QR code
NO_CACHE = "no-cache"  # tracks keep their name across rebuilds: always ask whether it changed
STATIC_CACHE = "public, max-age=3600"
FEED_TYPE = "application/rss+xml; charset=utf-8"
CHAPTERS_TYPE = "application/json+chapters"
QR_SCALE = 4
ARTWORK_SIZES = (96, 192, 256, 512, feed.ARTWORK_PX)  # lock screens' sizes, then the feed's
ARTWORK_SUFFIX = ".jpg"
ARTWORK_CACHE = 64  # pictures kept made, by track version and size
BAD_REQUEST, CREATED, ACCEPTED, FORBIDDEN, NOT_FOUND, UNSUPPORTED = 400, 201, 202, 403, 404, 415
SERVER_ERROR = 500
JSON_TYPE = "application/json"
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
FORBIDDEN_TEXT = "Forbidden: open the address shown by `audioguide serve` (its QR code carries the key)."


@dataclass(frozen=True)
class ServeConfig:
    output: Path  # the folder of tracks; builds from the page write here too
    routines: Path | None = None  # a folder of the user's routine files, offered beside the built-ins
    engine: str = speech.AUTO
    cache_dir: Path | None = None
    token: str | None = None  # when set (LAN mode), every address starts with /<token>/
    # Host names the page may be asked for by; None: any. On this computer only, this keeps
    # another web site from reaching the server through a name it controls (DNS rebinding).
    allowed_hosts: tuple[str, ...] | None = None
    owner: feed.Owner | None = None  # who the feed names as its owner (itunes:owner), if anyone


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def create_app(config: ServeConfig, builder: Builder | None = None) -> Guard:
    """The ASGI app. Builds run on `builder`'s thread, started and stopped with the app."""
    tracks = library.Library(config.output)
    builder = builder or Builder(Settings(config.output, config.engine, config.cache_dir))
    templates = Jinja2Templates(
        env=jinja2.Environment(loader=jinja2.PackageLoader("audioguide.web", "templates"), autoescape=True)
    )

    async def page(request: Request) -> Response:
        address = str(request.url_for("page"))
        context = {
            "base": request.scope.get("root_path", ""),
            "address": address,
            "feed": str(request.url_for("feed")),
            "qr": segno.make(address, error="m").svg_inline(scale=QR_SCALE, title="This page's address"),
            "version": __version__,
        }
        return _no_cache(templates.TemplateResponse(request, "index.html", context))

    async def track_list(request: Request) -> Response:
        found = await run_in_threadpool(tracks.tracks)
        return _no_cache(JSONResponse({"tracks": [track.to_json() for track in found]}))

    async def routine_list(request: Request) -> Response:
        entries = await run_in_threadpool(choices.routines, config.routines)
        return _no_cache(
            JSONResponse(
                {
                    "routines": [entry.to_json() for entry in entries],
                    "levels": list(LEVELS),
                    "default_level": DEFAULT_LEVEL,
                    "languages": list(choices.languages(config.engine)),
                    "engine": config.engine,
                    "music": list(await run_in_threadpool(music_choices)),
                }
            )
        )

    async def podcast(request: Request) -> Response:
        found = await run_in_threadpool(tracks.tracks)

        def versioned(route: str, name: Any = lambda track: track.name) -> Any:
            return lambda track: f"{request.url_for(route, name=name(track))}?v={track.version}"

        links = feed.Links(
            page=str(request.url_for("page")),
            feed=str(request.url_for("feed")),
            audio=lambda track: str(request.url_for("episode", version=track.version, name=track.name)),
            artwork=lambda track: str(
                request.url_for(
                    "artwork", px=feed.ARTWORK_PX, version=track.version, name=track.stem + ARTWORK_SUFFIX
                )
            ),
            chapters=versioned("chapters"),
            captions=versioned("file", lambda track: track.captions),
        )
        return _no_cache(Response(feed.feed_xml(found, links, config.owner), media_type=FEED_TYPE))

    async def served_file(request: Request) -> Response:
        return await _send_file(request, attachment=False)

    async def download(request: Request) -> Response:
        return await _send_file(request, attachment=True)

    async def _send_file(request: Request, attachment: bool) -> Response:
        name = request.path_params["name"]
        found = await run_in_threadpool(tracks.file, name)
        if found is None:
            raise HTTPException(NOT_FOUND)
        path, media_type = found
        try:
            stat = await run_in_threadpool(os.stat, path)
        except OSError:
            raise HTTPException(NOT_FOUND) from None
        response = FileResponse(
            path,
            media_type=media_type,
            stat_result=stat,
            filename=Path(name).name if attachment else None,
            headers={"cache-control": NO_CACHE},
        )
        if _not_modified(request, response):
            return NotModifiedResponse(response.headers)
        return response

    async def cover(request: Request) -> Response:
        found = await run_in_threadpool(tracks.cover, request.path_params["name"])
        if found is None:
            raise HTTPException(NOT_FOUND)
        data, mime = found
        return _no_cache(Response(data, media_type=mime))

    @functools.lru_cache(maxsize=ARTWORK_CACHE)
    def made_artwork(name: str, version: str, px: int) -> covers.Cover | None:
        found = tracks.cover(name)
        return covers.square(found[0], px) if found else None

    def artwork_for(name: str, px: int) -> covers.Cover | None:
        if px not in ARTWORK_SIZES or not name.endswith(ARTWORK_SUFFIX):
            return None
        track = tracks.track(name[: -len(ARTWORK_SUFFIX)] + library.MP3_SUFFIX)
        return made_artwork(track.name, track.version, px) if track and track.cover_mime else None

    async def artwork(request: Request) -> Response:
        """The cover as a square JPEG at a size a podcast directory or a lock screen asks for.

        The address ends in .jpg, as directories require, and carries the track's version.
        """
        try:
            found = await run_in_threadpool(
                artwork_for, request.path_params["name"], request.path_params["px"]
            )
        except AudioguideError:
            found = None
        if found is None:
            raise HTTPException(NOT_FOUND)
        return _no_cache(Response(found.data, media_type=found.mime))

    async def chapters(request: Request) -> Response:
        track = await run_in_threadpool(tracks.track, request.path_params["name"])
        if track is None:
            raise HTTPException(NOT_FOUND)
        return _no_cache(JSONResponse(feed.chapters_json(track), media_type=CHAPTERS_TYPE))

    async def training_log(request: Request) -> Response:
        return _no_cache(JSONResponse(await run_in_threadpool(sessions.summary, config.output)))

    async def played(request: Request) -> Response:
        """The page says a track was played through: a session in the training log."""
        if request.headers.get("content-type", "").split(";")[0].strip() != JSON_TYPE:
            return JSONResponse({"error": f"send the session as {JSON_TYPE}"}, UNSUPPORTED)
        try:
            body = await _json(request)
        except ValueError:
            body = None
        name = body.get("file") if isinstance(body, dict) else None
        if not isinstance(name, str):
            return JSONResponse({"error": "the session was not understood: expected {file}"}, BAD_REQUEST)
        track = await run_in_threadpool(tracks.track, name)
        if track is None:
            return JSONResponse({"error": f"no track '{name}'; reload the page"}, BAD_REQUEST)
        try:
            session = await run_in_threadpool(sessions.record, config.output, track)
        except OSError as exc:
            return JSONResponse({"error": f"cannot write the training log: {exc.strerror}"}, SERVER_ERROR)
        return JSONResponse({"session": session.to_json()}, CREATED)

    async def qr_code(request: Request) -> Response:
        code = segno.make(str(request.url_for("page")), error="m")
        return _no_cache(Response(code.svg_inline(scale=QR_SCALE), media_type="image/svg+xml"))

    async def start_build(request: Request) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip() != JSON_TYPE:
            # Other web sites cannot send JSON here without the browser asking first (CORS).
            return JSONResponse({"error": f"send the form as {JSON_TYPE}"}, UNSUPPORTED)
        try:
            body = await _json(request)
            asked = _build_request(body)
        except ValueError as exc:
            return JSONResponse({"error": f"the form was not understood: {exc}"}, BAD_REQUEST)
        entries = await run_in_threadpool(choices.routines, config.routines)
        entry = choices.find_routine(entries, asked.routine)
        if entry is None:
            return JSONResponse({"error": f"no routine '{asked.routine}'; reload the page"}, BAD_REQUEST)
        try:
            job = await run_in_threadpool(builder.submit, entry.spec, entry.title, asked)
        except AudioguideError as exc:
            labels = {e.slug: f"{e.number}. {e.name}" for e in entry.exercises}
            return JSONResponse({"error": in_form_words(str(exc), labels)}, BAD_REQUEST)
        return JSONResponse({"job": job.to_json()}, ACCEPTED)

    async def build_status(request: Request) -> Response:
        job = builder.job(request.path_params["job_id"])
        if job is None:
            raise HTTPException(NOT_FOUND)
        return _no_cache(JSONResponse({"job": job}))

    routes: list[BaseRoute] = [
        Route("/", page, name="page"),
        Route("/tracks.json", track_list, name="tracks"),
        Route("/routines.json", routine_list, name="routines"),
        Route("/feed.xml", podcast, name="feed"),
        Route("/files/{name:path}", served_file, name="file"),
        Route("/download/{name:path}", download, name="download"),
        # The feed's audio: the version in the path, so the address ends in .mp3 as Apple's checks ask.
        Route("/episodes/{version}/{name:path}", served_file, name="episode"),
        Route("/covers/{name:path}", cover, name="cover"),
        Route("/artwork/{px:int}/{version}/{name:path}", artwork, name="artwork"),
        Route("/chapters/{name:path}", chapters, name="chapters"),
        Route("/qr.svg", qr_code, name="qr"),
        Route("/log.json", training_log, name="log"),
        Route("/log", played, methods=["POST"], name="played"),
        Route("/builds", start_build, methods=["POST"], name="builds"),
        Route("/builds/{job_id}", build_status, name="build"),
        Mount("/static", app=_Static(packages=[("audioguide.web", "static")]), name="static"),
    ]
    if config.token:
        routes = [
            Mount(f"/{config.token}", routes=routes),
            Route(f"/{config.token}", lambda request: RedirectResponse(f"/{config.token}/")),
            Route("/{anything:path}", _forbidden, methods=ANY_METHOD),
        ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        builder.start()
        try:
            yield
        finally:
            await run_in_threadpool(builder.stop)

    app = Starlette(routes=routes, lifespan=lifespan)
    return Guard(app, config.allowed_hosts)


class _Static(StaticFiles):
    """The page's script and style, cached for an hour (their address changes with the version)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers.setdefault("cache-control", STATIC_CACHE)
        return response


async def _forbidden(request: Request) -> Response:
    return PlainTextResponse(FORBIDDEN_TEXT, FORBIDDEN)


async def _json(request: Request) -> Any:
    """The request's JSON body; ValueError if it is none, nests deeper than Python reads, or
    the client left before sending it all."""
    try:
        return await request.json()
    except RecursionError:
        raise ValueError("it nests too deep") from None
    except ClientDisconnect:
        raise ValueError("the request ended before its body") from None


def _no_cache(response: Response) -> Response:
    response.headers["cache-control"] = NO_CACHE
    return response


def _not_modified(request: Request, response: Response) -> bool:
    asked = request.headers.get("if-none-match")
    etag = response.headers.get("etag")
    return bool(asked and etag) and etag in [tag.strip().removeprefix("W/") for tag in asked.split(",")]


def _build_request(body: Any) -> BuildRequest:
    """The page's JSON (`routine`, `level`, `lang`, `changes`) as a BuildRequest; ValueError if malformed."""
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    changes = body.get("changes", [])
    if not isinstance(changes, list) or not all(isinstance(c, dict) for c in changes):
        raise ValueError("changes must be a list of {kind, exercise, value}")
    fields = [
        body.get("routine"),
        body.get("level", DEFAULT_LEVEL),
        body.get("lang") or "",
        body.get("music") or "",
    ]
    fields += [c.get(key) for c in changes for key in ("kind", "exercise", "value")]
    if not all(isinstance(value, str) for value in fields):
        raise ValueError("every field must be text")
    return BuildRequest(
        routine=body["routine"],
        level=body.get("level", DEFAULT_LEVEL),
        lang=body.get("lang") or None,
        changes=tuple(Change(c["kind"], c["exercise"], c["value"]) for c in changes),
        music=body.get("music") or "",
    )
