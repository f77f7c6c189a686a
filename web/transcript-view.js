// A transcript on the page: a paragraph per segment with its time and speaker (each speaker a colour
// of its own), every word a button that plays the recording from where it is spoken, and search.

export function clock(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function speakerColour(speakers, name) {
  if (!name) return "";
  if (!speakers.has(name)) speakers.set(name, speakers.size % 8);
  return `speaker-${speakers.get(name)}`;
}

function segmentElement(segment, speakers, onSeek) {
  const row = document.createElement("p");
  row.className = `segment ${speakerColour(speakers, segment.speaker)}`;
  const time = document.createElement("button");
  time.type = "button";
  time.className = "time";
  time.textContent = clock(segment.start);
  time.setAttribute("aria-label", `Play from ${clock(segment.start)}`);
  time.addEventListener("click", () => onSeek(segment.start));
  row.append(time);
  if (segment.speaker) {
    const who = document.createElement("span");
    who.className = "speaker";
    who.textContent = segment.speaker;
    row.append(who);
  }
  const words = segment.words?.length ? segment.words : [{ word: segment.text, start: segment.start }];
  for (const word of words) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "word";
    button.textContent = word.word.trim();
    button.dataset.start = String(word.start);
    button.addEventListener("click", () => onSeek(word.start));
    row.append(button, " ");
  }
  return row;
}

// Renders `transcript` (the API's JSON) into `container`; `onSeek(seconds)` plays from a word.
export function renderTranscript(container, transcript, onSeek) {
  const speakers = new Map();
  container.replaceChildren(...(transcript.segments || []).map((s) => segmentElement(s, speakers, onSeek)));
  if (!transcript.segments?.length) container.textContent = transcript.text || "(no speech found)";
}

// Marks the words containing `query`; returns how many, the first scrolled into view.
export function highlight(container, query) {
  const needle = query.trim().toLowerCase();
  let found = 0;
  for (const word of container.querySelectorAll(".word")) {
    const hit = needle !== "" && word.textContent.toLowerCase().includes(needle);
    word.classList.toggle("hit", hit);
    if (hit && found++ === 0) word.scrollIntoView({ block: "center" });
  }
  return found;
}
