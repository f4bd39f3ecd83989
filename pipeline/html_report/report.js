// Draw every chart from the embedded figure specs; body[data-charts] tells a test (or a
// reader's script) that drawing finished: "ready", or "failed" with the error in the console.
(function () {
  const figures = JSON.parse(document.getElementById("figures").textContent);
  const drawn = Array.from(document.querySelectorAll("[data-figure]")).map(function (el) {
    const figure = figures[el.dataset.figure];
    return Plotly.newPlot(el, figure.data, figure.layout,
                          { displayModeBar: false, responsive: true });
  });
  Promise.all(drawn).then(
    function () { document.body.dataset.charts = "ready"; },
    function (error) { document.body.dataset.charts = "failed"; console.error(error); });
})();
