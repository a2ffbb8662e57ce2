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
