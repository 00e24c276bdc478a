/* The coverage page's charts (ECharts from node_modules, served as a static file): the data comes
   from a <script type="application/json" id="coverage-chart"> written by json_script, so no inline
   script is needed (the Content-Security-Policy allows none). */
(function () {
  "use strict";

  function data() {
    var el = document.getElementById("coverage-chart");
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function empty(el, text) {
    el.classList.add("cov-chart-empty");
    el.textContent = text;
  }

  function draw() {
    var d = data();
    if (!d || typeof window.echarts === "undefined") return;
    var narrow = window.matchMedia("(max-width: 600px)").matches;
    var charts = [];
    var hoursEl = document.getElementById("chart-hours");
    if (hoursEl) {
      if (!d.hours.labels.length) {
        empty(hoursEl, hoursEl.getAttribute("data-empty") || "—");
      } else {
        var hours = window.echarts.init(hoursEl, null, { renderer: "canvas" });
        hours.setOption({
          animation: false,
          grid: { left: 44, right: 12, top: 16, bottom: narrow ? 56 : 40 },
          tooltip: { trigger: "axis" },
          xAxis: { type: "category", data: d.hours.labels, axisLabel: { rotate: narrow ? 45 : 0, hideOverlap: true } },
          yAxis: { type: "value", minInterval: 1 },
          series: [{ name: d.hours.series, type: "bar", barMaxWidth: 48, data: d.hours.sampled, itemStyle: { color: "#1565c0" } }]
        });
        charts.push(hours);
      }
    }
    var childEl = document.getElementById("chart-children");
    if (childEl) {
      if (!d.children.labels.length) {
        empty(childEl, childEl.getAttribute("data-empty") || "—");
      } else {
        var children = window.echarts.init(childEl, null, { renderer: "canvas" });
        children.setOption({
          animation: false,
          grid: { left: narrow ? 84 : 120, right: 16, top: 30, bottom: 24 },
          legend: { top: 0, data: [d.children.names.sampled, d.children.names.missing] },
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", inverse: true, data: d.children.labels,
                   axisLabel: { width: narrow ? 76 : 112, overflow: "truncate" } },
          series: [
            { name: d.children.names.sampled, type: "bar", stack: "all", data: d.children.sampled, itemStyle: { color: "#2e7d32" } },
            { name: d.children.names.missing, type: "bar", stack: "all", data: d.children.missing, itemStyle: { color: "#c62828" } }
          ]
        });
        charts.push(children);
      }
    }
    window.addEventListener("resize", function () {
      for (var i = 0; i < charts.length; i++) charts[i].resize();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
