// Retaguarda portal: a little plain JavaScript on top of pages that work without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";
  const lang = document.documentElement.lang || "en";
  const numbers = new Intl.NumberFormat(lang);

  // The main menu folds behind its button on narrow screens (CSS shows it whatever the state on wide ones).
  function menu() {
    const toggle = document.querySelector(".menu-toggle");
    const nav = document.getElementById("main-nav");
    if (!toggle || !nav) return;
    toggle.hidden = false;
    nav.classList.add("folded");
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("folded") === false;
      toggle.setAttribute("aria-expanded", String(open));
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !nav.classList.contains("folded") && getComputedStyle(toggle).display !== "none") {
        nav.classList.add("folded");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  // Selects that choose a view submit their form at once (their button stays for keyboards without JS).
  function autosubmit() {
    document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
      select.addEventListener("change", () => select.form.requestSubmit());
    });
  }

  // Destructive buttons ask first.
  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  }

  // A framed document of ours (the invoice preview) as tall as its content: nothing cut off above its totals.
  function fitFrames() {
    document.querySelectorAll("iframe[data-fit-content]").forEach((frame) => {
      const fit = () => {
        const inner = frame.contentDocument;
        if (!inner || !inner.body) return;
        // The body's bottom, not the document's scroll height: that one is never less than the frame itself.
        const bottom = inner.body.getBoundingClientRect().bottom + inner.defaultView.scrollY;
        const margin = parseFloat(inner.defaultView.getComputedStyle(inner.body).marginBottom) || 0;
        frame.style.height = Math.ceil(bottom + margin) + 2 + "px";
        frame.style.minHeight = "0";
      };
      frame.addEventListener("load", fit);
      window.addEventListener("resize", fit);
      if (frame.contentDocument && frame.contentDocument.readyState === "complete") fit();
    });
  }

  // Copy a secret shown once.
  function copyButtons() {
    document.querySelectorAll("button[data-copy]").forEach((button) => {
      button.addEventListener("click", async () => {
        const source = document.querySelector(button.dataset.copy);
        if (!source) return;
        try {
          await navigator.clipboard.writeText(source.textContent.trim());
          button.textContent = "✓";
        } catch (_) {
          const range = document.createRange();
          range.selectNodeContents(source);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }
      });
    });
  }

  // The work screen: a countdown to the lease's end, kept alive by heartbeats while the page is open.
  function lease() {
    const card = document.querySelector("[data-lease]");
    if (!card) return;
    const display = card.querySelector("[data-countdown]");
    const box = display.closest(".lease");
    let expires = new Date(card.dataset.leaseExpires).getTime();
    let lost = false;
    const tick = () => {
      const left = Math.max(0, Math.round((expires - Date.now()) / 1000));
      const minutes = Math.floor(left / 60);
      const seconds = String(left % 60).padStart(2, "0");
      display.textContent = minutes + ":" + seconds;
      box.classList.toggle("low", left < 60);
      if (left === 0 && !lost) showLost();
    };
    const showLost = () => {
      lost = true;
      const note = document.createElement("p");
      note.className = "error";
      note.setAttribute("role", "alert");
      note.textContent = card.dataset.lostText;
      card.prepend(note);
      card.querySelectorAll("form button").forEach((b) => { b.disabled = true; });
    };
    const beat = async () => {
      if (lost) return;
      try {
        const response = await fetch(card.dataset.heartbeatUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
          body: JSON.stringify({ fencingToken: Number(card.dataset.fencingToken) }),
          credentials: "same-origin",
        });
        if (response.ok) {
          const body = await response.json();
          expires = new Date(body.leaseExpiresAt).getTime();
        } else if (response.status === 409 || response.status === 404) {
          showLost();
        }
      } catch (_) { /* offline for a moment: the next beat tries again */ }
    };
    tick();
    setInterval(tick, 1000);
    setInterval(beat, Number(card.dataset.heartbeatS || 60) * 1000);
    beat();
  }

  // CSV import progress: poll the import's progress until it is over, then show the report.
  function importProgress() {
    const card = document.getElementById("import-progress");
    if (!card || card.dataset.finished === "true") return;
    const bar = card.querySelector("progress");
    const poll = async () => {
      try {
        const response = await fetch(card.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!response.ok) return;
        const item = await response.json();
        bar.max = Math.max(item.totalRows, 1);
        bar.value = item.processedRows;
        for (const name of ["totalRows", "processedRows", "accepted", "rejected"]) {
          const cell = card.querySelector('[data-field="' + name + '"]');
          if (cell) cell.textContent = numbers.format(item[name]);
        }
        if (item.status === "done" || item.status === "failed") {
          window.location.reload();
          return;
        }
      } catch (_) { /* try again */ }
      setTimeout(poll, 1000);
    };
    setTimeout(poll, 500);
  }

  // The queue board refreshes itself, but never under the supervisor's hands.
  function liveBoard() {
    const holder = document.querySelector("[data-refresh-url]");
    if (!holder) return;
    const every = Number(holder.dataset.refreshS || 15) * 1000;
    setInterval(async () => {
      if (document.hidden || holder.contains(document.activeElement)) return;
      try {
        const response = await fetch(holder.dataset.refreshUrl, { credentials: "same-origin" });
        if (response.ok) holder.innerHTML = await response.text();
      } catch (_) { /* keep the last view */ }
    }, every);
  }

  document.addEventListener("DOMContentLoaded", () => {
    menu();
    autosubmit();
    confirmations();
    fitFrames();
    copyButtons();
    lease();
    importProgress();
    liveBoard();
  });
})();
