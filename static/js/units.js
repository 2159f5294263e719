// Unit register: filters apply as soon as they change; the merge list filters as you type.
(function () {
  "use strict";
  // Accent-free, case-free text: "Đức Xuân" -> "duc xuan" (as the server's search).
  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "d").toLowerCase().replace(/\s+/g, " ").trim();
  }

  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.querySelectorAll("select, input[type=checkbox]").forEach(function (field) {
      field.addEventListener("change", function () { form.requestSubmit(); });
    });
  });

  var filter = document.getElementById("merge-filter");
  var list = document.getElementById("merge-units");
  if (filter && list) {
    filter.addEventListener("input", function () {
      var needle = fold(filter.value);
      list.querySelectorAll("[data-name]").forEach(function (item) {
        var checked = item.querySelector("input:checked");
        var match = !needle || fold(item.getAttribute("data-name")).indexOf(needle) !== -1;
        item.hidden = !(match || checked);
      });
    });
  }
})();
