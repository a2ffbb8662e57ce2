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

// The builder is drawn again by the server after each change (htmx). What is typed while that request is out would be
// replaced by the answer: remember it, put it back after the swap, and check again.
(function () {
  var typed = {};
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.form && el.form.id === "plan-form" && el.name) typed[el.name] = el.value;
  }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.closest && event.detail.elt.closest("#plan-form")) typed = {};
  });
  document.addEventListener("htmx:afterSwap", function () {
    var form = document.getElementById("plan-form"), again = false;
    if (!form) return;
    Object.keys(typed).forEach(function (name) {
      var el = form.elements.namedItem(name);
      if (el && el.value !== typed[name]) { el.value = typed[name]; again = true; }
    });
    typed = {};
    if (again && window.htmx) window.htmx.trigger(form, "change");
  });
})();

// Choosing a component type to add, or typing the version's label, changes nothing in the plan: no refresh for them.
document.addEventListener("change", function (event) {
  if (event.target.matches && event.target.matches("[data-no-refresh]")) event.stopPropagation();
}, true);
