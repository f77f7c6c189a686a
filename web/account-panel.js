// The Account tab: the plan, what is left (credits, free minutes) and the last 30 days of use.

import { apiKey, getJson } from "./api.js";

const $ = (id) => document.getElementById(id);

function entry(term, value) {
  return [Object.assign(document.createElement("dt"), { textContent: term }),
          Object.assign(document.createElement("dd"), { textContent: String(value) })];
}

export async function loadAccount() {
  const keyed = Boolean(apiKey());
  $("account-needs-key").hidden = keyed;
  $("account").hidden = $("usage").hidden = !keyed;
  if (!keyed) return;
  try {
    const account = await getJson("/api/v1/account/");
    const rows = [entry("Email", account.email), entry("Plan", account.plan), entry("Credits", account.credits)];
    if (account.minutes_remaining != null) {
      rows.push(entry("Free minutes left", `${account.minutes_remaining} of ${account.minutes_per_month}`));
    }
    $("account").replaceChildren(...rows.flat());
    const usage = await getJson("/api/v1/usage/");
    $("usage").tBodies[0].replaceChildren(...usage.usage.map((day) => {
      const tr = document.createElement("tr");
      for (const value of [day.date, day.transcriptions, day.minutes]) {
        tr.append(Object.assign(document.createElement("td"), { textContent: String(value) }));
      }
      return tr;
    }));
  } catch (error) {
    $("account").replaceChildren(...entry("Error", error.message));
  }
}
