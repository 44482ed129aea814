// The guided import under way: asks the server how far it has gone each second, and shows the finished page when
// the import has landed or failed.
document.addEventListener("DOMContentLoaded", () => {
  const job = document.getElementById("import-job");
  if (!job) return;
  const bar = document.getElementById("import-progress");
  const pace = document.getElementById("import-pace");
  const poll = async () => {
    try {
      const r = await fetch(job.dataset.progress, { headers: { Accept: "application/json" } });
      if (!r.ok) return;
      const p = await r.json();
      if (p.state !== "running") {
        location.reload();
        return;
      }
      bar.max = p.total;
      bar.value = p.done;
      bar.textContent = `${p.done} of ${p.total}`;
      pace.textContent = p.words;
    } finally {
      setTimeout(poll, 1000);
    }
  };
  setTimeout(poll, 500);
});
