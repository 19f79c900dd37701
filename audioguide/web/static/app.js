// The page: list and play tracks with their cue text and chapters, as a player the phone's lock
// screen shows (Media Session), and build customized ones.
"use strict";

const BASE = document.body.dataset.base || "";
const POLL_MS = 250;
const KINDS = ["reps", "sets", "hold", "rest"];
const ARTWORK_SIZES = [96, 192, 256, 512];
const SEEK_STEP_S = 10; // the lock screen's skip back and forward
const RESTART_CHAPTER_S = 3; // "previous" within this far into a chapter goes to the one before
const $ = (id) => document.getElementById(id);
let routines = [];
let tracks = [];
let playing = null; // the track in the player
let heard = 0; // seconds of it heard in this play, seeks not counted
let lastTime = 0;
let logged = false;
const PLAYED_FRACTION = 0.9; // played this far through, a track is a session in the log
const MAX_STEP_S = 1.5; // a jump in time larger than this (at normal speed) is a seek, not listening

function clock(ms) {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
}

async function getJSON(path) {
  const response = await fetch(BASE + path, { cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${response.statusText}`);
  return response.json();
}

// A track's length as the feed gives it: whole seconds, rounded up.
function length(ms) {
  return clock(Math.ceil(ms / 1000) * 1000);
}

function pathOf(name) {
  return name.split("/").map(encodeURIComponent).join("/");
}

function fileUrl(name, track) {
  return `${BASE}/files/${pathOf(name)}?v=${track.version}`;
}

function artworkUrl(track, px) {
  return `${BASE}/artwork/${px}/${track.version}/${pathOf(track.name.replace(/\.mp3$/, ""))}.jpg`;
}

function describe(track) {
  const parts = [length(track.duration_ms), track.level, track.language, track.engine].filter(Boolean);
  return parts.join(" · ") + (track.changed ? ` · changed: ${track.changed}` : "");
}

function albumOf(track) {
  return track.album ? tracks.filter((other) => other.album === track.album) : [track];
}

function renderTracks(highlight) {
  const list = $("tracks");
  list.replaceChildren();
  if (!tracks.length) {
    list.append(el("li", { className: "empty", textContent: "No tracks yet: build one below." }));
    return;
  }
  for (const track of tracks) {
    if (track.album && track.number === albumOf(track)[0].number) {
      const parts = `${albumOf(track).length} tracks, played one after the other`;
      list.append(
        el("li", { className: "album" }, [
          el("div", { className: "title", textContent: track.album_title }),
          el("div", { className: "meta", textContent: `${parts} · ${track.level}` }),
        ]),
      );
    }
    const cover = el("img", { alt: "", width: 56, height: 56 });
    if (track.cover) cover.src = artworkUrl(track, ARTWORK_SIZES[1]);
    const play = el("button", { type: "button", className: "play", textContent: "Play" });
    play.addEventListener("click", () => playTrack(track));
    const download = el("a", {
      className: "button secondary download",
      href: `${BASE}/download/${pathOf(track.name)}`,
      textContent: "Download",
    });
    download.setAttribute("download", track.name.split("/").pop());
    const item = el("li", { className: "track" }, [
      cover,
      el("div", { className: "info" }, [
        el("div", { className: "title", textContent: track.album ? `${track.number}. ${track.title}` : track.title }),
        el("div", { className: "meta", textContent: describe(track) }),
      ]),
      el("div", { className: "actions" }, [play, download]),
    ]);
    item.dataset.name = track.name;
    if (track.album) item.classList.add("in-album");
    if (track.name === highlight) item.classList.add("new");
    list.append(item);
  }
}

async function loadTracks(highlight) {
  tracks = (await getJSON("/tracks.json")).tracks;
  renderTracks(highlight);
}

function showCue(textTrack) {
  const active = textTrack.activeCues;
  $("cue").textContent = active && active.length ? Array.from(active, (cue) => cue.text).join(" ") : "";
}

function playTrack(track) {
  const player = $("player");
  playing = track;
  $("player-card").hidden = false;
  $("now-title").textContent = track.album ? `${track.album_title} ${track.number}/${track.of}: ${track.title}` : track.title;
  $("now-meta").textContent = describe(track);
  $("now-cover").src = track.cover ? artworkUrl(track, ARTWORK_SIZES[1]) : "";
  $("cue").textContent = "";
  for (const old of player.querySelectorAll("track")) old.remove();
  player.dataset.track = track.name;
  player.src = fileUrl(track.name, track);
  if (track.captions) {
    const captions = el("track", { kind: "metadata", label: "Cues", src: fileUrl(track.captions, track), default: true });
    player.append(captions);
    captions.track.mode = "hidden";
    captions.track.addEventListener("cuechange", () => showCue(captions.track));
  }
  renderChapters(track);
  showChapter();
  setSession(track);
  heard = 0;
  lastTime = 0;
  logged = false;
  player.play().catch(() => {
    // A phone may refuse to start sound without a tap: the controls are there to press.
  });
}

// --- chapters: the list to jump to, and what is on now and next, large -----------------------

function chapterAt(track, seconds) {
  let index = 0;
  track.chapters.forEach((chapter, i) => {
    if (chapter.start_ms / 1000 <= seconds + 0.001) index = i;
  });
  return index;
}

function renderChapters(track) {
  const list = $("chapters");
  list.replaceChildren(
    ...track.chapters.map((chapter, index) => {
      const jump = el("button", { type: "button", className: "chapter secondary" }, [
        el("span", { className: "at", textContent: clock(chapter.start_ms) }),
        el("span", { textContent: chapter.title }),
      ]);
      jump.addEventListener("click", () => goToChapter(index));
      return el("li", {}, [jump]);
    }),
  );
  $("chapters-box").hidden = !track.chapters.length;
}

function nextTrack() {
  if (!playing || !playing.album) return null;
  return albumOf(playing).find((track) => track.number === playing.number + 1) || null;
}

function previousTrack() {
  if (!playing || !playing.album) return null;
  return albumOf(playing).find((track) => track.number === playing.number - 1) || null;
}

function showChapter() {
  if (!playing) return;
  const chapters = playing.chapters;
  const index = chapterAt(playing, $("player").currentTime);
  $("now-exercise").textContent = chapters.length ? chapters[index].title : "";
  const after = chapters[index + 1];
  const following = nextTrack();
  $("next-exercise").textContent = after ? `Next: ${after.title}` : following ? `Next: ${following.title}` : "";
  $("chapters").querySelectorAll("li").forEach((item, i) => item.classList.toggle("current", i === index));
}

function goToChapter(index) {
  const player = $("player");
  const chapters = playing ? playing.chapters : [];
  if (index >= chapters.length) {
    const following = nextTrack();
    if (following) playTrack(following);
    return;
  }
  if (index < 0) {
    const before = previousTrack();
    if (before) playTrack(before);
    else player.currentTime = 0;
    return;
  }
  player.currentTime = chapters[index].start_ms / 1000;
  showChapter();
  updatePosition();
}

function nextChapter() {
  if (playing) goToChapter(chapterAt(playing, $("player").currentTime) + 1);
}

function previousChapter() {
  if (!playing) return;
  const seconds = $("player").currentTime;
  const index = chapterAt(playing, seconds);
  const into = seconds - (playing.chapters.length ? playing.chapters[index].start_ms / 1000 : 0);
  goToChapter(into > RESTART_CHAPTER_S ? index : index - 1);
}

// --- the lock screen and the phone's media controls (Media Session) --------------------------

function setSession(track) {
  if (!("mediaSession" in navigator)) return;
  navigator.mediaSession.metadata = new MediaMetadata({
    title: track.title,
    artist: track.album_title || track.title,
    album: [track.level && `Level ${track.level}`, track.changed].filter(Boolean).join(" · ") || "audioguide",
    artwork: track.cover
      ? ARTWORK_SIZES.map((px) => ({ src: new URL(artworkUrl(track, px), location.href).href, sizes: `${px}x${px}`, type: "image/jpeg" }))
      : [],
  });
}

function updatePosition() {
  const player = $("player");
  if (!("mediaSession" in navigator) || !navigator.mediaSession.setPositionState) return;
  if (!Number.isFinite(player.duration) || player.duration <= 0) return;
  try {
    navigator.mediaSession.setPositionState({
      duration: player.duration,
      playbackRate: player.playbackRate,
      position: Math.min(player.currentTime, player.duration),
    });
  } catch {
    // A browser that disagrees with a position leaves the lock screen's own.
  }
}

function setActions() {
  if (!("mediaSession" in navigator)) return;
  const player = $("player");
  const actions = {
    play: () => player.play(),
    pause: () => player.pause(),
    seekto: (details) => {
      player.currentTime = details.seekTime;
      updatePosition();
    },
    seekbackward: (details) => {
      player.currentTime = Math.max(0, player.currentTime - (details.seekOffset || SEEK_STEP_S));
      updatePosition();
    },
    seekforward: (details) => {
      player.currentTime = Math.min(player.duration || 0, player.currentTime + (details.seekOffset || SEEK_STEP_S));
      updatePosition();
    },
    previoustrack: previousChapter,
    nexttrack: nextChapter,
  };
  for (const [action, handler] of Object.entries(actions)) {
    try {
      navigator.mediaSession.setActionHandler(action, handler);
    } catch {
      // An action this browser does not know.
    }
  }
}

// --- the training log -----------------------------------------------------------------------

function sessionText(session) {
  const when = new Date(session.date).toLocaleString(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  const what = session.track === session.routine ? session.routine : `${session.routine}: ${session.track}`;
  return `${when} · ${what} · ${session.level}${session.changed ? ` · changed: ${session.changed}` : ""}`;
}

async function loadLog() {
  const log = await getJSON("/log.json");
  $("log-week").textContent = `This week: ${log.this_week} session${log.this_week === 1 ? "" : "s"}`;
  $("log").replaceChildren(...log.sessions.map((session) => el("li", { textContent: sessionText(session) })));
  if (!log.sessions.length) $("log").append(el("li", { className: "empty", textContent: "No sessions yet: play a track through." }));
}

async function logPlayed(track) {
  const response = await fetch(`${BASE}/log`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ file: track.name }),
  });
  if (response.ok) await loadLog();
}

function countListening() {
  const player = $("player");
  const step = player.currentTime - lastTime;
  lastTime = player.currentTime;
  if (step > 0 && step < MAX_STEP_S * player.playbackRate && !player.paused) heard += step;
  if (!logged && playing && Number.isFinite(player.duration) && heard >= PLAYED_FRACTION * player.duration) {
    logged = true;
    logPlayed(playing).catch(() => {
      logged = false; // try again at the next update
    });
  }
}

function watchPlayer() {
  const player = $("player");
  player.addEventListener("timeupdate", showChapter);
  player.addEventListener("timeupdate", countListening);
  player.addEventListener("seeked", () => {
    lastTime = player.currentTime;
  });
  player.addEventListener("loadedmetadata", updatePosition);
  player.addEventListener("play", () => {
    if ("mediaSession" in navigator) navigator.mediaSession.playbackState = "playing";
    updatePosition();
  });
  player.addEventListener("pause", () => {
    if ("mediaSession" in navigator) navigator.mediaSession.playbackState = "paused";
  });
  player.addEventListener("ended", () => {
    const following = nextTrack();
    if (following) playTrack(following); // a split build plays on, one track after the other
  });
  $("prev-chapter").addEventListener("click", previousChapter);
  $("next-chapter").addEventListener("click", nextChapter);
  setActions();
}

function selectedRoutine() {
  return routines.find((entry) => entry.id === $("routine").value);
}

function renderExercises() {
  const box = $("exercises");
  box.replaceChildren();
  const entry = selectedRoutine();
  if (!entry) return;
  if (entry.error) {
    box.append(el("pre", { className: "error", textContent: entry.error }));
    return;
  }
  for (const exercise of entry.exercises) {
    const fields = el("div", { className: "fields" });
    let rest = null;
    let sets = null;
    for (const kind of KINDS) {
      if (exercise[kind] === null) continue;
      const input = el("input", {
        name: `${kind}:${exercise.slug}`,
        placeholder: exercise[kind],
        autocomplete: "off",
        inputMode: kind === "reps" || kind === "sets" ? "numeric" : "text",
      });
      input.dataset.kind = kind;
      input.dataset.exercise = exercise.slug;
      const label = el("label", { textContent: kind }, [input]);
      fields.append(label);
      if (kind === "rest") rest = label;
      if (kind === "sets") sets = input;
    }
    if (rest && sets) {
      // A rest is between rounds: with one round there is none to change.
      const showRest = () => {
        const rounds = parseInt(sets.value.trim() || exercise.sets, 10);
        rest.hidden = !(rounds > 1);
        if (rest.hidden) rest.querySelector("input").value = "";
      };
      sets.addEventListener("input", showRest);
      showRest();
    }
    box.append(el("fieldset", {}, [el("legend", { textContent: `${exercise.number}. ${exercise.name}` }), fields]));
  }
}

async function loadRoutines() {
  const data = await getJSON("/routines.json");
  routines = data.routines;
  // Two routines may share a title: a file of yours is told apart by its name.
  const label = (r) => (r.id.startsWith("file:") ? `${r.title} (${r.id.slice("file:".length)})` : r.title);
  $("routine").replaceChildren(...routines.map((r) => el("option", { value: r.id, textContent: label(r) })));
  $("level").replaceChildren(
    ...data.levels.map((level) => el("option", { value: level, textContent: level, selected: level === data.default_level })),
  );
  $("lang").replaceChildren(
    el("option", { value: "", textContent: "default" }),
    ...data.languages.map((lang) => el("option", { value: lang, textContent: lang })),
  );
  // Music from the folder set on the computer (audioguide config set music ...); nothing is uploaded.
  $("music-choice").hidden = !data.music.length;
  $("music").replaceChildren(
    el("option", { value: "", textContent: "none" }),
    ...data.music.map((id) => el("option", { value: id, textContent: id === "." ? "the whole folder" : id })),
  );
  renderExercises();
}

function showError(text) {
  $("build-error").hidden = !text;
  $("build-error").textContent = text || "";
}

function progressText(job) {
  if (job.state === "queued") return "Waiting for the build before it…";
  if (job.stage === "speech") return `Speaking new phrases ${job.done}/${job.total}…`;
  if (job.stage === "render") return `Making the track: ${job.total ? Math.floor((100 * job.done) / job.total) : 0}%…`;
  return "Building…";
}

async function follow(jobId) {
  for (;;) {
    const { job } = await getJSON(`/builds/${jobId}`);
    if (job.state === "done") return job;
    if (job.state === "failed" || job.state === "cancelled") throw new Error(job.error);
    $("build-status").textContent = progressText(job);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function build(event) {
  event.preventDefault();
  showError("");
  const changes = Array.from($("exercises").querySelectorAll("input"))
    .filter((input) => input.value.trim())
    .map((input) => ({ kind: input.dataset.kind, exercise: input.dataset.exercise, value: input.value.trim() }));
  const request = { routine: $("routine").value, level: $("level").value, lang: $("lang").value, music: $("music").value, changes };
  $("build").disabled = true;
  $("build-status").textContent = "Checking…";
  try {
    const response = await fetch(`${BASE}/builds`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request),
    });
    const answer = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
    if (!response.ok) throw new Error(answer.error || `the server answered ${response.status}`);
    const job = await follow(answer.job.id);
    await loadTracks(job.track);
    const built = tracks.find((track) => track.name === job.track);
    $("build-status").textContent = `Built ${job.track} in ${job.build_seconds} s.`;
    if (built) playTrack(built);
  } catch (error) {
    $("build-status").textContent = "";
    showError(error.message);
  } finally {
    $("build").disabled = false;
  }
}

watchPlayer();
$("routine").addEventListener("change", renderExercises);
$("build-form").addEventListener("submit", build);
Promise.all([loadTracks(), loadRoutines(), loadLog()]).catch((error) => showError(`Cannot load the page: ${error.message}`));
