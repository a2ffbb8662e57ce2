// Behaviour every page shares, kept out of the markup so the Content-Security-Policy needs no inline script or style.
(function () {
  "use strict";

  // Progress bars: <span data-percent="42"> gets its width here (a style="" attribute would need 'unsafe-inline').
  function applyWidths(root) {
    if (root.matches && root.matches("[data-percent]")) root.style.width = Math.max(0, Math.min(100, Number(root.dataset.percent) || 0)) + "%";
    root.querySelectorAll("[data-percent]").forEach(function (el) {
      el.style.width = Math.max(0, Math.min(100, Number(el.dataset.percent) || 0)) + "%";
    });
  }

  document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  // htmx:load fires for content htmx swaps in (polled progress, genealogy branches).
  document.addEventListener("htmx:load", function (event) { applyWidths(event.detail.elt); });

  // Genealogy: a branch's "Show N below" button expands once (was an hx-on attribute, which htmx runs with eval).
  document.addEventListener("htmx:afterRequest", function (event) {
    var button = event.detail.elt;
    if (button && button.matches && button.matches("button[data-expand-once]")) {
      button.setAttribute("aria-expanded", "true");
      button.disabled = true;
    }
  });
})();
