// Declaring a regime: region, districts (ticked or clicked on the map), a required reason, and a
// confirmation that says how many districts the declaration covers before anything is sent.
import { api, el } from "./common.js";
import { ask } from "./console_dialog.js";
import { preview } from "./console_lists.js";
import { $, auth, C, errText, regionName, say } from "./console_state.js";
import { label, REGIME } from "./labels.js";

let recolour = () => {};

export function fillComposer(onSelection) {
  recolour = onSelection;
  const withDistricts = new Set(C.districts.map((d) => d.properties.region));
  const regions = Object.values(C.regions).filter((r) => withDistricts.has(r.code))
    .concat(Object.values(C.regions).filter((r) => !withDistricts.has(r.code)));
  $("c-region").replaceChildren(...regions.map((r) => el("option", { value: r.code }, `${r.name_en} (${r.code})`)));
  $("c-region").addEventListener("change", () => { C.selected.clear(); listDistricts(); recolour(); });
  listDistricts();
  $("compose").addEventListener("submit", (ev) => { ev.preventDefault(); declare(); });
}

function regionDistricts(region) {
  return C.districts.filter((d) => d.properties.region === region)
    .sort((a, b) => a.properties.name_en.localeCompare(b.properties.name_en));
}

function listDistricts() {
  const ds = regionDistricts($("c-region").value);
  $("c-districts").replaceChildren(...(ds.length ? ds.map((d) => el("label", {},
    el("input", { type: "checkbox", value: d.properties.code, "data-name": d.properties.name_en, checked: C.selected.has(d.properties.code),
      onchange: (ev) => { if (ev.target.checked) C.selected.add(d.properties.code); else C.selected.delete(d.properties.code); recolour(); } }),
    d.properties.name_en, d.properties.effective_warning_s
      ? el("span", { class: "small muted", "data-warning-s": String(d.properties.effective_warning_s) }, ` · warning ${d.properties.effective_warning_s} s`) : null))
    : [el("span", { class: "muted small" }, "No districts on file: the whole region.")]));
}

export function toggleDistrict(p) {
  if ($("c-region").value !== p.region) { $("c-region").value = p.region; C.selected.clear(); }
  if (C.selected.has(p.code)) C.selected.delete(p.code); else C.selected.add(p.code);
  listDistricts();
  recolour();
}

async function declare() {
  const region = $("c-region").value;
  const kind = $("c-kind").value;
  const reason = $("c-reason").value.trim();
  if (reason.length < 3) {
    $("c-reason").setCustomValidity("A manual declaration needs a reason (at least 3 characters).");
    $("c-reason").reportValidity();
    $("c-reason").setCustomValidity("");
    return;
  }
  const chosen = regionDistricts(region).filter((d) => C.selected.has(d.properties.code));
  const all = regionDistricts(region).length;
  const lines = chosen.length
    ? [`${chosen.length} of ${all} districts of ${regionName(region)}: ${chosen.map((d) => d.properties.name_en).join(", ")}.`]
    : [el("p", { class: "msg bad", id: "dialog-count" }, `The whole of ${regionName(region)}: ${all || "all"} district${all === 1 ? "" : "s"}.`),
      "Every resident and siren of the region is addressed."];
  const answer = await ask({ title: `Declare ${label(REGIME, kind)}?`, danger: !chosen.length,
    ok: chosen.length ? `Declare in ${chosen.length} district${chosen.length === 1 ? "" : "s"}` : `Declare for all ${all} districts`,
    lines: [...lines, `Reason: ${reason}`] });
  if (!answer.ok) { say($("compose-result"), "Nothing declared."); return; }
  try {
    const out = await api("/api/v1/regimes", auth({ method: "POST", body: { kind, region, districts: chosen.map((d) => d.properties.name_en), reason } }));
    C.selected.clear();
    listDistricts();
    $("c-reason").value = "";
    const alert = (out.alerts || [])[0];
    if (alert) {
      await preview(alert);
      $("compose-result").prepend(el("p", { class: "msg good" }, alert.state === "pending_approval"
        ? "Regime proposed. The alert waits for a second person to approve it (see Alerts); until then nothing is public." : "Regime declared and alert issued."));
    } else {
      say($("compose-result"), "Regime declared; no new alert (the area was already covered).", "good");
    }
  } catch (e) { say($("compose-result"), `Not declared: ${errText(e)}`, "error"); }
  if (C.live) C.live.refresh();
}
