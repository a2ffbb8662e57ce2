/* Bar charts for the commission pages: <canvas data-chart="ID" data-series='["Name", ...]'> reads the rows
   [{label, values: [...]}] of the json_script element ID. Every chart has the same numbers in a table next to it. */
document.addEventListener("DOMContentLoaded", function () {
  if (!window.Chart) return;
  var brand = getComputedStyle(document.documentElement).getPropertyValue("--brand").trim() || "#2f6f4e";
  var colors = [brand, "#8a9a92", "#f0b429"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var rows = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    var names = JSON.parse(canvas.dataset.series || '["Amount"]');
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.label; }),
        datasets: names.map(function (name, i) {
          return {label: name, data: rows.map(function (r) { return Number(r.values[i] || 0); }),
                  backgroundColor: colors[i % colors.length]};
        })
      },
      options: {animation: false, maintainAspectRatio: false, plugins: {legend: {display: names.length > 1}}}
    });
  });
});
