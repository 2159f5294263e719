// Cụm thi đua — the self-scoring page. Every row saves itself through htmx while the unit
// types (hx-trigger on the row's form); this file adds what htmx does not do by itself:
// - a save that never reached the server (connection lost, server error, session ended)
//   keeps the typed value, says "not saved" and offers a retry — done by itself when the
//   browser is back online;
// - after a conflict, "use their value" loads the other person's value, "keep mine"
//   saves yours again over theirs;
// - the row's colours follow its state (refused value, conflict, still missing);
// - the upload forms show a progress bar;
// - leaving the page with values not saved asks first.
// Without JavaScript every row is a plain form with a Save button.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var table = document.getElementById("scorecard-tree");
  var unsaved = {}; // entry id → when it was last typed in, while the server has not got it
  var sent = {}; // entry id → when its last save was sent

  function message(name) {
    return table ? table.getAttribute("data-msg-" + name) || "" : "";
  }

  function entryForm(element) {
    if (!element || !element.matches) { return null; }
    return element.matches("form.entry-form") ? element : null;
  }

  // The row form behind an htmx event (fired on the form, or on the swap's target).
  function formOf(detail) {
    if (!detail) { return null; }
    return entryForm(detail.elt) || entryForm(detail.requestConfig && detail.requestConfig.elt);
  }

  function byId(prefix, id) {
    return document.getElementById(prefix + id);
  }

  function refreshRow(id) {
    var row = byId("entry-", id);
    var status = byId("entry-status-", id);
    if (!row) { return; }
    var invalid = !!(status && status.querySelector("[data-invalid]"));
    var conflict = !!(status && status.querySelector("[data-conflict]"));
    row.classList.toggle("is-invalid", invalid);
    row.classList.toggle("is-conflict", conflict);
    row.classList.toggle("is-unsaved", !!unsaved[id] && !invalid && !conflict && !!(status && status.querySelector(".entry-unsaved")));
    row.classList.toggle("is-missing", !!row.querySelector(".entry-flags [data-missing]"));
    row.querySelectorAll(".entry-input").forEach(function (input) {
      input.classList.toggle("is-invalid", invalid);
    });
  }

  function showNotSaved(form, text) {
    var id = form.getAttribute("data-entry");
    unsaved[id] = unsaved[id] || Date.now();
    var status = byId("entry-status-", id);
    if (status) {
      status.textContent = "";
      var box = document.createElement("div");
      box.className = "text-danger entry-unsaved";
      box.appendChild(document.createTextNode(text + " "));
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-danger py-0 retry-button";
      button.setAttribute("data-entry", id);
      button.textContent = message("retry");
      box.appendChild(button);
      status.appendChild(box);
    }
    refreshRow(id);
  }

  function save(id) {
    var form = byId("entry-form-", id);
    // One save at a time per row: htmx queues the next one behind it anyway.
    if (form && window.htmx && !form.classList.contains("htmx-request")) {
      window.htmx.trigger(form, "submit");
    }
  }

  // Typing marks the row as holding an unsaved value until the server answers.
  document.addEventListener("input", function (event) {
    var field = event.target;
    var formId = field.getAttribute && field.getAttribute("form");
    var form = formId ? document.getElementById(formId) : (field.closest ? field.closest("form.entry-form") : null);
    if (form && form.classList.contains("entry-form")) { unsaved[form.getAttribute("data-entry")] = Date.now(); }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = formOf(event.detail);
    if (form) { sent[form.getAttribute("data-entry")] = Date.now(); }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = formOf(event.detail);
    if (!form) { return; }
    // A redirect (to the log-in page when the session ended) is not the row's answer.
    var xhr = event.detail.xhr;
    var asked = event.detail.requestConfig && event.detail.requestConfig.path;
    if (xhr && xhr.responseURL && asked) {
      var got = new URL(xhr.responseURL, window.location.href).pathname;
      var wanted = new URL(asked, window.location.href).pathname;
      if (got !== wanted) {
        event.detail.shouldSwap = false;
        event.detail.isError = false;
        showNotSaved(form, message("login"));
      }
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var form = formOf(event.detail);
    if (!form) { return; }
    var id = form.getAttribute("data-entry");
    var status = byId("entry-status-", id);
    // Saved, unless more was typed after this save was sent (the next one is on its way).
    if (status && status.querySelector(".entry-saved") && (unsaved[id] || 0) <= (sent[id] || 0)) {
      delete unsaved[id];
    }
    refreshRow(id);
  });

  // Out-of-band updates of a row's flags (after a save or an evidence change).
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.target;
    var match = target && target.id ? /^entry-flags-(\d+)$/.exec(target.id) : null;
    if (match) { refreshRow(match[1]); }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var form = formOf(event.detail);
    if (form) { showNotSaved(form, message("offline")); }
  });
  document.addEventListener("htmx:timeout", function (event) {
    var form = formOf(event.detail);
    if (form) { showNotSaved(form, message("offline")); }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var form = formOf(event.detail);
    if (form) { showNotSaved(form, message("failed")); }
  });

  // Back online: send again every row that could not be saved.
  window.addEventListener("online", function () {
    Object.keys(unsaved).forEach(function (id) {
      var status = byId("entry-status-", id);
      if (status && status.querySelector(".entry-unsaved")) { save(id); }
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button") : null;
    if (!button) { return; }
    var id = button.getAttribute("data-entry");
    if (button.classList.contains("retry-button")) {
      save(id);
    } else if (button.classList.contains("keep-mine")) {
      // Save mine again, now over the version the other person saved.
      byId("entry-version-", id).value = button.getAttribute("data-version");
      save(id);
    } else if (button.classList.contains("take-theirs")) {
      byId("entry-version-", id).value = button.getAttribute("data-version");
      var input = byId("entry-input-", id);
      if (input) { input.value = button.getAttribute("data-value"); }
      var comment = document.querySelector("textarea[form='entry-form-" + id + "']");
      if (comment) { comment.value = button.getAttribute("data-comment"); }
      delete unsaved[id];
      byId("entry-status-", id).textContent = "";
      refreshRow(id);
    }
  });

  // Upload forms: a progress bar while the file is sent.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.detail.elt;
    var bar = form && form.querySelector ? form.querySelector(".upload-progress") : null;
    if (!bar || !event.detail.lengthComputable) { return; }
    var percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    bar.hidden = false;
    bar.setAttribute("aria-valuenow", String(percent));
    bar.firstElementChild.style.width = percent + "%";
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.querySelector) {
      var bar = form.querySelector(".upload-progress");
      if (bar) { bar.hidden = true; }
      var busy = form.querySelector("button[data-busy]");
      if (busy) {
        busy.disabled = false;
        var spinner = busy.querySelector(".spinner-border");
        if (spinner) { spinner.remove(); }
      }
    }
  });

  window.addEventListener("beforeunload", function (event) {
    var pending = Object.keys(unsaved).length > 0 || document.querySelector("form.entry-form.htmx-request");
    if (pending) {
      event.preventDefault();
      event.returnValue = message("unsaved");
    }
  });
})();
