/* aiduty: progressive enhancement only. Every page works without this file. */
(function () {
  "use strict";
  // Filters marked data-live filter the listed items in place (the form still works by submitting it).
  function applyFilters(form) {
    var target = document.getElementById(form.getAttribute("data-live"));
    if (!target) return;
    var wanted = {};
    form.querySelectorAll("select[data-key]").forEach(function (sel) { if (sel.value) wanted[sel.getAttribute("data-key")] = sel.value; });
    var shown = 0;
    target.querySelectorAll("[data-status]").forEach(function (item) {
      var ok = Object.keys(wanted).every(function (key) {
        return (" " + (item.getAttribute("data-" + key) || "") + " ").indexOf(" " + wanted[key] + " ") >= 0;
      });
      item.hidden = !ok;
      if (ok) shown += 1;
    });
    target.querySelectorAll("[data-group]").forEach(function (group) {
      group.hidden = group.querySelectorAll("[data-status]:not([hidden])").length === 0;
    });
    var counter = document.getElementById(form.getAttribute("data-live") + "-count");
    if (counter) counter.textContent = String(shown);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-live]").forEach(function (form) {
      form.addEventListener("change", function () { applyFilters(form); });
      form.addEventListener("submit", function (event) {
        if (event.submitter && event.submitter.hasAttribute("data-server")) return;
        event.preventDefault(); applyFilters(form);
      });
      applyFilters(form);
    });
    // Selects marked data-autosubmit submit their form when changed.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      sel.addEventListener("change", function () { sel.form.requestSubmit(); });
    });
    // The print button.
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
