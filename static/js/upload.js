// Evidence upload: pick or drop files, see the progress, get each file's SHA-256 back.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const zone = document.getElementById("dropzone");
  const input = document.getElementById("id_files");
  const bar = document.getElementById("upload-progress");
  const fill = bar.querySelector(".progress-bar");
  const box = document.getElementById("upload-messages");
  const button = document.getElementById("upload-button");
  const maxBytes = Number(form.dataset.maxBytes);
  let busy = false;

  function say(kind, text) {
    const div = document.createElement("div");
    div.className = "alert alert-" + kind + " py-1 mb-1";
    div.textContent = text;
    box.appendChild(div);
  }

  function setProgress(fraction) {
    const pct = Math.round(fraction * 100);
    fill.style.width = pct + "%";
    fill.textContent = pct + "%";
  }

  function finish() {
    busy = false;
    button.disabled = false;
  }

  function upload(files) {
    if (busy) return;  // one upload at a time: a second click must not send the files twice
    box.replaceChildren();
    if (!files.length) { say("warning", "Choose or drop at least one file."); return; }
    for (const f of files) {
      if (f.size > maxBytes) { say("danger", f.name + " is larger than the upload limit; nothing was sent."); return; }
      if (f.size === 0) { say("danger", f.name + " is empty; nothing was sent."); return; }
    }
    const data = new FormData(form);
    data.delete("files");
    for (const f of files) data.append("files", f, f.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) setProgress(e.loaded / e.total);
    });
    xhr.addEventListener("load", function () {
      finish();
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
      if (!body) { say("danger", "The server answered " + xhr.status + "; nothing may have been stored."); return; }
      for (const s of body.stored) say("success", "Stored " + s.name + " — SHA-256 " + s.sha256);
      for (const e of body.errors) say("danger", e);
      if (!body.stored.length) bar.classList.add("d-none");
      if (body.stored.length) setTimeout(function () { window.location.reload(); }, 1200);
    });
    xhr.addEventListener("error", function () { finish(); bar.classList.add("d-none"); say("danger", "The upload broke off; nothing was stored. Please try again."); });
    busy = true;
    button.disabled = true;
    bar.classList.remove("d-none");
    setProgress(0);
    xhr.send(data);
  }

  zone.addEventListener("click", function (e) { if (e.target !== input) input.click(); });
  zone.addEventListener("keydown", function (e) {
    if (e.target === zone && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); input.click(); }
  });
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("dragover"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("dragover"); });
  });
  zone.addEventListener("drop", function (e) { upload(Array.from(e.dataTransfer.files)); });
  form.addEventListener("submit", function (e) { e.preventDefault(); upload(Array.from(input.files)); });
})();
