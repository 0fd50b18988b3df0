// Behaviour every page shares, kept out of the templates so the Content-Security-Policy can forbid
// inline scripts (script-src 'self').
document.addEventListener("htmx:beforeSwap", function (evt) {
  // A refused reveal of personal data (403, or 422 without a reason) explains itself beside the field.
  var status = evt.detail.xhr.status;
  if (status >= 400 && status < 500 && evt.detail.elt.closest && evt.detail.elt.closest("form.reveal")) {
    evt.detail.shouldSwap = true;
    evt.detail.isError = false;
  }
});

// "再加一行" in the catalogue editor sends how many rows the table has (was an hx-vals js: expression,
// which needs eval).
document.addEventListener("htmx:configRequest", function (evt) {
  var target = evt.detail.elt.getAttribute && evt.detail.elt.getAttribute("data-row-count");
  if (target) {
    evt.detail.parameters.n = document.querySelectorAll(target + " tr").length;
  }
});

// "返回上一页" on error pages (was a javascript: link).
document.addEventListener("click", function (evt) {
  var link = evt.target.closest && evt.target.closest("a[data-back]");
  if (link && window.history.length > 1) {
    evt.preventDefault();
    window.history.back();
  }
});

// The bundle designer re-plans when an item's checkbox in #selected changes (was an hx-trigger filter,
// which htmx evaluates with eval).
document.addEventListener("change", function (evt) {
  var form = evt.target.closest && evt.target.closest("#designer-form");
  if (form && evt.target.matches("#selected input")) {
    htmx.trigger(form, "designer-change");
  }
});
