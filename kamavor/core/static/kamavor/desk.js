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
  // After htmx swaps in a new page, focus the field the server marked with autofocus.
  document.addEventListener("htmx:afterSettle", function () {
    var field = document.querySelector("[autofocus]");
    if (field && document.activeElement !== field) {
      field.focus();
      if (field.select) field.select();
    }
  });
})();
