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

  // Tables in the back office and the consoles turn into cards on a phone (canopy.css): every cell gets its
  // column's name as data-label. A table marked "no-cards" stays a table.
  var CARD_TABLES = ".shell.office main table, .shell.with-menu main table";
  function labelTables(root) {
    var scope = root.closest ? root.closest(".shell.office main, .shell.with-menu main") : null;
    var tables = scope && root.matches("table") ? [root] : (root.querySelectorAll ? root.querySelectorAll(CARD_TABLES) : []);
    Array.prototype.forEach.call(tables, function (table) {
      if (table.classList.contains("no-cards") || table.closest(".help-page")) return; // help tables are reference grids
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
      if (!heads.length) return;
      table.classList.add("cards-on-phone");
      // display: block (the cards) takes the table's meaning away from assistive technology: give it back.
      table.setAttribute("role", "table");
      Array.prototype.forEach.call(table.querySelectorAll("thead, tbody, tfoot"), function (group) { group.setAttribute("role", "rowgroup"); });
      Array.prototype.forEach.call(table.querySelectorAll("tr"), function (tr) { tr.setAttribute("role", "row"); });
      Array.prototype.forEach.call(table.querySelectorAll("th"), function (th) {
        th.setAttribute("role", th.getAttribute("scope") === "row" || th.parentElement.parentElement.tagName !== "THEAD" ? "rowheader" : "columnheader");
      });
      Array.prototype.forEach.call(table.querySelectorAll("td"), function (td) { td.setAttribute("role", "cell"); });
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr, tfoot tr"), function (tr) {
        var column = 0;
        Array.prototype.forEach.call(tr.children, function (cell) {
          var span = cell.colSpan || 1;
          if (span === 1 && cell.tagName === "TD" && !cell.hasAttribute("data-label") && heads[column]) cell.setAttribute("data-label", heads[column]);
          column += span;
        });
      });
    });
  }

  // The back office's menu button (office/base.html): shown only with JavaScript, so without it the links stay visible.
  function menuButtons() {
    document.querySelectorAll("button.menu-toggle").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        button.setAttribute("aria-expanded", button.getAttribute("aria-expanded") === "true" ? "false" : "true");
      });
      // Escape closes an open menu and gives the focus back to its button.
      button.parentElement.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
          button.setAttribute("aria-expanded", "false");
          button.focus();
        }
      });
    });
  }

  // A table wider than the screen scrolls sideways inside itself (canopy.css): keyboard users reach it with Tab, so it
  // can be scrolled with the arrow keys (axe: scrollable-region-focusable).
  function focusableScrollers(root) {
    var scope = root.querySelectorAll ? root : document;
    var found = Array.prototype.slice.call(scope.querySelectorAll("table, .table-scroll"));
    if (root.matches && root.matches("table, .table-scroll")) found.push(root);
    found.forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1 && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    applyWidths(document); labelTables(document); menuButtons(); focusableScrollers(document);
  });
  window.addEventListener("resize", function () { focusableScrollers(document); });
  // htmx:load fires for content htmx swaps in (polled progress, genealogy branches).
  document.addEventListener("htmx:load", function (event) {
    applyWidths(event.detail.elt); labelTables(event.detail.elt); focusableScrollers(event.detail.elt);
  });

  // Genealogy: a branch's "Show N below" button expands once (was an hx-on attribute, which htmx runs with eval).
  document.addEventListener("htmx:afterRequest", function (event) {
    var button = event.detail.elt;
    if (button && button.matches && button.matches("button[data-expand-once]")) {
      button.setAttribute("aria-expanded", "true");
      button.disabled = true;
    }
  });
})();
