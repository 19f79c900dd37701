// The page: list and play tracks with their cue text, and build customized ones.
"use strict";

const BASE = document.body.dataset.base || "";
const POLL_MS = 250;
const KINDS = ["reps", "sets", "hold", "rest"];
const $ = (id) => document.getElementById(id);
let routines = [];
let tracks = [];

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

function fileUrl(name, track) {
  return `${BASE}/files/${encodeURIComponent(name)}?v=${track.version}`;
}

function describe(track) {
  const parts = [clock(track.duration_ms), track.level, track.language, track.engine].filter(Boolean);
  return parts.join(" · ") + (track.changed ? ` · changed: ${track.changed}` : "");
}

function renderTracks(highlight) {
  const list = $("tracks");
  list.replaceChildren();
  if (!tracks.length) {
    list.append(el("li", { className: "empty", textContent: "No tracks yet: build one below." }));
    return;
  }
  for (const track of tracks) {
    const cover = el("img", { alt: "", width: 56, height: 56 });
    if (track.cover) cover.src = `${BASE}/covers/${encodeURIComponent(track.name)}?v=${track.version}`;
    const play = el("button", { type: "button", className: "play", textContent: "Play" });
    play.addEventListener("click", () => playTrack(track));
    const download = el("a", {
      className: "button secondary download",
      href: `${BASE}/download/${encodeURIComponent(track.name)}`,
      textContent: "Download",
    });
    download.setAttribute("download", track.name);
    const item = el("li", { className: "track" }, [
      cover,
      el("div", { className: "info" }, [
        el("div", { className: "title", textContent: track.title }),
        el("div", { className: "meta", textContent: describe(track) }),
      ]),
      el("div", { className: "actions" }, [play, download]),
    ]);
    item.dataset.name = track.name;
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
  $("player-card").hidden = false;
  $("now-title").textContent = track.title;
  $("now-meta").textContent = describe(track);
  $("now-cover").src = track.cover ? `${BASE}/covers/${encodeURIComponent(track.name)}?v=${track.version}` : "";
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
  player.play().catch(() => {
    // A phone may refuse to start sound without a tap: the controls are there to press.
  });
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
      fields.append(el("label", { textContent: kind }, [input]));
    }
    box.append(el("fieldset", {}, [el("legend", { textContent: `${exercise.number}. ${exercise.name}` }), fields]));
  }
}

async function loadRoutines() {
  const data = await getJSON("/routines.json");
  routines = data.routines;
  $("routine").replaceChildren(...routines.map((r) => el("option", { value: r.id, textContent: r.title })));
  $("level").replaceChildren(
    ...data.levels.map((level) => el("option", { value: level, textContent: level, selected: level === data.default_level })),
  );
  $("lang").replaceChildren(
    el("option", { value: "", textContent: "default" }),
    ...data.languages.map((lang) => el("option", { value: lang, textContent: lang })),
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
  if (job.stage === "render") return `Making the track ${clock(job.done * 1000)} of ${clock(job.total * 1000)}…`;
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
  const request = { routine: $("routine").value, level: $("level").value, lang: $("lang").value, changes };
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

$("routine").addEventListener("change", renderExercises);
$("build-form").addEventListener("submit", build);
Promise.all([loadTracks(), loadRoutines()]).catch((error) => showError(`Cannot load the page: ${error.message}`));
