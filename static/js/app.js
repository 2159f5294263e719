// Cụm thi đua: small behaviours shared by every page (no inline scripts: the CSP forbids them).
(function () {
  "use strict";
  // Forms that change something irreversible ask first: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
  // Buttons show they are working while a form submits, and cannot be pressed twice.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }
    var button = event.target.querySelector("button[type=submit][data-busy]");
    if (button) {
      // Disabled after the browser has read the form, so the button's own value is sent.
      window.setTimeout(function () { button.disabled = true; }, 0);
      button.insertAdjacentHTML("afterbegin", '<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>');
    }
  });
})();
