// Export center: show progress while a download is being produced.
// The file itself is a normal form download; this only polls the server's
// count of contacts decided so far, keyed by a random ticket.
(function () {
  "use strict";
  var form = document.getElementById("export-form");
  if (!form) { return; }
  var ticket = document.getElementById("ticket");
  var box = document.getElementById("export-progress");
  var fill = document.getElementById("export-progress-fill");
  var text = document.getElementById("export-progress-text");
  var timer = null;

  function newTicket() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // Past exports and today's quota are re-read from the server once the export is complete.
  // The header asks for the fragment: without it (a page opened in the browser) the server
  // answers with a redirect to the export center.
  function refreshHistory() {
    if (!form.dataset.historyUrl) { return; }
    fetch(form.dataset.historyUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["history", "quota"].forEach(function (id) {
          var old = document.getElementById(id);
          var now = fresh.getElementById(id);
          if (old && now) { old.replaceWith(now); }
        });
      })
      .catch(function () { /* the list is refreshed on the next visit */ });
  }

  function poll(url) {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        var pct = p.selected ? Math.round(100 * p.done / p.selected) : 0;
        fill.style.width = pct + "%";
        if (p.status === "complete") {
          text.textContent = "Done: " + p.selected + " contacts decided. Your download has started; it is listed under Past exports.";
          clearInterval(timer);
          refreshHistory();
        } else if (p.status === "failed" || p.status === "interrupted") {
          text.textContent = "The export stopped after " + p.done + " of " + p.selected + " contacts.";
          clearInterval(timer);
        } else if (p.status === "running") {
          text.textContent = "Deciding and logging… " + p.done + " of " + p.selected + " contacts (" + pct + "%)";
        }
      })
      .catch(function () { /* keep the last message; the download goes on regardless */ });
  }

  // Typing a name or ticking a person chooses that kind of selection: the
  // server refuses a name typed under "all" rather than export everyone.
  function choose(kind) {
    var radio = form.querySelector('input[name="contacts"][value="' + kind + '"]');
    if (radio) { radio.checked = true; }
  }
  var query = form.querySelector('input[name="query"]');
  if (query) {
    query.addEventListener("input", function () { if (query.value.trim()) { choose("search"); } });
  }
  form.addEventListener("change", function (event) {
    var box = event.target;
    if (box.name === "people" && box.checked) { choose("people"); }
  });

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.id === "preview-button") { return; }
    ticket.value = newTicket();
    box.hidden = false;
    fill.style.width = "0%";
    text.textContent = "Preparing…";
    var url = form.dataset.progressUrl.replace("TICKET", ticket.value);
    clearInterval(timer);
    timer = setInterval(function () { poll(url); }, 700);
    setTimeout(function () { clearInterval(timer); }, 10 * 60 * 1000);
  });
})();
