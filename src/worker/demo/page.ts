/**
 * The demo page's markup. No inline script or style (the CSP forbids both): the behaviour is
 * /demo.js (client.ts) and the look /demo.css (style.ts). Everything is same-origin, so the page
 * works offline against `wrangler dev`.
 */
export const DEMO_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Edgespan demo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/demo.css">
<script src="/demo.js" defer></script>
</head>
<body>
<header class="top">
  <h1>Edgespan</h1>
  <p class="tagline">Product search from an FM index in Workers KV, served at the edge.</p>
</header>
<main>
  <form id="search-form" role="search" action="/" method="get" autocomplete="off" novalidate>
    <label for="q" class="field-label">Search products</label>
    <div class="controls">
      <div class="combo">
        <input id="q" name="q" type="search" role="combobox" aria-autocomplete="list" aria-expanded="false"
               aria-controls="suggestions" aria-describedby="q-hint" placeholder="e.g. black door knob"
               maxlength="256" autocomplete="off" spellcheck="false" autofocus>
        <ul id="suggestions" role="listbox" aria-label="Suggestions" hidden></ul>
      </div>
      <div class="strategy">
        <label for="strategy">Path</label>
        <select id="strategy" name="strategy">
          <option value="">default</option>
        </select>
      </div>
      <button id="search-button" type="submit">Search</button>
    </div>
    <p id="q-hint" class="hint">Suggestions appear as you type: <kbd>↑</kbd> <kbd>↓</kbd> to choose,
      <kbd>Enter</kbd> to search, <kbd>Esc</kbd> to close.</p>
  </form>

  <section id="results-region" aria-labelledby="results-heading" aria-live="polite" aria-busy="false">
    <h2 id="results-heading" class="visually-hidden">Results</h2>
    <p id="status" class="status">Type a query to search the catalog.</p>
    <dl id="meta" class="meta" hidden>
      <div><dt>path</dt><dd id="meta-path"></dd></div>
      <div><dt>A/B arm</dt><dd id="meta-arm"></dd></div>
      <div><dt>server</dt><dd id="meta-server"></dd></div>
      <div><dt>round trip</dt><dd id="meta-rtt"></dd></div>
      <div><dt>KV reads</dt><dd id="meta-kv"></dd></div>
      <div><dt>index</dt><dd id="meta-index"></dd></div>
    </dl>
    <ol id="results" class="results"></ol>
  </section>
</main>
<footer class="foot">
  <a href="/openapi.json">OpenAPI document</a> · <a href="/health">health</a>
</footer>
</body>
</html>
`;
