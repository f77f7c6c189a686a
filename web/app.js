// The page: the API key (kept in this browser), the tabs, and each tab's panel.

import { apiKey, getJson, keepKey } from "./api.js";
import { loadAccount } from "./account-panel.js";
import { setUpFilePanel } from "./file-panel.js";
import { loadLibrary, setUpLibraryPanel } from "./library-panel.js";
import { setUpLivePanel } from "./live-panel.js";

const $ = (id) => document.getElementById(id);

async function showWho() {
  const who = $("who");
  if (!apiKey()) {
    who.textContent = "Anonymous: a few files a day, nothing kept.";
    return;
  }
  try {
    const account = await getJson("/api/v1/account/");
    who.textContent = `${account.email} (${account.plan})`;
  } catch (error) {
    who.textContent = `Key not accepted: ${error.message}`;
  }
}

function refresh() {
  showWho();
  loadLibrary();
  loadAccount();
}

function select(tab) {
  for (const other of document.querySelectorAll('[role="tab"]')) {
    const chosen = other === tab;
    other.setAttribute("aria-selected", String(chosen));
    other.tabIndex = chosen ? 0 : -1;
    $(other.getAttribute("aria-controls")).hidden = !chosen;
  }
  tab.focus();
  if (tab.id === "tab-library") loadLibrary();
  if (tab.id === "tab-account") loadAccount();
}

function setUpTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) select(tabs[(index + step + tabs.length) % tabs.length]);
    });
  });
}

function setUpKey() {
  $("api-key").value = apiKey();
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    keepKey($("api-key").value.trim());
    refresh();
  });
  $("forget-key").addEventListener("click", () => {
    $("api-key").value = "";
    keepKey("");
    refresh();
  });
}

setUpKey();
setUpTabs();
setUpFilePanel();
setUpLivePanel();
setUpLibraryPanel();
refresh();
