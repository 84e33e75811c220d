// Keyboard helpers for the desks. Every desk also works without this file.
(function () {
  "use strict";
  // Ctrl+Enter (or Cmd+Enter) submits the desk's main form, e.g. "Post donation".
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = document.querySelector("form[data-submit-shortcut]");
    if (!form) return;
    event.preventDefault();
    form.requestSubmit();
  });
  // In a list of numbered matches, the digit keys 1–9 choose (when not typing in a field).
  document.addEventListener("keydown", function (event) {
    if (!/^[1-9]$/.test(event.key) || event.ctrlKey || event.altKey || event.metaKey) return;
    var active = document.activeElement;
    if (active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA" ||
                   active.tagName === "SELECT")) return;
    var choice = document.querySelectorAll(".matches button")[Number(event.key) - 1];
    if (choice) {
      event.preventDefault();
      choice.click();
    }
  });
  // After htmx swaps in a new page, focus the field the server marked with autofocus.
  document.addEventListener("htmx:afterSettle", function () {
    var field = document.querySelector("[autofocus]");
    if (field && document.activeElement !== field) {
      field.focus();
      if (field.select) field.select();
    }
  });
})();
