// Render each answer's Plotly figure from the declarative JSON the server produced.
(function () {
  function renderCharts(root) {
    root.querySelectorAll(".chart[data-figure]").forEach(function (el) {
      if (el.dataset.rendered || !window.Plotly) return;
      var data = document.getElementById(el.dataset.figure);
      if (!data) return;
      var fig = JSON.parse(data.textContent);
      var lang = document.documentElement.lang || "es";
      window.Plotly.newPlot(el, fig.data, fig.layout || {}, { responsive: true, displaylogo: false, locale: lang });
      el.dataset.rendered = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { renderCharts(document); });
  document.addEventListener("htmx:afterSwap", function (e) { renderCharts(e.target); });
})();
