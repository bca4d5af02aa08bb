// The timeline: the audit log read incrementally, newest first, in words and in the area's time.
import { api, el, reconcile } from "./common.js";
import { $, auth, C, districtName, regionName, when } from "./console_state.js";
import { actionLabel, KIND, label, MEASURE, REGIME } from "./labels.js";

let seq = 0;
let records = [];

function detail(r) {
  const d = r.data || {};
  const parts = [];
  if (d.headline) parts.push(d.headline);
  else if (d.kind) parts.push(label({ ...REGIME, ...KIND, ...MEASURE }, d.kind));
  if (d.district) parts.push(districtName(d.district));
  if (d.region && !d.headline) parts.push(regionName(d.region));
  if (d.role) parts.push(`role ${d.role}`);
  if (d.reason) parts.push(`reason: ${d.reason}`);
  return parts.join(" · ");
}

export async function renderTimeline() {
  for (;;) {
    const batch = await api(`/api/v1/audit?after=${seq}&limit=500`, auth());
    if (!batch.length) break;
    seq = batch[batch.length - 1].seq;
    records = records.concat(batch).slice(-80);
    if (batch.length < 500) break;
  }
  C.audit = records;
  const recent = records.slice().reverse();
  reconcile($("timeline"), recent, (r) => r.seq, () => "", (r) => el("li", { class: "small", "data-action": r.action },
    el("strong", {}, when(r.at)), ` · ${actionLabel(r.action)}${r.entity === "user" ? `: ${r.entity_id}` : ""} · by ${r.actor}`,
    detail(r) ? el("div", { class: "muted" }, detail(r)) : null));
}
