// The back office dashboard: members per level as a bar chart (data from the json_script "levels-data"; the words,
// translated, from the canvas's data-level-label "Level {n}" and data-members-label).
document.addEventListener("DOMContentLoaded", function () {
  if (!window.Chart) return;
  var rows = JSON.parse(document.getElementById("levels-data").textContent);
  var brand = getComputedStyle(document.documentElement).getPropertyValue("--brand").trim() || "#2f6f4e";
  var canvas = document.getElementById("levels-chart");
  var levelLabel = canvas.dataset.levelLabel || "{n}";
  new Chart(canvas, {
    type: "bar",
    data: {labels: rows.map(function (r) { return levelLabel.replace("{n}", r[0]); }),
           datasets: [{label: canvas.dataset.membersLabel || "", data: rows.map(function (r) { return r[1]; }), backgroundColor: brand}]},
    options: {plugins: {legend: {display: false}}, animation: false}
  });
});
