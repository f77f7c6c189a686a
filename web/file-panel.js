// A file transcribed: chosen or dropped, uploaded with progress, then transcribed (with an API key as a
// job, whose progress the gateway reports; anonymously in one request), then read, searched and played
// from any word. The file stays in the browser for playback.

import { apiKey, getJson, upload } from "./api.js";
import { highlight, renderTranscript } from "./transcript-view.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 500;

let chosen = null;

function choose(file) {
  chosen = file;
  $("file-name").textContent = file ? `${file.name} (${(file.size / 1e6).toFixed(1)} MB)` : "";
  const player = $("player");
  if (player.src) URL.revokeObjectURL(player.src);
  player.src = file ? URL.createObjectURL(file) : "";
}

function form() {
  const data = new FormData();
  data.append("file", chosen, chosen.name);
  if ($("model").value) data.append("model", $("model").value);
  data.append("language", $("language").value);
  data.append("diarize", $("diarize").checked ? "true" : "false");
  data.append("speakers", $("speakers").value || "0");
  return data;
}

async function finishedJob(id) {
  for (;;) {
    const transcript = await getJson(`/api/v1/transcripts/${id}/`);
    $("work-progress").value = transcript.progress ?? 0;
    if (transcript.status === "completed") return transcript;
    if (transcript.status === "failed") throw new Error(transcript.error || "the transcription failed");
    $("file-status").textContent = transcript.status === "queued" ? "Waiting for a worker…" : "Transcribing…";
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function transcribe(event) {
  event.preventDefault();
  if (!chosen) {
    $("file-status").textContent = "Choose a file first.";
    return;
  }
  const status = $("file-status");
  $("upload-progress").value = 0;
  const work = $("work-progress");
  work.value = 0;
  $("transcribe").disabled = true;
  status.textContent = "Uploading…";
  try {
    let transcript;
    const onUpload = (fraction) => {
      $("upload-progress").value = fraction;
      if (fraction >= 1) status.textContent = "Transcribing…";
    };
    if (apiKey()) {
      const job = await upload("/api/v1/transcripts/", form(), onUpload);
      transcript = await finishedJob(job.id);
    } else {
      work.removeAttribute("value"); // no progress is known for a waiting request: indeterminate
      transcript = await upload("/v1/transcribe", form(), onUpload);
    }
    work.value = 1;
    status.textContent = `Done: ${transcript.language || "?"}, ${transcript.duration?.toFixed(1)} s, model ${transcript.model}.`;
    $("file-result").hidden = false;
    renderTranscript($("transcript"), transcript, (seconds) => {
      const player = $("player");
      player.currentTime = seconds;
      player.play().catch(() => {});
    });
  } catch (error) {
    work.value = 0;
    status.textContent = `Error: ${error.message}`;
  } finally {
    $("transcribe").disabled = false;
  }
}

async function fillOptions() {
  try {
    const models = await getJson("/v1/models");
    for (const model of models.models.filter((m) => m.installed)) {
      $("model").append(new Option(model.served_by ? `${model.id} (${model.served_by})` : model.id, model.id));
    }
    const languages = await getJson("/v1/languages");
    for (const language of languages.languages) {
      for (const select of [$("language"), $("live-language")]) select.append(new Option(language.name, language.code));
    }
  } catch (error) {
    $("file-status").textContent = `The gateway could not list models: ${error.message}`;
  }
}

export function setUpFilePanel() {
  const drop = $("drop");
  const input = $("file-input");
  input.addEventListener("change", () => choose(input.files[0] || null)); // the keyboard's way in
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    choose(event.dataTransfer.files[0] || null);
  });
  $("upload-form").addEventListener("submit", transcribe);
  $("search").addEventListener("input", () => {
    const found = highlight($("transcript"), $("search").value);
    $("search-count").textContent = $("search").value ? `${found} found` : "";
  });
  fillOptions();
}
