// The compose page's live counter and cost preview, and the history's refresh while busy.
(() => {
  "use strict";
  const history = document.getElementById("history");
  if (history?.dataset.refresh) {
    setTimeout(() => window.location.reload(), Number(history.dataset.refresh) * 1000);
  }
  const form = document.getElementById("compose-form");
  if (!form) return;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
  const $ = (id) => document.getElementById(id);
  const text = $("compose-text");
  const to = $("compose-to");
  const list = $("compose-list");
  let timer = null;
  let latest = 0;
  // Numbers as the server writes them (en_US: "1,500"), with the noun agreeing.
  const number = (n) => new Intl.NumberFormat("en-US").format(n);
  const count = (n, noun) => `${number(n)} ${noun}${n === 1 ? "" : "s"}`;

  const show = (data) => {
    const unit = data.encoding === "GSM-7" ? "septet" : "UCS-2 unit";
    $("counter").textContent =
      `${data.encoding} · ${count(data.units, unit)} · ${count(data.segments, "segment")}`;
    const culprits = $("culprits");
    culprits.hidden = data.culprits.length === 0;
    culprits.textContent = data.culprits.length
      ? "UCS-2 because of: " + data.culprits.map((c) => `${c.char} (${c.names.join(", ")})`).join("; ")
      : "";
    $("smart").hidden = !data.smart;
    if (data.smart) {
      $("smart-text").textContent =
        `Smart encoding: replacing look-alike characters sends ${count(data.smart.segments, "segment")} in ${data.smart.encoding}.`;
      $("smart-apply").onclick = () => { text.value = data.smart.text; refresh(); };
    }
    $("compose-error").hidden = !data.error;
    $("compose-error").textContent = data.error ?? "";
    const body = document.querySelector("#cost tbody");
    body.replaceChildren(...data.countries.map((c) => {
      const row = document.createElement("tr");
      for (const [value, cls] of [[`${c.name} (${c.credits_per_segment}/segment)`, ""],
                                  [number(c.recipients), "num"], [number(c.credits), "num"]]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        if (cls) cell.className = cls;
        row.append(cell);
      }
      return row;
    }));
    $("cost-total").textContent = number(data.total_credits);
    $("available").textContent = number(data.available);
    $("cost-notes").textContent = [...data.invalid, ...data.unsupported.map((u) => `${u}: not supported`),
                                   ...(data.excluded ?? [])].join("; ");
  };

  const refresh = async () => {
    const ticket = ++latest;
    const response = await fetch("/compose/preview", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ text: text.value, to: to.value, list: list.value }),
    });
    if (ticket !== latest) return;
    if (response.status === 422) {  // the list is not there (any more)
      $("compose-error").textContent = (await response.json()).error;
      $("compose-error").hidden = false;
      return;
    }
    if (response.ok) show(await response.json());
  };
  const soon = () => { clearTimeout(timer); timer = setTimeout(refresh, 120); };
  text.addEventListener("input", soon);
  to.addEventListener("input", soon);
  list.addEventListener("change", soon);
  refresh();
})();
