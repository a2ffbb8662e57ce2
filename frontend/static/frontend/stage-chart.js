// The demotion report: members per stage per day as a line chart (data from the json_script "stage-series").
document.addEventListener("DOMContentLoaded", function () {
  if (!window.Chart) return;
  var series = JSON.parse(document.getElementById("stage-series").textContent);
  var palette = ["#2f6f4e", "#c0392b", "#2980b9", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#f39c12", "#27ae60", "#34495e", "#e84393"];
  new Chart(document.getElementById("stage-chart"), {
    type: "line",
    data: {labels: series.days, datasets: series.stages.map(function (s, i) {
      return {label: s.label, data: s.data, borderColor: palette[i % palette.length], pointRadius: 0, tension: 0};
    })},
    options: {animation: false, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}
  });
});
