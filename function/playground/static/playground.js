// The pyexec playground: edit a script, run it through POST /execute, see what came back.
// Everything the page knows about the API (the limits, their defaults and maxima) it reads
// from the server's /openapi.json; it talks to no one but the endpoint it is given.
import { createEditor } from "./editor.js";

const $ = (id) => document.getElementById(id);
const ENDPOINT_KEY = "pyexec-endpoint";
const THEME_KEY = "pyexec-theme";

const EXAMPLES = [
  ["Hello (seed example 1)", 'def main():\n    print("Hello from IDE")\n    return {"status": "ok"}\n'],
  ["numpy mean (seed example 2)",
    "def main():\n    import numpy as np\n    arr = np.array([1, 2, 3, 4, 5])\n"
    + '    return {"mean": float(np.mean(arr))}\n'],
  ["Read-only root (seed example 3)",
    'def main():\n    import os\n    os.mkdir("/should_fail")\n    return {"status": "created"}\n'],
  ["pandas DataFrame",
    "import pandas as pd\n\n\ndef main(n=6):\n    frame = pd.DataFrame({\n"
    + '        "city": ["Oslo", "Lima", "Oslo", "Pune", "Lima", "Oslo"][:n],\n'
    + '        "sales": [120, 80, 95, 60, 110, 70][:n],\n    })\n'
    + '    print(frame.describe())\n    return frame.groupby("city")["sales"].sum()\n',
    { n: 6 }],
  ["Timeout (a 1 s limit)",
    "import time\n\n\ndef main():\n    time.sleep(5)\n    return \"woke up\"\n", {},
    { timeout_s: 1 }],
  ["Memory limit (64 MiB)",
    "def main():\n    hoard = []\n    while True:\n        hoard.append(bytearray(1 << 24))\n", {},
    { memory_mib: 64 }],
];

let limitFields = {};
// CodeMirror adds a style element; the page's policy admits it by this response's nonce.
const nonce = document.querySelector('meta[name="style-nonce"]').content;
const script = createEditor({
  parent: $("script"), doc: EXAMPLES[0][1], language: "python", label: "Python script", onRun: run,
  nonce, describedBy: "editor-keys",
});
const args = createEditor({
  parent: $("args"), doc: "{}", language: "json", label: "Arguments as a JSON object", onRun: run,
  nonce, describedBy: "editor-keys",
});

function endpoint() {
  const value = $("endpoint").value.trim().replace(/\/+$/, "");
  return /^https?:\/\/[^\s/]+(\/\S*)?$/i.test(value) ? value : "";
}

// Theme: the system's until the toggle is used; then the toggle's, remembered.
function applyTheme(dark) {
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  $("theme").setAttribute("aria-pressed", String(dark));
  script.setDark(dark);
  args.setDark(dark);
}

// Share: the script, args and limits in the URL's fragment, which never reaches a server.
function encodeState(state) {
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  let binary = "";
  bytes.forEach((b) => { binary += String.fromCharCode(b); });
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeState(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
}

function restore() {
  const match = location.hash.match(/^#s=([A-Za-z0-9_-]+)$/);
  if (!match) return;
  let state;
  try {
    state = decodeState(match[1]);
    const valid = typeof state.script === "string"
      && isObject(state.args ?? {}) && isObject(state.limits ?? {});
    if (!valid) throw new Error("not a script, args and limits");
  } catch {
    say("This link's script could not be read; nothing was changed.", true);
    return;
  }
  script.text = state.script;
  args.text = JSON.stringify(state.args ?? {}, null, 2);
  setLimits(state.limits ?? {});
  say("Restored the script and arguments from the link.");
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

async function share() {
  const state = { script: script.text, args: parseArgs() ?? {}, limits: chosenLimits() };
  history.replaceState(null, "", `#s=${encodeState(state)}`);
  try {
    await navigator.clipboard.writeText(location.href);
    say("Link copied: it holds the script itself, nothing is stored.");
  } catch {
    say("The link is in the address bar: it holds the script itself, nothing is stored.");
  }
}

// Limits: a form built from the server's own description of them. Only the latest load
// builds it; the values chosen so far (typed, or from an example or a link) are kept.
let limitsLoad = 0;
async function loadLimits() {
  const load = ++limitsLoad;
  const note = $("limits-note");
  const fieldset = $("limits");
  let schema;
  try {
    const response = await fetch(`${endpoint()}/openapi.json`);
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    schema = (await response.json()).components.schemas.ExecutionRequest.properties.limits
      .properties;
  } catch (error) {
    if (load !== limitsLoad) return;
    note.hidden = false;
    note.textContent = `The server's limits could not be read (${error.message}).`;
    return;
  }
  if (load !== limitsLoad) return;
  const kept = { ...pendingLimits, ...chosenLimits() };
  fieldset.querySelectorAll("label").forEach((label) => label.remove());
  limitFields = {};
  for (const [name, spec] of Object.entries(schema)) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "number";
    input.name = name;
    input.min = spec.minimum;
    input.max = spec.maximum;
    input.step = spec.type === "integer" ? "1" : "any";
    input.placeholder = String(spec.default);
    input.title = `default ${spec.default}, at most ${spec.maximum}`;
    label.append(name, input);
    fieldset.append(label);
    limitFields[name] = input;
  }
  note.hidden = true;
  setLimits(kept);
}

function chosenLimits() {
  const limits = {};
  for (const [name, input] of Object.entries(limitFields)) {
    if (input.value !== "") limits[name] = Number(input.value);
  }
  return limits;
}

// Limits chosen before the form exists (a link, an example) wait here for it.
let pendingLimits = {};
function setLimits(limits) {
  pendingLimits = limits;
  for (const [name, input] of Object.entries(limitFields)) {
    input.value = name in limits ? String(limits[name]) : "";
  }
}

// Arguments: a JSON object, checked before anything is sent.
function parseArgs() {
  const problem = $("args-error");
  args.clearMarks();
  try {
    const value = JSON.parse(args.text || "{}");
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Error("the arguments must be a JSON object, like {\"n\": 3}");
    }
    problem.hidden = true;
    return value;
  } catch (error) {
    const line = /line (\d+)/.exec(error.message);
    args.markLine(line ? Number(line[1]) : 1, error.message);
    problem.textContent = `Arguments: ${error.message}`;
    problem.hidden = false;
    return null;
  }
}

function say(text, isError = false) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("ok", !isError);
}

