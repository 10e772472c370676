/** The demo page's stylesheet, served as /demo.css: system fonts, light and dark. */
export const DEMO_CSS = String.raw`:root {
  color-scheme: light dark;
  --bg: #f7f7f8;
  --panel: #ffffff;
  --text: #1c1d21;
  --muted: #5f6470;
  --line: #d9dbe1;
  --accent: #2458d6;
  --accent-text: #ffffff;
  --mark: #ffe28a;
  --mark-text: #1c1d21;
  --active: #e8eefc;
  --error: #b42318;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 16px;
  line-height: 1.45;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15161a;
    --panel: #1e2026;
    --text: #e8e9ed;
    --muted: #a0a5b1;
    --line: #343741;
    --accent: #6d97ff;
    --accent-text: #0d1020;
    --mark: #806516;
    --mark-text: #fff6d6;
    --active: #2a3350;
    --error: #ff8a80;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
.top, main, .foot { max-width: 52rem; margin: 0 auto; padding: 0 1.25rem; }
.top { padding-top: 2rem; }
h1 { margin: 0; font-size: 1.75rem; letter-spacing: -0.01em; }
.tagline { margin: 0.25rem 0 1.5rem; color: var(--muted); }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}

form { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 1rem 1.25rem 0.75rem; }
.field-label { display: block; font-weight: 600; margin-bottom: 0.4rem; }
.controls { display: flex; gap: 0.6rem; align-items: flex-end; flex-wrap: wrap; }
.combo { position: relative; flex: 1 1 18rem; }
input[type="search"], select, button {
  font: inherit; color: inherit; border-radius: 8px; border: 1px solid var(--line);
  background: var(--bg); padding: 0.55rem 0.75rem; min-height: 2.6rem;
}
input[type="search"] { width: 100%; }
.strategy { display: flex; flex-direction: column; font-size: 0.8rem; color: var(--muted); }
.strategy label { margin-bottom: 0.15rem; }
.strategy select { font-size: 0.95rem; color: var(--text); }
button { background: var(--accent); color: var(--accent-text); border-color: var(--accent); font-weight: 600; cursor: pointer; padding: 0.55rem 1.2rem; }
button:hover { filter: brightness(1.08); }
input:focus-visible, select:focus-visible, button:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 45%, transparent); outline-offset: 1px; }
.hint { margin: 0.6rem 0 0; font-size: 0.8rem; color: var(--muted); }
kbd { font: inherit; font-size: 0.75rem; border: 1px solid var(--line); border-bottom-width: 2px; border-radius: 4px; padding: 0 0.3rem; }

#suggestions {
  position: absolute; z-index: 10; top: calc(100% + 4px); left: 0; right: 0;
  margin: 0; padding: 0.25rem 0; list-style: none; max-height: 20rem; overflow-y: auto;
  background: var(--panel); border: 1px solid var(--line); border-radius: 8px;
  box-shadow: 0 8px 24px rgb(0 0 0 / 0.14);
}
#suggestions[hidden] { display: none; }
#suggestions [role="option"] { display: flex; justify-content: space-between; gap: 1rem; padding: 0.45rem 0.75rem; cursor: pointer; }
#suggestions [role="option"].active { background: var(--active); }
.suggestion-text b { font-weight: 650; }
.suggestion-source { font-size: 0.75rem; color: var(--muted); align-self: center; }

#results-region { margin: 1.5rem 0 2rem; }
.status { margin: 0 0 0.5rem; font-weight: 600; }
.status.error { color: var(--error); }
.meta { display: flex; flex-wrap: wrap; gap: 0.4rem 1.25rem; margin: 0 0 1rem; font-size: 0.85rem; }
.meta[hidden] { display: none; }
.meta div { display: flex; gap: 0.35rem; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: 600; }
.meta dd.muted { color: var(--muted); font-weight: 400; }
.results { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.5rem; }
.hit { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 0.7rem 1rem; }
.hit-title { font-size: 1.02rem; }
mark { background: var(--mark); color: var(--mark-text); border-radius: 3px; padding: 0 0.1em; }
.hit-sub { margin-top: 0.2rem; font-size: 0.8rem; color: var(--muted); }
.hit-id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.foot { padding-bottom: 2rem; font-size: 0.85rem; color: var(--muted); }
.foot a { color: var(--accent); }
`;
