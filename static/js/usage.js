// The usage page: draw each chart from its figure JSON (light or dark, as the page's theme), with
// no mode-bar action that talks to the network. Same rules as the chat's charts.
(function () {
  "use strict";
  var root = document.documentElement;

  function readJSON(id) {
    var node = id && document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function draw(el) {
    if (!window.Plotly) return;
    var dark = root.getAttribute("data-theme") === "dark";
    var fig = readJSON(dark ? el.dataset.figureDark : el.dataset.figureLight) ||
      readJSON(el.dataset.figureLight);
    if (!fig) return;
    var config = readJSON(el.dataset.config) || {};
    config.showSendToCloud = false;
    config.showEditInChartStudio = false;
    config.showLink = false;
    config.linkText = "";
    config.displaylogo = false;
    config.plotlyServerURL = "";
    var lang = (root.lang || "es").slice(0, 2);
    config.locale = lang === "en" ? "en" : "es";
    var layout = fig.layout || {};
    layout.separators = lang === "en" ? ".," : ",.";
    layout.paper_bgcolor = "rgba(0,0,0,0)";
    layout.plot_bgcolor = "rgba(0,0,0,0)";
    window.Plotly.react(el, fig.data || [], layout, config);
    el.dataset.rendered = dark ? "dark" : "light";
  }

  function drawAll() {
    document.querySelectorAll(".usage-chart[data-figure-light]").forEach(draw);
  }

  document.addEventListener("datachat:theme", drawAll);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
