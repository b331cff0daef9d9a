// implflow console: while a phase is queued or running, poll its runs and redraw the list.
"use strict";
(function () {
  const box = document.querySelector("[data-poll]");
  if (!box) { return; }
  const list = box.querySelector("ul.runs");
  const busy = () => box.querySelector(".run.queued, .run.running") !== null;
  const item = (phase, label, cls, text) => {
    const li = document.createElement("li");
    li.className = "run " + cls;
    const name = document.createElement("strong");
    name.textContent = phase;
    const badge = document.createElement("span");
    badge.className = "badge " + (cls === "running" || cls === "queued" ? "amber"
      : (cls === "Failed" || cls === "Crashed" ? "red" : "green"));
    badge.textContent = label;
    li.append(name, " ", badge, " ", text || "");
    return li;
  };
  async function poll() {
    try {
      const res = await fetch(box.dataset.poll, { credentials: "same-origin" });
      if (!res.ok) { return; }
      const data = await res.json();
      list.replaceChildren(
        ...data.queued.map((p) => item(p, "queued", "queued", "")),
        ...data.runs.map((r) => item(r.phase, r.outcome, r.outcome, r.message)),
      );
      if (!busy()) {
        window.location.reload(); // the run ended: redraw the page with the gate's new state
        return;
      }
    } catch (e) { /* the next poll tries again */ }
    window.setTimeout(poll, 1500);
  }
  if (busy()) { window.setTimeout(poll, 1500); }
})();
