// Task files: choose or drop files, each sent on its own with a progress bar (the server streams it to
// storage). Loose uploads leave a hidden `file_ids` input in the surrounding form; direct ones reload the
// page to list the file. The form cannot be submitted while a file is still on its way.
(function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  function refusalText(holder, xhr) {
    try {
      const problem = JSON.parse(xhr.responseText);
      const code = problem.errors && problem.errors[0] && problem.errors[0].code;
      // data-text-type_not_allowed is dataset.textType_not_allowed.
      const known = code && holder.dataset["text" + code.charAt(0).toUpperCase() + code.slice(1)];
      return known || problem.title || holder.dataset.textFailed;
    } catch (_) {
      return holder.dataset.textFailed;
    }
  }

  function setup(holder) {
    const input = holder.querySelector('input[type="file"]');
    const zone = holder.querySelector("[data-dropzone]");
    const list = holder.querySelector("[data-uploads]");
    const form = holder.closest("form");
    let pending = 0;
    let reloadWhenDone = false;

    const settle = () => {
      if (form) form.querySelectorAll('button[type="submit"]').forEach((b) => { b.disabled = pending > 0; });
      holder.classList.toggle("busy", pending > 0);
      if (pending === 0 && reloadWhenDone) window.location.reload();
    };

    const send = (file) => {
      const item = document.createElement("li");
      item.className = "upload";
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = file.name;
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", file.name);
      const status = document.createElement("span");
      status.className = "status";
      status.textContent = holder.dataset.textSending;
      item.append(name, " ", bar, " ", status);
      list.append(item);
      pending += 1;
      settle();

      const body = new FormData();
      body.append("files", file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", holder.dataset.uploadUrl);
      xhr.setRequestHeader("X-CSRF-Token", csrf());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
      });
      xhr.addEventListener("load", () => {
        pending -= 1;
        if (xhr.status === 201) {
          bar.value = 100;
          item.classList.add("done");
          status.textContent = holder.dataset.textSent;
          const stored = JSON.parse(xhr.responseText)[0];
          if (holder.dataset.mode === "loose") {
            const hidden = document.createElement("input");
            hidden.type = "hidden";
            hidden.name = "file_ids";
            hidden.value = stored.id;
            item.append(hidden);
          } else {
            reloadWhenDone = true;
          }
        } else {
          item.classList.add("failed");
          status.textContent = refusalText(holder, xhr);
          status.setAttribute("role", "alert");
          bar.remove();
        }
        settle();
      });
      xhr.addEventListener("error", () => {
        pending -= 1;
        item.classList.add("failed");
        status.textContent = holder.dataset.textFailed;
        bar.remove();
        settle();
      });
      xhr.send(body);
    };

    input.addEventListener("change", () => {
      Array.from(input.files).forEach(send);
      input.value = "";
    });
    ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("over");
    }));
    ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("over")));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      Array.from(event.dataTransfer.files).forEach(send);
    });
    if (form) {
      form.addEventListener("submit", (event) => { if (pending > 0) event.preventDefault(); });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-uploader]").forEach(setup);
  });
})();
