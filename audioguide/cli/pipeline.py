"""The pipeline's commands: `build`, `script` and `list`.

What `build` needs to find a track up to date is imported here; the compiler, the estimates
and the dry run are imported where they run, so that answer comes at once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from audioguide import music, routine, settings, speech
from audioguide.build import BuildOptions, build
from audioguide.cli.custom import chosen, customized, override_options
from audioguide.cli.speech import CACHE_DIR_OPTION
from audioguide.cues import clock, counted
from audioguide.export import DEFAULT_BITRATE, DEFAULT_RATE
from audioguide.phrases import base_language
from audioguide.routine import DEFAULT_LEVEL, LEVELS

ROUTINE_ARG = click.argument("routine_spec", metavar="[ROUTINE]", required=False)
LEVEL_OPTION = click.option(
    "--level", type=click.Choice(LEVELS, case_sensitive=False),
    help=f"Where a routine gives a range (10-20 reps), easy takes the low end, hard the high. "
    f"Default: your config's level, else {DEFAULT_LEVEL}.",
)  # fmt: skip
# audioguide's own defaults, where neither the command line nor your config says
DEFAULTS = {"engine": speech.AUTO, "voice": None, "lang": None, "level": DEFAULT_LEVEL, "output": None}
UNSET_SHOWN = {"voice": "the engine's own", "lang": "the routine's own", "output": "output/"}


@click.command("build", short_help="Build a routine into an MP3 track with its sidecars.")
@ROUTINE_ARG
@LEVEL_OPTION
@click.option(
    "--engine",
    callback=lambda ctx, param, value: None if value is None else _engine_name(value),
    help="Speech engine: auto (Google if reachable, else offline pico or espeak), gtts, pico, espeak, piper. "
    "Default: your config's engine, else auto.",
)
@click.option(
    "--lang",
    help="Language, e.g. en, en-GB, de, es, fr, it, pt: the voice's and the phrases'. A built-in "
    "routine is taken in that language. Default: your config's lang, else the routine's own (lang: key).",
)
@click.option(
    "--tld", default="com", show_default=True, help="gtts only: Google accent domain (com, co.uk, com.au...)."
)
@click.option("--slow", is_flag=True, help="gtts only: slower speech.")
@click.option(
    "--voice", help="espeak: a voice such as en-us+f3; piper: a NAME.onnx model or downloaded voice."
)
@click.option(
    "--rate",
    "speed",
    type=click.FloatRange(0.5, 2.0),
    default=1.0,
    show_default=True,
    help="Speaking speed (1.2 is a fifth faster): pico, espeak, piper.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 16),
    default=speech.DEFAULT_JOBS,
    show_default=True,
    help="Phrases synthesized at once by an online engine.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Name the voice the build would use and why, list its cached phrases and those to synthesize; "
    "build nothing.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Output .mp3 file or folder. Default: your config's output folder, else output/<routine>.mp3",
)
@click.option(
    "--bitrate",
    default=DEFAULT_BITRATE,
    show_default=True,
    help="MP3 bitrate: 32k to 320k at 32 kHz and up, 8k to 160k below (to 64k under 16 kHz).",
)
@click.option(
    "--sample-rate", type=int, default=DEFAULT_RATE, show_default=True, help="MP3 sample rate in Hz."
)
@click.option("--stereo", is_flag=True, help="Write two channels (the voice is mono either way).")
@click.option("--split", is_flag=True, help="One MP3 per exercise in a folder, with an .m3u8 playlist.")
@click.option(
    "--cover",
    type=click.Path(path_type=Path),
    help="Cover picture (JPEG or PNG). Default: the routine's cover, or one made from its title.",
)
@click.option(
    "--music",
    "music_path",
    type=click.Path(path_type=Path),
    help="Your music under the voice, ducked under every cue: an audio file, a folder of them or an "
    ".m3u/.m3u8 playlist, played in order and looped. Default: the routine's music key, else none.",
)
@click.option(
    "--music-level",
    type=float,
    default=music.DEFAULT_LEVEL_DB,
    show_default=True,
    help="The music's loudness against the voice's, in dB (negative: quieter).",
)
@click.option(
    "--music-duck",
    type=float,
    default=music.DEFAULT_DUCK_DB,
    show_default=True,
    help="How far the music dips under each cue, in dB; it goes down 200 ms before the cue and is back "
    "700 ms after it.",
)
@CACHE_DIR_OPTION
@click.option(
    "--no-reuse", is_flag=True, help="Encode the whole track in one pass, reusing no cached segments."
)
@click.option(
    "--force",
    is_flag=True,
    help="Build even when the track in place is up to date (made from the same routine, options, voice, "
    "cached phrases and audioguide, its files untouched since).",
)
@override_options
def build_command(
    routine_spec,
    level,
    engine,
    lang,
    tld,
    slow,
    voice,
    speed,
    jobs,
    dry_run,
    output,
    bitrate,
    sample_rate,
    stereo,
    split,
    cover,
    music_path,
    music_level,
    music_duck,
    cache_dir,
    no_reuse,
    force,
    **changes,
) -> None:
    """Build ROUTINE (a YAML file or a built-in name) into an MP3 with sidecars.

    Without ROUTINE, the built-in feet-and-back (`audioguide list` shows them all). A name is
    your NAME.yaml in this folder when there is one, else the built-in (builtin:NAME always is).
    Overrides change the routine for this build without editing it; the track's name
    and title then say what changed.
    """
    given = {"engine": engine, "voice": voice, "lang": lang, "level": level, "output": output}
    chosen_settings = settings.effective(given, DEFAULTS)
    engine, voice, lang, level, output_dir = (chosen_settings[key].value for key in given)
    if chosen_settings["voice"].origin == settings.YOUR_CONFIG and not _takes_voice(engine):
        voice = None  # your config's voice is for the engines that have voices (espeak, piper)
    output = Path(output_dir) if output_dir else None
    custom = customized(routine.localized(chosen(routine_spec), lang), changes)
    loaded = custom.routine
    lang = _lang_for(loaded, chosen_settings)
    engine_options = {"tld": tld, "slow": slow} if engine in ("gtts", speech.AUTO) else {}
    engine_options.update({"voice": voice} if voice else {}, **({"speed": speed} if speed != 1.0 else {}))
    options = BuildOptions(
        level=level, engine=engine, lang=lang, output=output, bitrate=bitrate, cache_dir=cache_dir,
        engine_options=engine_options, jobs=jobs, custom=custom.description,
        rate=sample_rate, channels=2 if stereo else 1, split=split, cover=cover, reuse=not no_reuse,
        music=music_path, music_settings=music.Settings(music_level, music_duck),
        force=force,
    )  # fmt: skip
    if dry_run:
        from_config = chosen_settings["engine"].origin == settings.YOUR_CONFIG
        by = f"engine {engine} in your config ({settings.config_path()})" if from_config else ""
        from audioguide.cli.speech import show_plan
        from audioguide.dryrun import plan

        show_plan(plan(loaded, options, by))
        _show_settings(chosen_settings)
        return
    with _Progress() as progress:
        result = build(loaded, options, progress)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    cached = result.phrases - result.synthesized
    written = result.written
    tracks = counted(len(written.tracks), "track")
    what = f"{tracks} and {written.playlist}" if written.playlist else written.mp3
    if result.up_to_date:
        click.echo(
            f"Up to date: {what} ({clock(result.script.duration_ms)}, level {level}) "
            f"with voice {result.engine} ({result.voice}): nothing written. --force builds it again."
        )
        return
    click.echo(
        f"Wrote {what} ({clock(result.script.duration_ms)}, level {level}) "
        f"with voice {result.engine} ({result.voice}): "
        f"{counted(result.synthesized, 'phrase')} synthesized, {cached} from cache."
    )
    click.echo(f"Sidecars: {written.timeline}, {written.cues}, and .lrc and .vtt lyrics beside each track")
    if engine == speech.AUTO and speech.engine_class(result.engine).online and result.synthesized:
        _google_notice()


def _google_notice() -> None:
    """Once: where the routine's words went, and how to keep every build offline."""
    if settings.said(settings.GOOGLE_NOTICE):
        return
    click.echo(
        "note: under the engine auto, this build sent the routine's words to Google's speech service. "
        "To keep every build offline: audioguide config set engine pico (this note is shown once)",
        err=True,
    )
    settings.remember_said(settings.GOOGLE_NOTICE)


