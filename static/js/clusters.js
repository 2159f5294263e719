// Cụm thi đua — the member picker of the cluster-year forms: accent-free filter,
// "ticked only" view and a count of ticked units. Works again after htmx reloads
// the picker for another year (all handlers are delegated from the document).
(function () {
  "use strict";

  // Same folding as core.text.fold: lower case, no accents, đ as d.
  function fold(text) {
    return (text || "")
      .toLowerCase()
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d")
      .replace(/\s+/g, " ")
      .trim();
  }

  function refresh(block) {
    if (!block) { return; }
    var filter = block.querySelector(".member-filter");
    var tickedOnly = block.querySelector(".member-ticked-only");
    var needle = fold(filter ? filter.value : "");
    var onlyTicked = tickedOnly ? tickedOnly.checked : false;
    var count = 0;
    block.querySelectorAll("tr.member-row").forEach(function (row) {
      var box = row.querySelector("input[name=members]");
      var ticked = box && box.checked;
      if (ticked) { count += 1; }
      var matches = !needle || (row.getAttribute("data-search") || "").indexOf(needle) !== -1;
      row.hidden = !(matches && (!onlyTicked || ticked));
    });
    var counter = block.querySelector(".member-count");
    if (counter) { counter.textContent = String(count); }
  }

  function blockOf(element) {
    return element && element.closest ? element.closest("#members-block") : null;
  }

  document.addEventListener("input", function (event) {
    if (event.target.classList && event.target.classList.contains("member-filter")) {
      refresh(blockOf(event.target));
    }
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "members" || (target.classList && target.classList.contains("member-ticked-only"))) {
      refresh(blockOf(target));
    }
  });
  // Enter in the filter box must not submit the whole form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.classList && event.target.classList.contains("member-filter")) {
      event.preventDefault();
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    refresh(document.getElementById("members-block"));
  });
  refresh(document.getElementById("members-block"));
})();
