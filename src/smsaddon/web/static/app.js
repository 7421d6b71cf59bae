// The pages' small script: the user menu, the modals, the credits dropdown, forms that answer
// with an HTML fragment, and the countries filter. No dependencies.
(() => {
  "use strict";

  const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";
  const bodyOf = (dialog) => dialog.querySelector(".dialog-body");
  const originals = new WeakMap();

  // The navigation behind the Menu button (on a phone) --------------------------------------
  const navButton = document.getElementById("nav-button");
  navButton?.addEventListener("click", () => {
    const open = navButton.closest(".sidebar").classList.toggle("nav-open");
    navButton.setAttribute("aria-expanded", String(open));
  });

  // The user menu under the user's name (bottom left; top right on a phone) -----------------
  const menuButton = document.getElementById("user-menu-button");
  const menu = document.getElementById("user-menu");
  const setMenu = (open) => {
    if (!menu || !menuButton) return;
    menu.hidden = !open;
    menuButton.setAttribute("aria-expanded", String(open));
    if (open) menu.querySelector("a, button")?.focus();
  };
  menuButton?.addEventListener("click", () => setMenu(menu.hidden));
  document.addEventListener("click", (event) => {
    if (menu && !menu.hidden && !event.target.closest(".user-menu")) setMenu(false);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu && !menu.hidden) {
      setMenu(false);
      menuButton.focus();
    }
  });

  // Modals (native <dialog>: Escape closes, focus stays inside) -----------------------------
  const focusInto = (root) => {
    const target = root.querySelector("[autofocus]") ?? root.querySelector("h2");
    target?.focus();
  };
  const openDialog = (dialog) => {
    if (!originals.has(dialog)) originals.set(dialog, bodyOf(dialog).innerHTML);
    if (!dialog.open) dialog.showModal();
    focusInto(dialog);
  };
  const restoreDialog = (dialog) => {
    if (originals.has(dialog)) bodyOf(dialog).innerHTML = originals.get(dialog);
  };
  document.querySelectorAll("dialog").forEach((dialog) => {
    dialog.addEventListener("close", () => restoreDialog(dialog));
  });
  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      const dialog = document.getElementById(opener.dataset.openDialog);
      if (dialog) openDialog(dialog);
    }
    const closer = event.target.closest("[data-close-dialog]");
    if (closer) closer.closest("dialog")?.close();
    const back = event.target.closest("[data-restore-dialog]");
    if (back) {
      const dialog = back.closest("dialog");
      restoreDialog(dialog);
      focusInto(dialog);
    }
  });

  // The Edit credits dropdown: the total cost of the chosen amount --------------------------
  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-bundle-select]");
    if (!select) return;
    const option = select.selectedOptions[0];
    const form = select.form;
    form.querySelector("#bundle-summary").textContent = option.dataset.summary;
    form.querySelector("#bundle-note").textContent = option.dataset.note;
    form.querySelector("#bundle-continue").disabled = option.hasAttribute("data-current");
  });

  // Forms answered with a fragment shown in a modal -----------------------------------------
  const loading = '<p class="loading" role="status">Preparing your review…</p>';
  const trouble = (what) =>
    `<h2 tabindex="-1">Something went wrong</h2><p class="error" role="alert">${what} ` +
    "Reload the page to see where things stand, then try again.</p>" +
    '<div class="actions"><button type="button" data-close-dialog autofocus>Close</button></div>';
  const offline = trouble("The connection to the server failed.");
  const broken = trouble("The server could not complete this step.");

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-fetch]");
    if (!form) return;
    event.preventDefault();
    if (form.dataset.busy) return; // a second click while the first is on its way
    form.dataset.busy = "true";
    const buttons = [...form.querySelectorAll("button")];
    buttons.forEach((button) => { button.disabled = true; });
    const dialog = form.dataset.dialog
      ? document.getElementById(form.dataset.dialog)
      : form.closest("dialog");
    const body = bodyOf(dialog);
    if (!dialog.open) {
      body.innerHTML = loading;
      openDialog(dialog);
    }
    body.setAttribute("aria-busy", "true");
    let html = offline;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfToken(), "X-Requested-With": "fetch" },
      });
      const next = response.headers.get("X-Location");
      if (response.ok && next) {
        window.location.assign(next); // keep the buttons disabled while the page reloads
        return;
      }
      const isHtml = (response.headers.get("Content-Type") ?? "").startsWith("text/html");
      html = response.status < 500 && isHtml ? await response.text() : broken;
    } catch (error) {
      html = offline;
    }
    body.removeAttribute("aria-busy");
    delete form.dataset.busy;
    buttons.forEach((button) => { button.disabled = false; });
    if (dialog.open) {
      body.innerHTML = html;
      focusInto(body);
    }
  });

  // The countries filter: the same rules as the server's (?q=) ---------------------------
  const fold = (text) => text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  const matches = (row, query) => {
    if (!query) return true;
    const code = row.dataset.callingCode;
    if (query.startsWith("+")) return code === query.slice(1);
    return fold(row.dataset.name).includes(query) ||
      row.dataset.code.toLowerCase() === query || code === query;
  };
  const search = document.querySelector("input[data-filter-table]");
  if (search) {
    const table = document.getElementById(search.dataset.filterTable);
    const rows = [...table.tBodies[0].rows];
    const count = document.getElementById("country-count");
    const none = document.getElementById("no-country");
    search.addEventListener("input", () => {
      const query = fold(search.value.trim());
      let shown = 0;
      rows.forEach((row) => {
        row.hidden = !matches(row, query);
        if (!row.hidden) shown += 1;
      });
      none.hidden = shown > 0;
      table.hidden = shown === 0;
      count.textContent = query
        ? `${shown} of ${rows.length} countries match`
        : `${rows.length} countries`;
    });
  }
})();
