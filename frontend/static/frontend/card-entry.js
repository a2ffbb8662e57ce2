// Card entry (templates/_card_entry.html): mounts Stripe's card Element and, when the form is submitted, turns the
// card into a Stripe PaymentMethod in the browser and posts only its id (the hidden "card" input). Card numbers never
// reach our server. Real Stripe.js: stripe.createPaymentMethod. The localstripe emulator's Stripe.js stand-in (demo,
// tests) has no createPaymentMethod, so then a SetupIntent from our server is confirmed with the card instead.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // A plain sentence for the buyer; Stripe's own message only for its validation errors (written for card holders).
  function sentence(box, error) {
    var d = box.dataset;
    if (!error || error.type === "unreachable" || error.name === "TypeError") return d.msgUnreachable;
    if (error.code === "card_declined" || error.decline_code) return d.msgDeclined;
    if (error.type === "validation_error" && error.message) return error.message;
    if (error.type === "api_connection_error" || error.type === "api_error") return d.msgUnreachable;
    return d.msgInvalid;
  }

  function setup(box) {
    var hidden = box.querySelector("input[type=hidden]");
    var form = hidden && hidden.form;
    var status = box.querySelector("[data-card-status]");
    if (!form) return;
    if (typeof window.Stripe !== "function" || !box.dataset.key) {
      var unavailable = box.querySelector("[data-card-unavailable]");
      unavailable.hidden = false;
      box.querySelector("[data-card-element]").hidden = true;
      unavailable.querySelector("[data-card-reload]").addEventListener("click", function () {
        window.location.reload();
      });
      form.addEventListener("submit", function (event) {
        if (needsCard(event.submitter)) event.preventDefault();
      });
      return;
    }
    var stripe = window.Stripe(box.dataset.key);
    var card = stripe.elements().create("card");
    var touched = false;
    card.on("change", function (event) {
      touched = event ? !event.empty : true;
      status.textContent = "";
    });
    card.mount(box.querySelector("[data-card-element]"));
    // The emulator's stand-in draws plain inputs with only placeholders: give them names a screen reader can say.
    box.querySelectorAll("[data-card-element] input").forEach(function (input) {
      var field = input.getAttribute("placeholder") || "";
      var key = field.charAt(0).toUpperCase() + field.slice(1);
      var label = box.dataset["label" + key];
      if (label) input.setAttribute("aria-label", label);
      if (box.dataset["hint" + key]) input.setAttribute("placeholder", box.dataset["hint" + key]);
      input.setAttribute("data-card-part", field);
      input.setAttribute("inputmode", "numeric");
      input.setAttribute("autocomplete", "off");
    });

    function needsCard(submitter) {
      var payment = form.querySelector("input[name=payment]:checked");
      if (payment && payment.value !== "card") return false;
      var optional = box.hasAttribute("data-optional") || (submitter && submitter.hasAttribute("data-card-optional"));
      return !(optional && !touched);
    }

    async function viaSetupIntent() {
      var response;
      try {
        response = await fetch(box.dataset.setupUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
        });
      } catch (err) {
        return { error: { type: "unreachable" } };
      }
      if (!response.ok) return { error: { type: "unreachable" } };
      var body = await response.json();
      var result = await stripe.confirmCardSetup(body.client_secret, { payment_method: { card: card } });
      if (!result || result.error) return { error: result ? result.error : null };
      return { paymentMethod: { id: result.setupIntent.payment_method } };
    }

    async function paymentMethod() {
      var result;
      try {
        result = await stripe.createPaymentMethod({ type: "card", card: card });
      } catch (err) {
        result = { error: err };
      }
      if (result && (result.paymentMethod || result.error)) return result;
      return viaSetupIntent(); // the stand-in's createPaymentMethod does nothing
    }

    var busy = false;
    form.addEventListener("submit", async function (event) {
      if (hidden.value || !needsCard(event.submitter)) return;
      event.preventDefault();
      if (busy) return;
      if (!touched) {
        status.textContent = box.dataset.msgEmpty;
        return;
      }
      busy = true;
      var submitter = event.submitter;
      if (submitter) submitter.disabled = true;
      status.textContent = box.dataset.msgWorking;
      status.classList.add("working");
      var result;
      try {
        result = await paymentMethod();
      } catch (err) {
        result = { error: err };
      }
      busy = false;
      status.classList.remove("working");
      if (submitter) submitter.disabled = false;
      if (!result.paymentMethod) {
        status.textContent = sentence(box, result.error);
        return;
      }
      hidden.value = result.paymentMethod.id;
      status.textContent = "";
      form.requestSubmit(submitter || undefined);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-card-entry]").forEach(setup);
  });
})();
