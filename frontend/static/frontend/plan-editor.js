// The plan editor: a "go to line" button selects that line of the document.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.goto");
  if (!button) return;
  var area = document.getElementById("id_document");
  var lines = area.value.split("\n"), line = Number(button.dataset.line), start = 0;
  for (var i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
  area.focus();
  area.setSelectionRange(start, start + (lines[line - 1] || "").length);
  area.scrollTop = Math.max(0, (line - 5) * parseFloat(getComputedStyle(area).lineHeight || 18));
});
