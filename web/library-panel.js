// "My transcripts" (a key's account): the list with filters and pages, and one transcript with its
// exports, summary, key quotes and chat.

import { apiKey, getBlob, getJson, postJson } from "./api.js";
import { clock, renderTranscript } from "./transcript-view.js";

const $ = (id) => document.getElementById(id);
const PAGE = 10;

let offset = 0;
let count = 0;
let current = null; // the transcript on show
let chatSession = null;

function query() {
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if ($("filter-status").value) params.set("status", $("filter-status").value);
  if ($("filter-language").value.trim()) params.set("language", $("filter-language").value.trim());
  if ($("filter-after").value) params.set("created_after", `${$("filter-after").value}T00:00:00Z`);
  if ($("filter-before").value) params.set("created_before", `${$("filter-before").value}T23:59:59Z`);
  return params;
}

function row(transcript) {
  const tr = document.createElement("tr");
  const open = document.createElement("button");
  open.type = "button";
  open.className = "link";
  open.textContent = transcript.filename || transcript.id;
  open.addEventListener("click", () => show(transcript.id));
  const cells = [
    transcript.status + (transcript.status === "processing" && transcript.progress != null
      ? ` ${Math.round(transcript.progress * 100)}%` : ""),
    transcript.language || "",
    transcript.duration != null ? clock(transcript.duration) : "",
    new Date(transcript.created_at).toLocaleString(),
  ];
  const first = document.createElement("td");
  first.append(open);
  tr.append(first, ...cells.map((text) => Object.assign(document.createElement("td"), { textContent: text })));
  return tr;
}

export async function loadLibrary() {
  const keyed = Boolean(apiKey());
  $("library-needs-key").hidden = keyed;
  for (const id of ["filters", "library"]) $(id).hidden = !keyed;
  document.querySelector("#panel-library .pager").hidden = !keyed;
  if (!keyed) return;
  try {
    const page = await getJson(`/api/v1/transcripts/?${query()}`);
    count = page.count;
    $("library").tBodies[0].replaceChildren(...page.results.map(row));
    const last = Math.min(offset + PAGE, count);
    $("page-info").textContent = count ? `${offset + 1}–${last} of ${count}` : "No transcripts yet.";
    $("prev-page").disabled = offset === 0;
    $("next-page").disabled = last >= count;
  } catch (error) {
    $("page-info").textContent = `Error: ${error.message}`;
  }
}

async function show(id) {
  current = await getJson(`/api/v1/transcripts/${id}/`);
  chatSession = null;
  $("detail").hidden = false;
  $("detail-title").textContent = current.filename || current.id;
  for (const id of ["summary", "quote-list", "chat-log"]) $(id).replaceChildren();
  renderTranscript($("detail-transcript"), current, () => {});
  $("detail").scrollIntoView();
}

async function download(format) {
  const blob = await getBlob(`/api/v1/transcripts/${current.id}/export/${format}/`);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  const base = (current.filename || current.id).replace(/\.[^.]+$/, "");
  link.download = `${base}.${format}`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

// Runs `work`, showing "working" then its answer or its error in `target`.
async function into(target, work) {
  target.textContent = "Working…";
  try {
    await work();
  } catch (error) {
    target.textContent = `Error: ${error.message}`;
  }
}

export function setUpLibraryPanel() {
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    offset = 0;
    loadLibrary();
  });
  $("prev-page").addEventListener("click", () => {
    offset = Math.max(0, offset - PAGE);
    loadLibrary();
  });
  $("next-page").addEventListener("click", () => {
    offset += PAGE;
    loadLibrary();
  });
  for (const button of document.querySelectorAll(".exports button")) {
    button.addEventListener("click", () => download(button.dataset.format).catch((error) => {
      $("detail-title").textContent = `${current.filename || current.id}: ${error.message}`;
    }));
  }
  $("summarize").addEventListener("click", () => into($("summary"), async () => {
    const answer = await postJson(`/api/v1/transcripts/${current.id}/summarize/`, {});
    $("summary").textContent = answer.summary;
  }));
  $("quotes").addEventListener("click", () => into($("quote-list"), async () => {
    const answer = await postJson(`/api/v1/transcripts/${current.id}/generate/`, { type: "key_quotes" });
    const items = answer.data.quotes.map((q) => {
      const item = document.createElement("li");
      item.textContent = `${q.start_time != null ? `[${clock(q.start_time)}] ` : ""}“${q.quote}”`;
      return item;
    });
    $("quote-list").replaceChildren(...items);
  }));
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const question = $("question").value.trim();
    if (!question) return;
    const log = $("chat-log");
    const asked = Object.assign(document.createElement("p"), { className: "asked", textContent: question });
    const answer = Object.assign(document.createElement("p"), { className: "answer" });
    log.append(asked, answer);
    $("question").value = "";
    into(answer, async () => {
      const body = { question, ...(chatSession ? { session_id: chatSession } : {}) };
      const reply = await postJson(`/api/v1/transcripts/${current.id}/chat/`, body);
      chatSession = reply.session_id;
      answer.textContent = reply.answer;
    });
  });
}
