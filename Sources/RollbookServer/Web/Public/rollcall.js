// The roll call page, live: ticks are applied at once, queued in this browser and sent to the server (kept across
// a reload while offline), and the page asks the server every few seconds for everyone else's ticks.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("roll-call");
  if (!root || root.dataset.closed === "true") return;
  const id = root.dataset.id, csrf = root.dataset.csrf;
  const key = `rollcall-${id}-queue`;
  let device = sessionStorage.getItem("rollcall-device");
  if (!device) { device = "phone-" + Math.random().toString(36).slice(2, 10); sessionStorage.setItem("rollcall-device", device); }
  let queue = JSON.parse(localStorage.getItem(key) || "[]");
  let state = null, sending = false, closed = false, problem = "";
  // Bumped whenever a send brings a newer state, so a poll that started before it does not bring the older one back.
  let version = 0;
  const save = () => localStorage.setItem(key, JSON.stringify(queue));
  const sync = document.getElementById("rc-sync");

  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  const button = (p, accounted) => {
    const b = el("button", accounted ? "primary" : "undo");
    b.type = "button";
    b.append(accounted ? "Here" : "Undo", el("span", "visually-hidden", ": " + p.name));
    b.addEventListener("click", () => { queue.push({ upn: p.upn, accounted }); save(); render(); send(); });
    return b;
  };

  // The server's state with this browser's unsent ticks on top.
  function render() {
    if (!state) return;
    const pending = new Map(queue.map((t) => [t.upn, t.accounted]));
    const isAccounted = (p, fromServer) => (pending.has(p.upn) ? pending.get(p.upn) : fromServer);
    const all = [];
    state.sections.forEach((s) => {
      s.unaccounted.forEach((p) => all.push({ p, s: s.name, a: isAccounted(p, false) }));
      s.accounted.forEach((p) => all.push({ p, s: s.name, a: isAccounted(p, true) }));
    });
    const missing = all.filter((x) => !x.a).sort((x, y) => (x.p.form + x.p.name).localeCompare(y.p.form + y.p.name));
    const list = document.getElementById("rc-unaccounted");
    list.replaceChildren(...missing.map(({ p }) => {
      const li = el("li", "card rc-pupil" + (pending.has(p.upn) ? " rc-pending" : ""));
      li.dataset.upn = p.upn;
      const who = el("span", "who", p.name + " ");
      who.append(el("span", "meta", p.form));
      li.append(who, closed ? "" : button(p, true));
      return li;
    }));
    document.getElementById("rc-unaccounted-count").textContent = String(missing.length);
    const sections = document.getElementById("rc-sections");
    sections.replaceChildren(...state.sections.map((s) => {
      const here = all.filter((x) => x.s === s.name && x.a).sort((x, y) => x.p.name.localeCompare(y.p.name));
      const total = all.filter((x) => x.s === s.name).length;
      const sec = el("section", "rc-section");
      const h = el("h3", null, s.name + " ");
      h.append(el("span", "sub", `${here.length} accounted for, ${total - here.length} not`));
      const ul = el("ul", "plain");
      here.forEach(({ p }) => {
        const li = el("li", "rc-pupil" + (pending.has(p.upn) ? " rc-pending" : ""), p.name + " ");
        li.dataset.upn = p.upn;
        if (!closed) li.append(button(p, false));
        ul.append(li);
      });
      sec.append(h, ul);
      return sec;
    }));
    sync.textContent = problem || (queue.length ? `${queue.length} tick(s) not sent yet: they will be sent when the connection is back.` : "Up to date.");
  }

  async function send() {
    if (sending || !queue.length || closed) return;
    sending = true;
    const batch = queue.slice();
    try {
      const r = await fetch(`/roll-calls/${id}/ticks`, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ csrf, device, ticks: batch }),
      });
      const body = await r.json().catch(() => null);
      if (r.ok) { queue = queue.slice(batch.length); save(); state = body; version += 1; problem = ""; }
      else {
        // Refused (closed, or a pupil not on the list): these ticks will never be taken, so say so and drop them.
        problem = "Not recorded: " + ((body && body.error && body.error.reason) || `the server answered ${r.status}`);
        if (r.status === 409) closed = true;
        queue = queue.slice(batch.length); save();
      }
    } catch (e) {
      problem = "";
    } finally { sending = false; render(); }
  }

  async function poll() {
    const before = version;
    try {
      const r = await fetch(`/roll-calls/${id}/state`, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const body = r.ok ? await r.json() : null;
      if (body && version === before) { state = body; closed = state.closed; if (closed) problem = `Closed ${state.closed_at} by ${state.closed_by}.`; }
    } catch (e) { /* offline: keep what we have */ }
    render();
    send();
  }
  // The forms work without the script; with it, ticks go through the queue.
  root.querySelectorAll("form.rc-tick").forEach((f) => f.addEventListener("submit", (e) => {
    e.preventDefault();
    queue.push({ upn: f.querySelector("[name=upn]").value, accounted: f.querySelector("[name=accounted]").value === "1" });
    save(); send();
  }));
  window.addEventListener("online", send);
  poll();
  setInterval(poll, 3000);
});
