// The missing-from-site timer: the server gives the minutes at page load; this counts on each minute, and reloads
// when the parents' notification falls due so the server shows its prompt.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("mi-minutes");
  if (!el) return;
  let minutes = Number(el.dataset.minutes || "0");
  const after = Number(el.dataset.notifyAfter || "0");
  setInterval(() => {
    minutes += 1;
    el.textContent = String(minutes);
    if (minutes >= after && document.getElementById("mi-not-yet")) location.reload();
  }, 60000);
});
