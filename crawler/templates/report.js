// Filters and searches the overview's scenario table. Only reads the page's own data-* attributes and
// toggles `hidden`; it builds no markup, so page text stays text.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var table = document.getElementById("scenario-table");
  if (!form || !table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var shown = document.getElementById("shown-count");

  function words(row, name) {
    return (row.getAttribute("data-" + name) || "").split(" ");
  }

  function apply() {
    var tag = form.elements.tag.value;
    var rule = form.elements.rule.value;
    var severity = form.elements.severity.value;
    var status = form.elements.status.value;
    var query = form.elements.q.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var keep = (!tag || words(row, "tags").indexOf(tag) >= 0) &&
        (!rule || words(row, "rules").indexOf(rule) >= 0) &&
        (!severity || words(row, "severities").indexOf(severity) >= 0) &&
        (!status || row.getAttribute("data-status") === status) &&
        (!query || (row.getAttribute("data-search") || "").indexOf(query) >= 0);
      row.hidden = !keep;
      if (keep) { count += 1; }
    });
    shown.textContent = String(count);
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
}());
