// While evidence is being parsed, poll its figures and reload once every file is done.
(function () {
  "use strict";
  const script = document.getElementById("parse-progress-script");
  const cells = document.querySelectorAll(".parse-state");
  const pending = Array.from(cells).some(function (c) {
    return c.dataset.state === "uploaded" || c.dataset.state === "parsing";
  });
  if (!script || !pending) return;
  const url = script.dataset.statusUrl;
  function fmt(n) {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + " " + units[i];
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        let busy = false;
        for (const ev of body.evidence) {
          const cell = document.querySelector('.parse-state[data-evidence="' + ev.pk + '"]');
          if (!cell) continue;
          if (ev.state === "uploaded" || ev.state === "parsing") busy = true;
          if (ev.state !== cell.dataset.state && ev.state !== "parsing" && ev.state !== "uploaded") {
            window.location.reload();
            return;
          }
          const figures = cell.querySelector(".parse-figures");
          if (figures) {
            figures.textContent = fmt(ev.bytes_read) + " of " + fmt(ev.size) + " read · " + ev.records +
              " records · " + ev.skipped + " skipped · " + ev.offenders_found + " offenders";
          }
          const bar = cell.querySelector(".progress-bar");
          if (bar && ev.size) bar.style.width = Math.round(100 * ev.bytes_read / ev.size) + "%";
        }
        if (busy) setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1500);
})();
