/**
 * The demo page's script, served as /demo.js. Plain browser JavaScript (no build step); data from
 * the API only ever reaches the DOM through textContent and createTextNode, never innerHTML.
 * (It lives in a String.raw template: no backticks or dollar-brace inside.)
 *
 * - autocomplete: debounced GET /v1/autocomplete, ARIA 1.2 combobox with aria-activedescendant;
 *   if the endpoint answers 404 the page stops asking and searches only;
 * - search: GET /v1/search, titles with their `highlights` ranges in <mark>, and the path that
 *   served, the A/B arm (body `experiment` or `X-Experiment-Arm`), Server-Timing total and the
 *   client round trip;
 * - strategies: the `strategy` enum of /openapi.json, or a fixed list.
 */
export const DEMO_JS = String.raw`(() => {
  "use strict";

  const FALLBACK_STRATEGIES = ["fm-ngram"];
  const SUGGEST_DEBOUNCE_MS = 120;
  const SUGGEST_COUNT = 8;
  const RESULT_COUNT = 10;

  const form = document.getElementById("search-form");
  const input = document.getElementById("q");
  const listbox = document.getElementById("suggestions");
  const hint = document.getElementById("q-hint");
  const strategySelect = document.getElementById("strategy");
  const region = document.getElementById("results-region");
  const statusLine = document.getElementById("status");
  const meta = document.getElementById("meta");
  const results = document.getElementById("results");
  const metaField = (name) => document.getElementById("meta-" + name);

  // ---- autocomplete -------------------------------------------------------------------------

  let suggestEnabled = true;
  let suggestTimer = 0;
  let suggestController = null;
  let suggestions = [];
  let active = -1;

  const isOpen = () => !listbox.hidden;

  function closeSuggestions() {
    listbox.hidden = true;
    listbox.replaceChildren();
    suggestions = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function cancelSuggest() {
    clearTimeout(suggestTimer);
    if (suggestController) suggestController.abort();
    suggestController = null;
  }

  function setActive(index) {
    active = index;
    const options = listbox.querySelectorAll("[role=option]");
    options.forEach((el, i) => {
      const selected = i === index;
      el.setAttribute("aria-selected", selected ? "true" : "false");
      el.classList.toggle("active", selected);
      if (selected) el.scrollIntoView({ block: "nearest" });
    });
    if (index >= 0 && options[index]) input.setAttribute("aria-activedescendant", options[index].id);
    else input.removeAttribute("aria-activedescendant");
  }

  function renderSuggestions(list, typed) {
    listbox.replaceChildren();
    suggestions = list;
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (list.length === 0) {
      closeSuggestions();
      return;
    }
    const lowerTyped = typed.toLowerCase();
    list.forEach((s, i) => {
      const li = document.createElement("li");
      li.id = "suggestion-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.index = String(i);
      const text = document.createElement("span");
      text.className = "suggestion-text";
      if (s.text.toLowerCase().startsWith(lowerTyped)) {
        // the part already typed plain, the completion in bold
        text.appendChild(document.createTextNode(s.text.slice(0, typed.length)));
        const rest = document.createElement("b");
        rest.textContent = s.text.slice(typed.length);
        text.appendChild(rest);
      } else {
        text.textContent = s.text;
      }
      li.appendChild(text);
      if (s.source === "query" || s.source === "title") {
        const badge = document.createElement("span");
        badge.className = "suggestion-source";
        badge.textContent = s.source === "query" ? "popular" : "product";
        li.appendChild(badge);
      }
      listbox.appendChild(li);
    });
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  async function fetchSuggestions(typed) {
    if (suggestController) suggestController.abort();
    const controller = new AbortController();
    suggestController = controller;
    let res;
    let body;
    try {
      res = await fetch("/v1/autocomplete?" + new URLSearchParams({ q: typed, k: String(SUGGEST_COUNT) }), {
        signal: controller.signal,
        headers: { accept: "application/json" },
      });
      if (res.status === 404) {
        // No autocomplete on this Worker (yet): stop asking, search still works.
        suggestEnabled = false;
        hint.textContent = "Autocomplete is not available on this server; press Enter to search.";
        closeSuggestions();
        return;
      }
      if (!res.ok) throw new Error("HTTP " + res.status);
      body = await res.json();
    } catch (err) {
      if (controller === suggestController && !(err && err.name === "AbortError")) closeSuggestions();
      return;
    }
    // A newer keystroke or a search since this request started: drop it.
    if (controller !== suggestController || input.value.trim() !== typed) return;
    suggestController = null;
    const list = Array.isArray(body && body.suggestions)
      ? body.suggestions.filter((s) => s && typeof s.text === "string" && s.text.trim() !== "")
      : [];
    renderSuggestions(list, typed);
  }

  function chooseSuggestion(index) {
    const s = suggestions[index];
    if (!s) return;
    input.value = s.text;
    cancelSuggest();
    closeSuggestions();
    runSearch();
  }

  input.addEventListener("input", () => {
    cancelSuggest();
    const typed = input.value.trim();
    if (!suggestEnabled || typed === "") {
      closeSuggestions();
      return;
    }
    suggestTimer = setTimeout(() => fetchSuggestions(typed), SUGGEST_DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (e) => {
    const n = suggestions.length;
    switch (e.key) {
      case "ArrowDown":
        if (!isOpen() || n === 0) return;
        e.preventDefault();
        setActive(active + 1 >= n ? 0 : active + 1);
        break;
      case "ArrowUp":
        if (!isOpen() || n === 0) return;
        e.preventDefault();
        setActive(active <= 0 ? n - 1 : active - 1);
        break;
      case "Enter":
        if (isOpen() && active >= 0) {
          e.preventDefault();
          chooseSuggestion(active);
        }
        // otherwise the form submits
        break;
      case "Escape":
        if (isOpen()) {
          e.preventDefault();
          cancelSuggest();
          closeSuggestions();
        }
        break;
      case "Tab":
        closeSuggestions();
        break;
    }
  });

  input.addEventListener("blur", () => {
    cancelSuggest();
    closeSuggestions();
  });
  // Keep the focus in the input while clicking an option (no blur), then take the option.
  listbox.addEventListener("mousedown", (e) => e.preventDefault());
  listbox.addEventListener("click", (e) => {
    const li = e.target instanceof Element ? e.target.closest("[role=option]") : null;
    if (li) chooseSuggestion(Number(li.dataset.index));
  });
  listbox.addEventListener("mousemove", (e) => {
    const li = e.target instanceof Element ? e.target.closest("[role=option]") : null;
    if (li && Number(li.dataset.index) !== active) setActive(Number(li.dataset.index));
  });

  // ---- search -------------------------------------------------------------------------------

  let searchSeq = 0;

  /** The dur of one metric of a Server-Timing header, or null. */
  function serverTiming(header, name) {
    if (!header) return null;
    for (const entry of header.split(",")) {
      const parts = entry.split(";").map((p) => p.trim());
      if (parts[0] !== name) continue;
      for (const p of parts.slice(1)) {
        const m = /^dur="?([\d.]+)"?$/.exec(p);
        if (m) return Number(m[1]);
      }
    }
    return null;
  }

  const ms = (x) => (x < 10 ? x.toFixed(1) : String(Math.round(x))) + " ms";

  /** The title as text nodes, with each [start, end) range of highlights in a <mark>. */
  function highlighted(title, highlights) {
    const frag = document.createDocumentFragment();
    const ranges = (Array.isArray(highlights) ? highlights : [])
      .filter((h) => h && Number.isInteger(h.start) && Number.isInteger(h.end))
      .map((h) => [Math.max(0, h.start), Math.min(title.length, h.end)])
      .filter((r) => r[0] < r[1])
      .sort((a, b) => a[0] - b[0]);
    let pos = 0;
    for (const [s, e] of ranges) {
      const start = Math.max(s, pos);
      if (start >= e) continue;
      if (start > pos) frag.appendChild(document.createTextNode(title.slice(pos, start)));
      const mark = document.createElement("mark");
      mark.textContent = title.slice(start, e);
      frag.appendChild(mark);
      pos = e;
    }
    if (pos < title.length) frag.appendChild(document.createTextNode(title.slice(pos)));
    return frag;
  }

  function setMeta(name, text, muted) {
    const el = metaField(name);
    el.textContent = text;
    el.classList.toggle("muted", Boolean(muted));
  }

  function showError(message) {
    region.setAttribute("aria-busy", "false");
    meta.hidden = true;
    results.replaceChildren();
    statusLine.classList.add("error");
    statusLine.textContent = message;
  }

  function renderResults(body, headers, roundTripMs) {
    const hits = Array.isArray(body.hits) ? body.hits : [];
    statusLine.classList.remove("error");
    statusLine.textContent =
      hits.length === 0
        ? "No results for \u201c" + body.query + "\u201d."
        : hits.length + (hits.length === 1 ? " result" : " results") + " for \u201c" + body.query + "\u201d";
    // Typo corrections the engine searched as well ("gaden" -> "garden").
    const fixes = Array.isArray(body.corrections) ? body.corrections : [];
    if (fixes.length > 0) {
      statusLine.textContent +=
        " \u2014 also searched " + fixes.map((f) => "\u201c" + String(f.to) + "\u201d for \u201c" + String(f.from) + "\u201d").join(", ");
    }

    // The path that answered; when it is not the one asked for, say so (lexical without a span model).
    const served = String(body.served || body.strategy || "unknown");
    setMeta("path", served === body.strategy || !body.strategy ? served : served + " (asked: " + body.strategy + ")");
    const experiment = body.experiment && typeof body.experiment === "object" ? body.experiment : null;
    const arm = (experiment && experiment.arm) || headers.get("X-Experiment-Arm");
    if (arm) setMeta("arm", String(arm) + (experiment && experiment.id ? " (" + experiment.id + ")" : ""));
    else setMeta("arm", "no experiment", true);
    const total = serverTiming(headers.get("Server-Timing"), "total");
    setMeta("server", total === null ? "n/a" : ms(total), total === null);
    setMeta("rtt", ms(roundTripMs));
    const trips = headers.get("X-KV-Round-Trips");
    setMeta("kv", trips === null ? "n/a" : trips, trips === null);
    setMeta("index", String(body.index || "").slice(0, 16));
    meta.hidden = false;

    const items = hits.map((hit) => {
      const li = document.createElement("li");
      li.className = "hit";
      const title = document.createElement("div");
      title.className = "hit-title";
      title.appendChild(highlighted(String(hit.title), hit.highlights));
      const sub = document.createElement("div");
      sub.className = "hit-sub";
      const id = document.createElement("span");
      id.className = "hit-id";
      id.textContent = String(hit.id);
      sub.appendChild(id);
      if (typeof hit.score === "number") sub.appendChild(document.createTextNode(" \u00b7 score " + hit.score.toFixed(2)));
      if (Array.isArray(hit.spans) && hit.spans.length > 0) {
        sub.appendChild(document.createTextNode(" \u00b7 matched " + hit.spans.map((s) => "\u201c" + s.text + "\u201d").join(", ")));
      }
      li.append(title, sub);
      return li;
    });
    results.replaceChildren(...items);
    region.setAttribute("aria-busy", "false");
  }

  async function runSearch() {
    const q = input.value.trim();
    if (q === "") {
      showError("Type a query first.");
      input.focus();
      return;
    }
    const seq = ++searchSeq;
    const strategy = strategySelect.value;
    const shown = new URLSearchParams({ q });
    if (strategy) shown.set("strategy", strategy);
    history.replaceState(null, "", "?" + shown);
    const params = new URLSearchParams(shown);
    params.set("k", String(RESULT_COUNT));

    region.setAttribute("aria-busy", "true");
    statusLine.classList.remove("error");
    statusLine.textContent = "Searching\u2026";
    const started = performance.now();
    let res;
    let body;
    try {
      res = await fetch("/v1/search?" + params, { headers: { accept: "application/json" } });
      body = await res.json();
    } catch (err) {
      if (seq === searchSeq) showError("The search failed: " + (err && err.message ? err.message : String(err)));
      return;
    }
    const roundTripMs = performance.now() - started;
    if (seq !== searchSeq) return; // a newer search is on its way
    if (!res.ok) {
      showError((body && body.error && body.error.message) || "The search failed (HTTP " + res.status + ").");
      return;
    }
    renderResults(body, res.headers, roundTripMs);
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    cancelSuggest();
    closeSuggestions();
    runSearch();
  });
  strategySelect.addEventListener("change", () => {
    if (input.value.trim() !== "") runSearch();
  });

  // ---- start --------------------------------------------------------------------------------

  async function strategies() {
    try {
      const res = await fetch("/openapi.json", { headers: { accept: "application/json" } });
      if (!res.ok) return FALLBACK_STRATEGIES;
      const doc = await res.json();
      const params = (doc.paths && doc.paths["/v1/search"] && doc.paths["/v1/search"].get.parameters) || [];
      const param = params.find((p) => p && p.name === "strategy");
      const names = param && param.schema && param.schema.enum;
      return Array.isArray(names) && names.length > 0 ? names.map(String) : FALLBACK_STRATEGIES;
    } catch {
      return FALLBACK_STRATEGIES;
    }
  }

  async function start() {
    const url = new URLSearchParams(location.search);
    for (const name of await strategies()) {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      strategySelect.appendChild(option);
    }
    const wanted = url.get("strategy");
    if (wanted && [...strategySelect.options].some((o) => o.value === wanted)) strategySelect.value = wanted;
    const q = url.get("q");
    if (q && input.value === "") {
      input.value = q;
      runSearch();
    }
    document.documentElement.dataset.ready = "true";
  }

  start();
})();
`;
