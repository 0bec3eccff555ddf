// Filters of the good-practice list (praktyki/index.html): selects by service, unit kind, size class, indicator and
// status, and a text search; a query string (?indicator=waste_recycling_rate) preselects them. No JavaScript: every
// row shows.
(function () {
  var controls = Array.prototype.slice.call(document.querySelectorAll("[data-filter]"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("#practices tbody tr"));
  var count = document.getElementById("practices-count");
  var total = rows.length;
  function apply() {
    var want = {};
    controls.forEach(function (c) { want[c.getAttribute("data-filter")] = c.value.trim().toLowerCase(); });
    var shown = 0;
    rows.forEach(function (r) {
      var ok = (!want.service || r.dataset.service === want.service) &&
        (!want.kind || r.dataset.kind === want.kind) &&
        (!want.size || r.dataset.size === want.size) &&
        (!want.status || r.dataset.status === want.status) &&
        (!want.indicator || r.dataset.indicator.indexOf(" " + want.indicator + " ") >= 0) &&
        (!want.text || r.dataset.text.indexOf(want.text) >= 0);
      r.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown === total ? "Praktyk: " + total + "." : "Pokazano " + shown + " z " + total + " praktyk.";
  }
  var query = new URLSearchParams(window.location.search);
  controls.forEach(function (c) {
    var v = query.get(c.getAttribute("data-filter"));
    if (v) { c.value = v; }
    c.addEventListener(c.tagName === "SELECT" ? "change" : "input", apply);
  });
  window.jstbenchFilterPractices = apply;
  apply();
})();
