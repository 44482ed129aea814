// Progressive enhancement for the register page: "mark all present" and keyboard shortcuts (p present, l late).
document.documentElement.classList.add("js");
document.addEventListener("click", (e) => { if (e.target && e.target.id === "print") window.print(); });
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("register");
  if (!form) return;
  // The arrival time is asked for when Late is chosen.
  const showTime = (li) => {
    const late = li.querySelector("input[value=late]");
    li.classList.toggle("is-late", !!(late && late.checked));
  };
  form.querySelectorAll("li.pupil").forEach(showTime);
  const all = document.getElementById("all-present");
  if (all) all.addEventListener("click", () => {
    form.querySelectorAll("li.pupil").forEach((li) => {
      const radios = li.querySelectorAll("input[type=radio]");
      const select = li.querySelector("select");
      const chosen = Array.from(radios).some((r) => r.checked) || (select && select.value);
      const current = li.classList.contains("tone-none");
      if (!chosen && current) { const p = li.querySelector("input[value=present]"); if (p) p.checked = true; }
    });
  });
  form.addEventListener("keydown", (e) => {
    const li = e.target.closest && e.target.closest("li.pupil");
    if (!li || e.target.tagName === "SELECT" || e.target.type === "text" || e.target.type === "time") return;
    const pick = { p: "present", l: "late" }[e.key];
    if (pick) {
      const r = li.querySelector(`input[value=${pick}]`);
      if (r) { r.checked = true; r.dispatchEvent(new Event("change", { bubbles: true })); r.focus(); e.preventDefault(); }
    }
  });
  // An absence code clears the radio, and a radio clears the code.
  form.addEventListener("change", (e) => {
    const li = e.target.closest("li.pupil");
    if (!li) return;
    if (e.target.tagName === "SELECT" && e.target.value) li.querySelectorAll("input[type=radio]").forEach((r) => (r.checked = false));
    if (e.target.type === "radio") { const s = li.querySelector("select"); if (s) s.value = ""; }
    showTime(li);
    if (e.target.value === "late" && e.target.checked) { const t = li.querySelector("input[type=time]"); if (t) t.focus(); }
  });
});
// The letter editor: the preview follows the draft as it is typed (the server merges it for the chosen pupil).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("letter-form");
  const preview = document.getElementById("letter-preview");
  if (!form || !preview) return;
  let timer = null;
  const refresh = async () => {
    const data = new URLSearchParams(new FormData(form));
    data.set("action", "preview");
    try {
      // getAttribute: form.action would be the buttons named "action".
      const r = await fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" });
      const page = new DOMParser().parseFromString(await r.text(), "text/html");
      const fresh = page.getElementById("letter-preview");
      const error = page.getElementById("letter-error");
      if (fresh) preview.innerHTML = fresh.innerHTML;
      const heading = page.getElementById("preview-h"), here = document.getElementById("preview-h");
      if (heading && here) here.textContent = heading.textContent;
      if (error) preview.insertAdjacentHTML("afterbegin", `<p class="error" role="alert">${error.textContent.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c])}</p>`);
    } catch (_) { /* the Preview button still works */ }
  };
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 400); });
  form.addEventListener("change", refresh);
});