def _show_settings(chosen: dict[str, settings.Setting]) -> None:
    """Each setting the build used and where it came from: command line, your config or default."""
    click.echo(f"Settings (from the command line, else your config {settings.config_path()}, else default):")
    for key, setting in chosen.items():
        value = setting.value if setting.value is not None else f"({UNSET_SHOWN[key]})"
        click.echo(f"  {key:<7} {value:<24} {setting.origin}")


@click.command("script", short_help="Print a routine's cue script and estimated lengths; no audio.")
@ROUTINE_ARG
@LEVEL_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the cue script and estimated lengths as JSON.")
@click.option(
    "--lang",
    help="The phrases' language; a built-in routine is taken in it. Default: your config's, else its own.",
)
@override_options
def script_command(routine_spec, level, as_json, lang, **changes) -> None:
    """Print ROUTINE's cue script and each exercise's estimated length; synthesizes nothing.

    ROUTINE is a YAML file or a built-in name (your NAME.yaml in this folder first); without it,
    the built-in feet-and-back.
    """
    chosen_settings = settings.effective({"level": level, "lang": lang}, DEFAULTS)
    level, lang = chosen_settings["level"].value, chosen_settings["lang"].value
    loaded = customized(routine.localized(chosen(routine_spec), lang), changes).routine
    from audioguide.estimates import estimate

    planned = estimate(loaded, level, lang=_lang_for(loaded, chosen_settings))
    if as_json:
        click.echo(json.dumps(planned.to_json(), indent=1))
        return
    click.echo("Times are estimates: the real voice's phrase lengths shift them slightly.\n")
    click.echo(planned.lengths_text())
    click.echo(planned.script.to_text(), nl=False)
    for warning in planned.script.warnings:
        click.echo(f"warning: {warning}", err=True)


