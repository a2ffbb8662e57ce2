// The back office dashboard: members per level as a bar chart (data from the json_script "levels-data").
document.addEventListener("DOMContentLoaded", function () {
  if (!window.Chart) return;
  var rows = JSON.parse(document.getElementById("levels-data").textContent);
  var brand = getComputedStyle(document.documentElement).getPropertyValue("--brand").trim() || "#2f6f4e";
  new Chart(document.getElementById("levels-chart"), {
    type: "bar",
    data: {labels: rows.map(function (r) { return "Level " + r[0]; }),
           datasets: [{label: "Members", data: rows.map(function (r) { return r[1]; }), backgroundColor: brand}]},
    options: {plugins: {legend: {display: false}}, animation: false}
  });
});
