// Wegweiser workspace: small progressive enhancements; every page works without them.
(function () {
  "use strict";
  const csrf = () => (document.querySelector('input[name="csrf"]') || {}).value || "";

  // confirmations for destructive actions
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // language tabs
  const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
  function select(tab) {
    tabs.forEach((other) => {
      const on = other === tab;
      other.setAttribute("aria-selected", on ? "true" : "false");
      other.tabIndex = on ? 0 : -1;
      const panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    });
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (step) { const next = tabs[(i + step + tabs.length) % tabs.length]; select(next); next.focus(); }
    });
  });
  // open the tab of a field with a message
  const firstMsg = document.querySelector(".tab-panel .field-msg");
  if (firstMsg) { const panel = firstMsg.closest(".tab-panel"); const tab = document.getElementById(panel.getAttribute("aria-labelledby")); if (tab) select(tab); }

  // "apply suggestion" buttons
  document.querySelectorAll("button.fix").forEach((button) => {
    button.addEventListener("click", () => {
      const path = button.dataset.fixField;
      let value = JSON.parse(button.dataset.fixValue);
      const field = path.split(".");
      if (path === "coordinates" && Array.isArray(value)) {
        setValue("latitude", value[0]); setValue("longitude", value[1]); moveMarker();
      } else if (field[0] === "topics") {
        document.querySelectorAll('input[name="topics"]').forEach((box) => { if (box.value === value) box.checked = true; });
      } else if (typeof value === "boolean") {
        const box = document.querySelector(`input[name="${path}"]`); if (box) box.checked = value;
      } else {
        setValue(path, value);
      }
      button.closest(".field-msg").classList.add("fixed");
      button.textContent = "✓";
      button.disabled = true;
    });
  });
  function setValue(name, value) {
    const input = document.querySelector(`[name="${CSS.escape(name)}"]`);
    if (input) { input.value = value; input.dispatchEvent(new Event("input")); }
  }

  // opening hours in words while typing
  const hours = document.getElementById("opening_hours");
  const hoursOut = document.getElementById("hours-preview");
  let timer;
  if (hours && hoursOut) {
    hours.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const response = await fetch("/api/hours?value=" + encodeURIComponent(hours.value));
        if (!response.ok) return;
        const data = await response.json();
        hoursOut.textContent = "";
        if (!hours.value.trim()) return;
        if (data.ok) { hoursOut.append(hoursOut.dataset.ok || "✓ "); const b = document.createElement("strong"); b.textContent = data.text; hoursOut.append(b); }
        else { hoursOut.append("⚠ " + (data.suggestion ? "→ " + data.suggestion : "")); }
      }, 300);
    });
  }

  // the map: click sets the point; "from the address" uses the district's centre
  const svg = document.querySelector("svg.citymap");
  function moveMarker() {
    if (!svg) return;
    const lat = parseFloat(document.getElementById("latitude").value.replace(",", "."));
    const lon = parseFloat(document.getElementById("longitude").value.replace(",", "."));
    const marker = svg.querySelector(".marker");
    if (isNaN(lat) || isNaN(lon)) return;
    const d = svg.dataset;
    const x = (lon - d.west) / (d.east - d.west) * d.width;
    const y = (d.north - lat) / (d.north - d.south) * d.height;
    marker.setAttribute("transform", `translate(${x},${y})`);
    marker.style.display = "";
  }
  if (svg) {
    svg.addEventListener("click", (event) => {
      const box = svg.getBoundingClientRect();
      const d = svg.dataset;
      const x = (event.clientX - box.left) / box.width * d.width;
      const y = (event.clientY - box.top) / box.height * d.height;
      const lon = +d.west + x / d.width * (d.east - d.west);
      const lat = +d.north - y / d.height * (d.north - d.south);
      setValue("latitude", lat.toFixed(5)); setValue("longitude", lon.toFixed(5));
      moveMarker();
    });
    ["latitude", "longitude"].forEach((id) => document.getElementById(id).addEventListener("change", moveMarker));
  }
  const fromAddress = document.getElementById("from-address");
  if (fromAddress) {
    fromAddress.addEventListener("click", async () => {
      if (fromAddress.dataset.geocoder === "on") {
        const address = document.getElementById("address").value;
        const response = await fetch("/api/geocode?q=" + encodeURIComponent(address));
        if (response.ok) { const p = await response.json(); if (p.lat) { setValue("latitude", p.lat); setValue("longitude", p.lon); moveMarker(); return; } }
      }
      const option = document.getElementById("district").selectedOptions[0];
      if (option && option.dataset.lat) { setValue("latitude", option.dataset.lat); setValue("longitude", option.dataset.lon); moveMarker(); }
    });
  }

  // the card as the bot shows it, for what is typed now
  const form = document.getElementById("offer-form");
  const cardOut = document.getElementById("card-preview");
  async function refreshCard() {
    if (!form || !cardOut) return;
    const data = new FormData(form);
    const response = await fetch("/api/card", { method: "POST", body: data, headers: { "X-CSRF-Token": csrf() } });
    if (response.ok) cardOut.innerHTML = await response.text();
  }
  if (form && cardOut) {
    document.getElementById("refresh-card").addEventListener("click", refreshCard);
    document.getElementById("preview_language").addEventListener("change", refreshCard);
    refreshCard();
  }
})();
