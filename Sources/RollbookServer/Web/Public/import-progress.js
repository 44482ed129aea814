// The guided import under way: asks the server how far it has gone each second, and shows the finished page when
// the import has landed or failed (or is no longer known: the page then says so).
document.addEventListener("DOMContentLoaded", () => {
  const job = document.getElementById("import-job");
  if (!job) return;
  const bar = document.getElementById("import-progress");
  const pace = document.getElementById("import-pace");
  const poll = async () => {
    try {
      const r = await fetch(job.dataset.progress, { headers: { Accept: "application/json" } });
      const p = r.ok ? await r.json() : null;
      if (!p || p.state !== "running") {
        location.reload();
        return;
      }
      bar.max = p.total;
      bar.value = p.done;
      bar.textContent = `${p.done} of ${p.total}`;
      pace.textContent = p.words;
    } catch (e) {
      // A network hiccup: ask again.
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
});
