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
