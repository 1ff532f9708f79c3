// Privacy matrix: as soon as a choice changes, say what the row now means and flag a policy
// that breaks sync <= download <= see. The sentences come from the server
// (permissions/explain.py, in the #explanations data block); this only looks them up.
// The server checks the same rule and is the authority; this only saves a round trip.
(function () {
  "use strict";
  var data = document.getElementById("explanations");
  if (!data) { return; }
  var EXPLANATIONS = JSON.parse(data.textContent);
  var ORDER = ["nobody", "connections", "network", "members", "public"];
  function rank(select) { return ORDER.indexOf(select.value); }

  function selects(row) {
    var cells = {};
    row.querySelectorAll("select[data-action]").forEach(function (s) { cells[s.dataset.action] = s; });
    return cells;
  }

  function problem(cells) {
    if (rank(cells.sync) > rank(cells.download)) {
      return "Sync cannot reach more people than download.";
    }
    if (rank(cells.download) > rank(cells.view)) {
      return "Download cannot reach more people than see.";
    }
    return "";
  }

  function update(row, changed) {
    var cells = selects(row);
    var key = [cells.view.value, cells.download.value, cells.sync.value].join("/");
    var explainRow = document.querySelector('tr.explain-row[data-for="' + row.dataset.valueId + '"]');
    var serverSaid = explainRow.querySelector(".server-error");
    if (serverSaid && changed) { serverSaid.remove(); serverSaid = null; }
    var message = problem(cells);
    var box = explainRow.querySelector(".client-error");
    box.textContent = message;
    box.hidden = !message || !!serverSaid;  // the server's message, when there is one, says it
    row.classList.toggle("invalid", !!message);
    explainRow.classList.toggle("invalid", !!message);

    var explanation = explainRow.querySelector(".explain");
    var sentence = EXPLANATIONS[key];
    explanation.hidden = !sentence;
    if (sentence) { explanation.textContent = sentence.replace("{noun}", explanation.dataset.noun); }
    explainRow.querySelector(".unsaved").hidden = key === row.dataset.saved;
  }

  document.querySelectorAll("tr.value-row").forEach(function (row) {
    row.addEventListener("change", function () { update(row, true); });
    update(row, false);  // after a refused save the selects hold the unsaved choices
  });
})();
