// Checkout's address step, enhanced (the form works without it): the billing address shows only when it differs
// from the shipping address, and each address shows the state/province list or the free-text region its country
// needs (the United States and Canada have a list).
(function () {
  "use strict";
  var LISTED = ["US", "CA"];
  function regionFor(prefix) {
    var country = document.getElementById("id_" + prefix + "_country");
    var select = document.getElementById("id_" + prefix + "_region");
    var other = document.getElementById("id_" + prefix + "_region_other");
    if (!country || !select || !other) return;
    function update() {
      var listed = LISTED.indexOf(country.value) !== -1;
      select.closest(".field").hidden = !listed && country.value !== "";
      other.closest(".field").hidden = listed;
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        var code = group.querySelector("option") ? group.querySelector("option").value.slice(0, 2) : "";
        group.hidden = listed && code !== country.value;
      });
    }
    country.addEventListener("change", update);
    update();
  }
  function billing() {
    var same = document.getElementById("id_bill_same");
    var fieldset = document.querySelector("fieldset.billing");
    if (!same || !fieldset) return;
    function update() { fieldset.hidden = same.checked; }
    same.addEventListener("change", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    regionFor("ship");
    regionFor("bill");
    billing();
  });
})();
