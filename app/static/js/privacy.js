// Privacy matrix: flag a policy that breaks sync <= download <= see as soon as it is picked.
// The server checks the same rule and is the authority; this only saves a round trip.
(function () {
  "use strict";
  var ORDER = ["nobody", "connections", "network", "members", "public"];
  var NAMES = { view: "see", download: "download", sync: "sync" };
  function rank(select) { return ORDER.indexOf(select.value); }
  function check(row) {
    var cells = {};
    row.querySelectorAll("select[data-action]").forEach(function (s) { cells[s.dataset.action] = s; });
    var message = "";
    if (rank(cells.sync) > rank(cells.download)) {
      message = "Sync cannot reach more people than download.";
    } else if (rank(cells.download) > rank(cells.view)) {
      message = "Download cannot reach more people than " + NAMES.view + ".";
    }
    var explainRow = document.querySelector('tr.explain-row[data-for="' + row.dataset.valueId + '"]');
    var box = explainRow.querySelector(".client-error");
    box.textContent = message;
    box.hidden = !message;
    row.classList.toggle("invalid", !!message);
    explainRow.classList.toggle("invalid", !!message);
    return !message;
  }
  document.querySelectorAll("tr.value-row").forEach(function (row) {
    row.addEventListener("change", function () { check(row); });
  });
})();
