// Reception sign-in: search as you type (the form still works without it) and the slip's Print button.
(function () {
  var printButton = document.getElementById("print-slip");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });
  var input = document.getElementById("sign-in-q");
  var results = document.getElementById("sign-in-results");
  if (!input || !results) return;
  var kiosk = input.getAttribute("data-kiosk") === "1";
  var timer = null;
  var latest = 0;
  function show(pupils, q) {
    results.textContent = "";
    if (pupils.length === 0) {
      var p = document.createElement("p");
      p.className = "error";
      p.textContent = "No pupil on roll matches \u201C" + q + "\u201D.";
      results.appendChild(p);
      return;
    }
    var ul = document.createElement("ul");
    ul.className = "plain sign-in-results";
    pupils.forEach(function (pupil) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.className = "big-link";
      a.href = "/late-sign-in?upn=" + encodeURIComponent(pupil.upn) + (kiosk ? "&kiosk=1" : "");
      a.textContent = pupil.name + " ";
      var s = document.createElement("span");
      s.className = "sub";
      s.textContent = pupil.form;
      a.appendChild(s);
      li.appendChild(a);
      ul.appendChild(li);
    });
    results.appendChild(ul);
  }
  input.addEventListener("input", function () {
    var q = input.value.trim();
    clearTimeout(timer);
    // A card reader types digits fast and ends with Enter: the form's submit handles it.
    if (q.length < 2 || /\d/.test(q)) { if (q.length < 2) results.textContent = ""; return; }
    timer = setTimeout(function () {
      var n = ++latest;
      fetch("/late-sign-in?format=json&q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) { if (d && n === latest) show(d.pupils, q); })
        .catch(function () {});
    }, 200);
  });
})();
