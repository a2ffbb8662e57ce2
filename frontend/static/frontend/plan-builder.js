// The plan builder: a link in the error summary puts the cursor in its field (a fragment link only scrolls).
document.addEventListener("click", function (event) {
  var link = event.target.closest("#error-summary a[href^='#']");
  if (!link) return;
  var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
  if (!target) return;
  event.preventDefault();
  var field = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
  target.scrollIntoView({ block: "center" });
  if (field) field.focus();
});

// The builder is drawn again by the server after each change (htmx), and after each button (add, remove, move).
// - A button always wins: a refresh due while a button's request is out waits for its answer, then runs; an answer to
//   anything but the latest request is not shown.
// - What is typed while a request is out is kept: put back after the swap, and checked again.
(function () {
  var typed = {}, latest = 0, buttonBusy = false, refreshWanted = false;
  function form() { return document.getElementById("plan-form"); }
  function refresh() { if (window.htmx && form()) window.htmx.trigger(form(), "change"); }

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.form && el.form.id === "plan-form" && el.name) typed[el.name] = el.value;
  }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt.closest || !elt.closest("#plan-form")) return;
    var isRefresh = elt.id === "plan-form";
    if (isRefresh && buttonBusy) { event.preventDefault(); refreshWanted = true; return; }
    latest += 1;
    event.detail.xhr.pbSeq = latest;
    event.detail.xhr.pbButton = !isRefresh;
    if (!isRefresh) buttonBusy = true;
    typed = {};
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.pbSeq === undefined) return;
    if (xhr.pbSeq !== latest) event.detail.shouldSwap = false;
    if (xhr.pbButton) buttonBusy = false;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.xhr && event.detail.xhr.pbButton) buttonBusy = false;  // not swapped (an error): the button stays
  });
  document.addEventListener("htmx:load", function (event) {
    if (event.target.id !== "builder" || !form()) return;
    var again = refreshWanted;
    refreshWanted = false;
    Object.keys(typed).forEach(function (name) {
      var el = form().elements.namedItem(name);
      if (el && el.value !== typed[name]) { el.value = typed[name]; again = true; }
    });
    typed = {};
    if (again) refresh();
  });
})();

// Choosing a component type to add, or typing the version's label, changes nothing in the plan: no refresh for them.
document.addEventListener("change", function (event) {
  if (event.target.matches && event.target.matches("[data-no-refresh]")) event.stopPropagation();
}, true);
