// Verification pages (no inline scripts: the CSP forbids them).
// A verifier's reason becomes required as soon as the points typed differ from the
// unit's own; the server checks it again.
(function () {
  "use strict";

  // "12,5" → 12.5, "1.000" → 1000, "2.5" → 2.5 (as the server reads them).
  function parse(text) {
    var value = String(text || "").replace(/[\s\u00a0]/g, "");
    if (!value) { return NaN; }
    if (/^\d{1,3}(\.\d{3})+(,\d+)?$/.test(value)) {
      value = value.replace(/\./g, "").replace(",", ".");
    } else {
      value = value.replace(",", ".");
    }
    return /^\d+(\.\d+)?$/.test(value) ? parseFloat(value) : NaN;
  }

  function check(form) {
    var input = form.querySelector(".points-input");
    var reason = form.querySelector(".reason-input");
    if (!input || !reason) { return; }
    var typed = parse(input.value);
    var differs = !isNaN(typed) && typed !== parse(form.getAttribute("data-self"));
    reason.required = differs;
    form.classList.toggle("reason-needed", differs && !reason.value.trim());
  }

  function checkAll() {
    document.querySelectorAll("form.propose-form").forEach(check);
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form.propose-form");
    if (form) { check(form); }
  });
  document.addEventListener("htmx:afterSwap", checkAll);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", checkAll);
  } else {
    checkAll();
  }
})();
