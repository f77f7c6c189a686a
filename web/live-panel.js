// The Live tab: record from the microphone, partial text as it is spoken, each final segment as it is
// finished, then the whole transcript.

import { LiveSession } from "./live.js";
import { clock } from "./transcript-view.js";

const $ = (id) => document.getElementById(id);

let session = null;

function finalLine(segment) {
  const line = document.createElement("p");
  line.className = "segment final-segment";
  const who = segment.speaker ? `${segment.speaker}: ` : "";
  line.textContent = `[${clock(segment.start ?? 0)}] ${who}${segment.text}`;
  return line;
}

function stopped() {
  $("record").disabled = false;
  $("stop").disabled = true;
  session = null;
}

async function record() {
  $("record").disabled = true;
  $("finals").replaceChildren();
  $("partial").textContent = "";
  $("live-status").textContent = "Starting the microphone…";
  session = new LiveSession({
    onReady: (model) => {
      $("live-status").textContent = `Listening (model ${model}).`;
      $("stop").disabled = false;
    },
    onPartial: (text) => {
      $("partial").textContent = text;
    },
    onSegment: (segment) => {
      $("partial").textContent = "";
      $("finals").append(finalLine(segment));
    },
    onFinal: (transcript) => {
      $("partial").textContent = "";
      $("live-status").textContent = `Finished: ${transcript.duration?.toFixed(1) ?? "?"} s.`;
      const whole = document.createElement("p");
      whole.id = "live-transcript";
      whole.className = "whole";
      whole.textContent = transcript.text;
      $("finals").append(whole);
    },
    onError: (message) => {
      $("live-status").textContent = `Error: ${message}`;
    },
    onClosed: (code, reason) => {
      if (code >= 4000) $("live-status").textContent = `Closed: ${reason || code}`;
      stopped();
    },
  });
  try {
    await session.start($("live-language").value);
  } catch (error) {
    $("live-status").textContent = `The microphone could not be used: ${error.message}`;
    stopped();
  }
}

export function setUpLivePanel() {
  $("record").addEventListener("click", record);
  $("stop").addEventListener("click", () => {
    $("stop").disabled = true;
    $("live-status").textContent = "Finishing…";
    session?.stop();
  });
}
