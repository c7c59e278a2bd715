// The incident page's chart: document frequency of the scan's candidate
// triggers, drawn with Chart.js from the JSON block the page carries; the
// incident's own trigger (and its parts) in red.
(function () {
  const block = document.getElementById('chart-data');
  const canvas = document.getElementById('candidates');
  if (!block || !canvas || typeof Chart === 'undefined') return;
  const data = JSON.parse(block.textContent);
  const own = new Set(data.highlight);
  new Chart(canvas, {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: [{ label: 'documents holding the candidate', data: data.values, backgroundColor: data.values.map((_, i) => (own.has(i) ? '#c62828' : '#90a4ae')) }],
    },
    options: { indexAxis: 'y', animation: false, maintainAspectRatio: false, scales: { x: { type: 'logarithmic', title: { display: true, text: 'documents (log scale)' } }, y: { ticks: { autoSkip: false } } }, plugins: { legend: { display: false } } },
  });
  canvas.parentElement.style.height = `${Math.max(200, data.labels.length * 18)}px`;
})();
