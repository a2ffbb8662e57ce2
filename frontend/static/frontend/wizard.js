// Sign-up wizards (join, become a customer): one form shown a step at a time. Without this script every step shows
// and the form still works. The payment step is only for a chosen enrolment pack.
(function () {
  "use strict";

  function init(form) {
    var steps = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-step]"));
    var labels = document.querySelectorAll("[data-wizard-steps] [data-step-label]");
    if (!steps.length) return;

    function packChosen() {
      var checked = form.querySelector("input[name=pack]:checked");
      return !!(checked && checked.value);
    }

    function visibleSteps() {
      return steps.filter(function (s) { return s.dataset.step !== "payment" || packChosen(); });
    }

    function show(key, focus) {
      var order = visibleSteps().map(function (s) { return s.dataset.step; });
      var at = order.indexOf(key);
      steps.forEach(function (s) { s.hidden = s.dataset.step !== key; });
      labels.forEach(function (li) {
        var i = order.indexOf(li.dataset.stepLabel);
        li.hidden = i < 0;
        li.classList.toggle("done", i >= 0 && i < at);
        if (li.dataset.stepLabel === key) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
      });
      syncPackButtons();
      if (focus) {
        var heading = form.querySelector("fieldset[data-step='" + key + "'] h2");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
        window.scrollTo(0, 0);
      }
    }

    function syncPackButtons() {
      var chosen = packChosen();
      var checked = form.querySelector("input[name=pack]:checked");
      var label = checked && form.querySelector("label[for='" + checked.id + "']");
      form.querySelectorAll("[data-pack-summary]").forEach(function (el) { el.textContent = label ? label.textContent.trim() : ""; });
      form.querySelectorAll("[data-when-pack]").forEach(function (b) { b.hidden = !chosen; });
      form.querySelectorAll("[data-when-no-pack]").forEach(function (b) { b.hidden = chosen; });
    }

    function current() {
      for (var i = 0; i < steps.length; i++) if (!steps[i].hidden) return steps[i];
      return steps[0];
    }

    function stepValid(step) {
      var fields = step.querySelectorAll("input, select, textarea");
      for (var i = 0; i < fields.length; i++) {
        if (!fields[i].checkValidity()) { fields[i].reportValidity(); return false; }
      }
      return true;
    }

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      var order = visibleSteps();
      var at = order.indexOf(current());
      if (button.hasAttribute("data-next")) {
        event.preventDefault();
        if (stepValid(current()) && at + 1 < order.length) show(order[at + 1].dataset.step, true);
      } else if (button.hasAttribute("data-back")) {
        event.preventDefault();
        if (at > 0) show(order[at - 1].dataset.step, true);
      } else if (button.type === "submit" && !stepValid(current())) {
        event.preventDefault();
      }
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === "pack") { syncPackButtons(); show(current().dataset.step, false); }
    });

    var start = form.dataset.startStep;
    show(start && form.querySelector("fieldset[data-step='" + start + "']") ? start : steps[0].dataset.step, false);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-wizard]").forEach(init);
  });
})();