function show(id, text) {
  $(id).textContent = text;
}

function clearOutput() {
  for (const id of ["result", "stdout", "stderr"]) show(id, "");
  $("error").hidden = true;
  $("stdout-cut").hidden = true;
  $("stderr-cut").hidden = true;
  script.clearMarks();
}

let running = false;
async function run() {
  if (running) return;
  const parsed = parseArgs();
  if (parsed === null) {
    say("Not sent: the arguments are not a JSON object.", true);
    return;
  }
  clearOutput();
  running = true;
  $("run").setAttribute("aria-disabled", "true");
  say("Running…");
  const started = performance.now();
  try {
    const response = await fetch(`${endpoint()}/execute`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ script: script.text, args: parsed, limits: chosenLimits() }),
    });
    const text = await response.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      say(`${response.status} ${response.statusText}: not the API's answer`, true);
      show("stderr", text.slice(0, 2000));
      return;
    }
    render(response, body, performance.now() - started);
  } catch (error) {
    say(`No answer from ${endpoint() || "this server"}: ${error.message}`, true);
  } finally {
    running = false;
    $("run").removeAttribute("aria-disabled");
  }
}

function render(response, body, roundTripMs) {
  const parts = [`${response.status} ${body.error ? body.error.code : "ok"}`];
  if (body.duration_ms !== undefined) parts.push(`${body.duration_ms} ms in the jail`);
  parts.push(`${Math.round(roundTripMs)} ms in all`, `execution ${body.execution_id}`);
  if (body.error) parts.push(String(body.error.message).slice(0, 300));  // announced too
  say(parts.join(" · "), Boolean(body.error));
  if ("result" in body) show("result", JSON.stringify(body.result, null, 2));
  show("stdout", body.stdout || "");
  show("stderr", body.stderr || "");
  $("stdout-cut").hidden = !(body.truncated && body.truncated.stdout);
  $("stderr-cut").hidden = !(body.truncated && body.truncated.stderr);
  if (body.error) renderError(body.error, response.headers.get("Retry-After"));
}

function renderError(error, retryAfter) {
  const { code, type, message, traceback, ...extra } = error;
  $("error").hidden = false;
  show("error-code", code);
  show("error-type", type || "");
  show("error-message", message);
  const details = Object.entries(extra).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
  if (retryAfter) details.push(`Retry-After: ${retryAfter} s`);
  show("error-extra", details.join(" · "));
  $("error-traceback").hidden = !traceback;
  show("error-traceback", traceback || "");
  const line = code === "syntax_error" ? extra.line : lastScriptLine(traceback);
  if (line) script.markLine(line, `${type || code}: ${message}`);
}

function lastScriptLine(traceback) {
  const lines = [...(traceback || "").matchAll(/File "<script>", line (\d+)/g)];
  return lines.length ? Number(lines[lines.length - 1][1]) : null;
}

function pickExample(index) {
  const [, source, exampleArgs = {}, limits = {}] = EXAMPLES[index];
  script.text = source;
  args.text = JSON.stringify(exampleArgs, null, 2);
  setLimits(limits);
  clearOutput();
  say(`Loaded “${EXAMPLES[index][0]}”: press Run or Ctrl+Enter.`);
}

function start() {
  EXAMPLES.forEach(([name], index) => $("example").append(new Option(name, String(index))));
  $("example").addEventListener("change", (event) => {
    if (event.target.value !== "") pickExample(Number(event.target.value));
  });
  $("run").addEventListener("click", run);
  $("share").addEventListener("click", share);
  const stored = localStorage.getItem(THEME_KEY);
  const systemDark = matchMedia("(prefers-color-scheme: dark)");
  applyTheme(stored ? stored === "dark" : systemDark.matches);
  systemDark.addEventListener("change", (event) => {
    if (!localStorage.getItem(THEME_KEY)) applyTheme(event.matches);
  });
  $("theme").addEventListener("click", () => {
    const dark = document.documentElement.dataset.theme !== "dark";
    localStorage.setItem(THEME_KEY, dark ? "dark" : "light");
    applyTheme(dark);
  });
  $("endpoint").value = localStorage.getItem(ENDPOINT_KEY) || "";
  $("endpoint").addEventListener("change", () => {
    if ($("endpoint").value.trim() && !endpoint()) {
      say("The endpoint must be an http:// or https:// URL; this server is used.", true);
    }
    localStorage.setItem(ENDPOINT_KEY, endpoint());
    $("openapi").href = `${endpoint()}/openapi.json`;
    loadLimits();
  });
  $("openapi").href = `${endpoint()}/openapi.json`;
  restore();
  loadLimits();
}

start();
