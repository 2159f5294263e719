// Cụm thi đua — the scoring-table pages: the criterion form shows the fields and the
// explanation of the type chosen; the create forms copy the total and caps of the table
// they start from; the editor keeps the changed row in view after each htmx swap.
// Without JavaScript every field stays visible and the pages still work.
(function () {
  "use strict";

  function words(text) {
    return (text || "").split(/\s+/).filter(Boolean);
  }

  // The criterion form: only the parameters of the chosen type, and its explanation.
  function applyKind(form) {
    var select = form.querySelector("select.kind-select");
    if (!select) { return; }
    var kind = select.value;
    form.querySelectorAll("[data-kinds]").forEach(function (element) {
      element.hidden = words(element.getAttribute("data-kinds")).indexOf(kind) === -1;
    });
    form.querySelectorAll("[data-kind-help]").forEach(function (element) {
      element.hidden = element.getAttribute("data-kind-help") !== kind;
      var label = element.querySelector(".fw-semibold");
      if (label) { label.hidden = true; }
    });
  }

  // The create forms: the total and caps follow the table chosen as the start.
  function fillScale(form, source) {
    if (!source) { return; }
    [["scale", "scale_total"], ["bonus", "bonus_cap"], ["deduction", "deduction_cap"]].forEach(function (pair) {
      var value = source.getAttribute("data-" + pair[0]);
      var input = form.querySelector("input[name=" + pair[1] + "]");
      if (value !== null && input) { input.value = value; }
    });
  }

  function chosenSource(form) {
    var start = form.querySelector("input[name=start]:checked");
    if (start && start.value === "template") {
      var select = form.querySelector("select[name=template]");
      return select ? select.options[select.selectedIndex] : null;
    }
    if (start && start.value === "previous") { return start; }
    var source = form.querySelector("select.source-select");
    if (source && source.value) { return source.options[source.selectedIndex]; }
    return null;
  }

  function applyStart(form) {
    var start = form.querySelector("input[name=start]:checked");
    var choice = form.querySelector(".template-choice");
    if (choice && start) { choice.hidden = start.value !== "template"; }
  }

  function setUp(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("form.criterion-form").forEach(applyKind);
    if (root.matches && root.matches("form.criterion-form")) { applyKind(root); }
    document.querySelectorAll("form.rubric-create-form").forEach(applyStart);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target.closest ? target.closest("form") : null;
    if (!form) { return; }
    if (target.classList.contains("kind-select")) { applyKind(form); }
    if (form.classList.contains("rubric-create-form") &&
        (target.name === "start" || target.name === "template" || target.classList.contains("source-select"))) {
      applyStart(form);
      fillScale(form, chosenSource(form));
    }
  });

  // Escape closes the criterion form being edited (as its Cancel button does).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var form = event.target.closest ? event.target.closest("form.criterion-form") : null;
    var cancel = form ? form.querySelector(".cancel-button") : null;
    if (cancel) { cancel.click(); }
  });

  document.addEventListener("htmx:load", function (event) {
    var element = event.detail && event.detail.elt;
    if (!element) { return; }
    setUp(element);
    // After a change the editor is swapped in whole: keep the changed row in view.
    if (element.id === "rubric-editor") {
      var changed = element.querySelector("tr.just-changed");
      if (changed) {
        changed.scrollIntoView({ block: "nearest" });
        var button = changed.querySelector(".edit-button");
        if (button) { button.focus({ preventScroll: true }); }
      }
      return;
    }
    // A form that just opened: start typing in it.
    var form = element.matches && element.matches("tr.criterion-form-row") ? element.querySelector("form") : null;
    if (form) {
      form.scrollIntoView({ block: "nearest" });
      var first = form.querySelector("input[name=title], textarea[name=title]");
      var invalid = form.querySelector(".is-invalid");
      (invalid || first || form.querySelector("input[type=text]")).focus();
    }
  });
  setUp(document);
})();
