// A deliberate confirmation: a modal that names what will happen and where, with the safe choice focused.
import { el } from "./common.js";
import { $ } from "./console_state.js";

/**
 * Ask before an act. `lines` are strings or nodes; `reason` ({label, min}) adds a required text field.
 * Resolves to {ok, reason}. Escape or "Keep as it is" answers no.
 */
export function ask({ title, lines, ok, reason = null, danger = true }) {
  const dlg = $("dialog");
  $("dialog-h").textContent = title;
  $("dialog-body").replaceChildren(...lines.map((l) => (l instanceof Node ? l : el("p", {}, l))));
  const okBtn = $("dialog-ok");
  okBtn.textContent = ok;
  okBtn.className = danger ? "danger" : "primary";
  const row = $("dialog-reason-row");
  const input = $("dialog-reason");
  row.classList.toggle("hidden", !reason);
  input.value = "";
  input.required = Boolean(reason);
  if (reason) $("dialog-reason-label").textContent = reason.label;
  return new Promise((resolve) => {
    const form = $("dialog-form");
    const onSubmit = (ev) => {
      if (ev.submitter === okBtn && reason && input.value.trim().length < (reason.min || 3)) {
        ev.preventDefault();
        input.setCustomValidity(`${reason.label}: at least ${reason.min || 3} characters`);
        input.reportValidity();
        return;
      }
      input.setCustomValidity("");
    };
    form.addEventListener("submit", onSubmit);
    dlg.addEventListener("close", () => {
      form.removeEventListener("submit", onSubmit);
      resolve({ ok: dlg.returnValue === "ok", reason: input.value.trim() });
    }, { once: true });
    dlg.returnValue = "";
    dlg.showModal();
    (reason ? input : danger ? $("dialog-cancel") : okBtn).focus(); // a risky act starts on "Keep as it is"
  });
}
