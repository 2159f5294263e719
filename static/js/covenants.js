// Cụm thi đua — covenant drafting pages: reorder and add rows of the sections and
// guests formsets, add rows to the targets grid. Without JavaScript the pages still
// work: the order numbers can be typed and one blank row is always there.
(function () {
  "use strict";

  function rowsOf(form) {
    return Array.prototype.slice.call(form.querySelectorAll(".formset-rows > [data-row]"));
  }

  // Order numbers follow the rows as they stand on the page.
  function renumber(form) {
    var number = 1;
    rowsOf(form).forEach(function (row) {
      var input = row.querySelector(".order-input");
      if (!input) { return; }
      var filled = Array.prototype.some.call(
        row.querySelectorAll("input[type=text], textarea"),
        function (field) { return field.value.trim() !== ""; }
      );
      if (filled) {
        input.value = String(number);
        number += 1;
      } else {
        input.value = "";
      }
    });
  }

  // What is saved follows the page: number the filled rows just before sending
  // (a blank added row keeps no number and is left out).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute && form.hasAttribute("data-formset")) { renumber(form); }
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-move]") : null;
    if (button) {
      var row = button.closest("[data-row]");
      var form = button.closest("form");
      if (button.getAttribute("data-move") === "up" && row.previousElementSibling) {
        row.parentNode.insertBefore(row, row.previousElementSibling);
      } else if (button.getAttribute("data-move") === "down" && row.nextElementSibling) {
        row.parentNode.insertBefore(row.nextElementSibling, row);
      }
      renumber(form);
      button.focus();
      return;
    }
    var add = event.target.closest ? event.target.closest("[data-add-row]") : null;
    if (add) {
      var prefix = add.getAttribute("data-add-row");
      var formset = add.closest("form");
      var total = formset.querySelector("input[name=" + prefix + "-TOTAL_FORMS]");
      var template = document.getElementById(prefix + "-empty-form");
      if (!total || !template) { return; }
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      formset.querySelector(".formset-rows").insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var rows = rowsOf(formset);
      var last = rows[rows.length - 1];
      var first = last.querySelector("input[type=text], textarea");
      if (first) { first.focus(); }
      return;
    }
    var addTarget = event.target.closest ? event.target.closest("[data-add-target]") : null;
    if (addTarget) {
      var grid = addTarget.closest("form");
      var counter = grid.querySelector("#id_new_rows");
      var rowTemplate = document.getElementById("target-new-row");
      if (!counter || !rowTemplate) { return; }
      var count = (parseInt(counter.value, 10) || 1) + 1;
      if (count > 50) { return; }
      counter.value = String(count);
      grid.querySelector("#target-rows").insertAdjacentHTML(
        "beforeend", rowTemplate.innerHTML.replace(/__key__/g, "new" + count)
      );
      var added = grid.querySelector("#target-rows tr:last-child input[type=text]");
      if (added) { added.focus(); }
    }
  });
})();