@click.command("list", short_help="List the built-in routines and their length at each level.")
def list_command() -> None:
    """List the built-in routines with their estimated length at each level, and their languages."""
    from audioguide.compiler import compile_routine

    for name in routine.builtin_names():
        loaded = routine.load_builtin(name)
        lengths = ", ".join(
            f"{level} {clock(compile_routine(loaded, level).duration_ms)}" for level in LEVELS
        )
        click.echo(f"{name}: {loaded.title}, {counted(len(loaded.exercises), 'exercise')} ({lengths})")
        versions = routine.builtin_languages(name)
        if len(versions) > 1:
            other = next(v for lang, v in versions.items() if v != name)
            click.echo(
                f"  languages: {', '.join(versions)} (build --lang {other.rsplit('.', 1)[1]}, "
                f"or by name: {other})"
            )


def _lang_for(loaded: routine.Routine, chosen: dict[str, settings.Setting]) -> str | None:
    """The language to speak: your config's is for routines that do not say theirs in another.

    A routine whose `lang:` names another language keeps it (a German routine stays German
    under `lang: en-GB` in your config); the command line's --lang always applies.
    """
    lang = chosen["lang"]
    if lang.origin != settings.YOUR_CONFIG or not loaded.lang or lang.value is None:
        return lang.value
    if base_language(loaded.lang) == base_language(lang.value):
        return lang.value
    chosen["lang"] = settings.Setting(loaded.lang, f"the routine's own, not your config's {lang.value}")
    return None


def _takes_voice(engine: str) -> bool:
    cls = speech.engines().get(engine)
    return cls is not None and cls.supports_voice


def _engine_name(name: str) -> str:
    """An engine's name as registered, whatever its case (`Pico` -> `pico`); unknown names pass on."""
    return speech.engine_name(name) or name


class _Progress:
    """A progress bar on a terminal; silent when stderr is a file or a pipe."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.stage = ""

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled and self.stage:
            click.echo(err=True)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self.stage and self.stage:
            click.echo(err=True)
        self.stage = stage
        width = 30
        filled = width * done // max(total, 1)
        label = "synthesizing" if stage == "speech" else "rendering  "
        click.echo(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", err=True, nl=False)
