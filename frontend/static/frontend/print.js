/* A "Print" button: <button data-print> opens the browser's print dialog (no inline scripts under the CSP). */
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
