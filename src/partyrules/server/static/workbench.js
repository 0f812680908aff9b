// The workbench of `partyrules serve`: a plain ES module, no libraries. Every answer comes from the
// HTTP API of the same server (docs/workbench.md); text from the server is shown with textContent only.

const $ = (id) => document.getElementById(id);
const tokenMeta = document.querySelector('meta[name="partyrules-token"]');
const token = tokenMeta ? tokenMeta.content : "";

function headers(extra = {}) {
  return token ? { ...extra, Authorization: "Bearer " + token } : extra;
}

async function call(path, body) {
  const init = body === undefined
    ? { headers: headers() }
    : { method: "POST", headers: headers({ "Content-Type": "application/json" }), body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const data = await response.json();
  return { ok: response.ok, status: response.status, data };
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// ------------------------------------------------------------------ the rules in use

let rules = null; // {ruleset, on} or {fingerprint}
let described = null; // the ruleset as /api/rulesets/{id} describes it

function rulesParams() {
  return { ...rules };
}

async function pickRuleset() {
  const id = $("ruleset").value;
  if (!id) return;
  const on = $("on").value;
  const answer = await call(`/api/rulesets/${id}` + (on ? `?on=${on}` : ""));
  if (!answer.ok) {
    $("ruleset-info").textContent = answer.data.message;
    return;
  }
  rules = on ? { ruleset: id, on } : { ruleset: id };
  showRuleset(answer.data);
}

function showRuleset(data) {
  described = data;
  const period = [data.effective_from, data.effective_to].filter(Boolean).join(" – ");
  $("ruleset-info").textContent =
    `${data.title} · phiên bản ${data.version}` + (period ? ` · hiệu lực ${period}` : "") +
    ` · mã vân tay ${data.fingerprint.slice(0, 16)}`;
  buildForm(data.inputs);
  evaluate();
}

// ------------------------------------------------------------------ the form of one organisation

function field(input) {
  let control;
  if (input.kind === "enum" || input.kind === "level") {
    control = document.createElement("select");
    if (!input.required) control.append(element("option", "(mặc định)"));
    control.lastChild && (control.lastChild.value = "");
    for (const member of input.members) {
      const option = element("option", member.label);
      option.value = member.name;
      control.append(option);
    }
    if (input.default !== null) control.value = input.default;
  } else if (input.kind === "boolean") {
    control = document.createElement("select");
    for (const [value, text] of [["", input.required ? "(chọn)" : "(mặc định)"], ["true", "Có"], ["false", "Không"]]) {
      const option = element("option", text);
      option.value = value;
      control.append(option);
    }
    if (input.default !== null) control.value = String(input.default);
  } else {
    control = document.createElement("input");
    control.type = input.kind === "date" ? "date" : input.kind === "integer" ? "number" : "text";
    if (input.kind === "integer") control.step = "1";
    if (input.low !== null) control.min = input.low;
    if (input.high !== null) control.max = input.high;
    if (input.kind === "decimal" || input.kind === "percent") control.inputMode = "decimal";
    if (input.default !== null && input.default !== undefined) control.placeholder = String(input.default);
  }
  control.id = "fact-" + input.name;
  control.name = input.name;
  control.dataset.kind = input.kind;
  return control;
}

function rangeText(input) {
  const unit = input.kind === "percent" ? " %" : "";
  if (input.low !== null && input.high !== null) return `từ ${input.low} đến ${input.high}${unit}`;
  if (input.low !== null) return `từ ${input.low}${unit}`;
  if (input.high !== null) return `đến ${input.high}${unit}`;
  return input.kind === "percent" ? "%" : "";
}

function buildForm(inputs) {
  const form = $("facts");
  form.replaceChildren();
  for (const input of inputs) {
    const label = element("label", input.label);
    label.htmlFor = "fact-" + input.name;
    const hint = [input.name, rangeText(input), input.required ? "" : "không bắt buộc"].filter(Boolean).join(" · ");
    label.append(" ", element("span", hint, "hint"));
    form.append(label, field(input));
  }
}

function facts() {
  const out = {};
  for (const control of $("facts").elements) {
    const value = control.value.trim();
    if (value === "") continue;
    const kind = control.dataset.kind;
    if (kind === "integer" && /^[+-]?\d+$/.test(value)) out[control.name] = Number(value);
    else if (kind === "boolean") out[control.name] = value === "true";
    else out[control.name] = value; // decimals travel as text: exact
  }
  return out;
}

let evaluation = 0;
async function evaluate() {
  if (!rules) return;
  const mine = ++evaluation;
  const answer = await call("/api/explain", { ...rulesParams(), facts: facts() });
  if (mine !== evaluation) return; // a newer change is on its way
  const problems = $("problems");
  problems.replaceChildren();
  if (!answer.ok) {
    $("grade").textContent = "";
    $("explanation").textContent = "";
    for (const problem of answer.data.problems || [{ input: "", message: answer.data.message }]) {
      const label = described && described.inputs.find((i) => i.name === problem.input);
      problems.append(element("div", (label ? label.label : problem.input) + ": " + problem.message));
    }
    return;
  }
  const e = answer.data.evaluation;
  const grade = e.grades.find((g) => g.id === e.grade);
  $("grade").textContent = `${grade ? grade.label : "Không xếp loại"} · ${e.total}/${e.max} điểm`;
  $("explanation").textContent = answer.data.explanation;
}

// ------------------------------------------------------------------ the editor

function showGutter(diagnostics) {
  const lines = $("criteria").value.split("\n").length;
  const marks = new Map();
  for (const d of diagnostics) {
    if (d.file !== "workbench.criteria") continue;
    const seen = marks.get(d.line);
    if (!seen || d.severity === "error") marks.set(d.line, d);
  }
  const gutter = $("gutter");
  gutter.replaceChildren();
  for (let line = 1; line <= lines; line++) {
    const mark = marks.get(line);
    const number = element("div", String(line), mark ? mark.severity : undefined);
    if (mark) number.title = `${mark.code}: ${mark.message}`;
    number.dataset.line = String(line);
    gutter.append(number);
  }
  gutter.scrollTop = $("criteria").scrollTop;
}

// the page's key for its text: while the text does not parse, hover and completion use its last that did
const documentKey = "wb-" + Math.random().toString(36).slice(2, 14);

let checking = 0;
let timer = null;
async function check() {
  const mine = ++checking;
  const answer = await call("/api/check",
    { text: $("criteria").value, filename: "workbench.criteria", document: documentKey });
  if (mine !== checking || !answer.ok) return;
  const list = $("diagnostics");
  list.replaceChildren();
  for (const d of answer.data.diagnostics) {
    const where = d.file === "workbench.criteria" ? `dòng ${d.line}, cột ${d.column}` : `${d.file}:${d.line}`;
    const item = element("li", `${where}: ${d.code} ${d.message}` + (d.hint ? ` — ${d.hint}` : ""), d.severity);
    item.dataset.line = String(d.line);
    item.dataset.code = d.code;
    list.append(item);
  }
  $("check-status").textContent = answer.data.errors
    ? `${answer.data.errors} lỗi, ${answer.data.warnings} cảnh báo`
    : `không có lỗi (${answer.data.warnings} cảnh báo)`;
  showGutter(answer.data.diagnostics);
}

async function loadText() {
  const id = $("ruleset").value;
  if (!id) return;
  const on = $("on").value;
  const response = await fetch(`/api/rulesets/${id}/source` + (on ? `?on=${on}` : ""), { headers: headers() });
  if (!response.ok) return;
  $("criteria").value = await response.text();
  edited();
}

async function useText() {
  const answer = await call("/api/compile", { text: $("criteria").value });
  if (!answer.ok) {
    $("check-status").textContent = answer.data.message;
    return;
  }
  rules = { fingerprint: answer.data.fingerprint };
  $("ruleset").value = "";
  showRuleset(answer.data);
}

// ------------------------------------------------------------------ colours, hover and completion

// The text is drawn twice: the textarea (transparent text, its caret shown) over a <pre> holding the
// same text in coloured spans, the token classes of partyrules.highlight's lexer sent by the server.
let highlighting = false;
let highlightAgain = false;

function showPlain() {
  $("highlight").textContent = $("criteria").value + "\n";
  followScroll();
}

async function highlight() {
  if (highlighting) { highlightAgain = true; return; }
  highlighting = true;
  const text = $("criteria").value;
  const answer = await call("/api/highlight", { text }).catch(() => ({ ok: false }));
  highlighting = false;
  if (answer.ok && text === $("criteria").value) {
    const pre = $("highlight");
    pre.replaceChildren();
    for (const [kind, part] of answer.data.tokens) {
      pre.append(kind && kind !== "w" ? element("span", part, "t-" + kind) : document.createTextNode(part));
    }
    pre.append("\n");
    followScroll();
  }
  if (highlightAgain) { highlightAgain = false; highlight(); }
}

function followScroll() {
  const area = $("criteria");
  $("highlight").scrollTop = area.scrollTop;
  $("highlight").scrollLeft = area.scrollLeft;
  $("gutter").scrollTop = area.scrollTop;
}

function edited() {
  $("check-status").textContent = "đang kiểm tra…";
  showPlain();
  highlight();
  clearTimeout(timer);
  timer = setTimeout(check, 250);
}

let cell = null; // the size of one character of the editor's monospace font
function measure() {
  const area = $("criteria");
  const style = getComputedStyle(area);
  const probe = element("span", "0".repeat(100));
  Object.assign(probe.style, { font: style.font, position: "absolute", visibility: "hidden", whiteSpace: "pre" });
  document.body.append(probe);
  cell = { width: probe.getBoundingClientRect().width / 100, height: parseFloat(style.lineHeight),
    left: parseFloat(style.paddingLeft), top: parseFloat(style.paddingTop) };
  probe.remove();
  return cell;
}

// where a point of the screen falls in the text: 1-based line and column in characters (as the server counts)
function placeAt(x, y) {
  const area = $("criteria");
  const box = area.getBoundingClientRect();
  const size = cell || measure();
  const across = x - box.left - size.left + area.scrollLeft;
  const down = y - box.top - size.top + area.scrollTop;
  if (across < 0 || down < 0) return null;
  const line = Math.floor(down / size.height) + 1;
  const lines = area.value.split("\n");
  if (line > lines.length) return null;
  const column = Math.floor(across / size.width) + 1;
  return column <= [...lines[line - 1]].length ? { line, column } : null;
}

function caretPlace() {
  const area = $("criteria");
  const before = area.value.slice(0, area.selectionStart).split("\n");
  return { line: before.length, column: [...before[before.length - 1]].length + 1 };
}

// a box's place under a column of a line (the pane's own coordinates)
function under(box, line, column) {
  const area = $("criteria");
  const size = cell || measure();
  box.style.left = `${Math.max(0, size.left + (column - 1) * size.width - area.scrollLeft)}px`;
  box.style.top = `${size.top + line * size.height - area.scrollTop + 2}px`;
}

let hoverTimer = null;
let hovering = 0;
function hideHover() {
  clearTimeout(hoverTimer);
  hovering++;
  $("hover").hidden = true;
}

function hoverSoon(event) {
  clearTimeout(hoverTimer);
  const x = event.clientX;
  const y = event.clientY;
  hoverTimer = setTimeout(() => hover(x, y), 300);
}

async function hover(x, y) {
  const place = placeAt(x, y);
  const mine = ++hovering;
  if (!place) { $("hover").hidden = true; return; }
  const answer = await call("/api/hover", { text: $("criteria").value, ...place, document: documentKey });
  if (mine !== hovering) return;
  const box = $("hover");
  if (!answer.ok || !answer.data.hover) { box.hidden = true; return; }
  box.textContent = answer.data.hover.replaceAll("**", "").replaceAll("`", "");
  box.dataset.name = answer.data.name;
  under(box, answer.data.line, answer.data.column);
  box.hidden = false;
}

let offered = null; // {from, line, items, chosen} while the completion list is open
async function complete() {
  const place = caretPlace();
  const answer = await call("/api/complete", { text: $("criteria").value, ...place, document: documentKey });
  const list = $("completions");
  if (!answer.ok || !answer.data.items.length) { closeCompletions(); return; }
  offered = { from: answer.data.from, line: place.line, items: answer.data.items, chosen: 0 };
  list.replaceChildren();
  answer.data.items.slice(0, 200).forEach((item, i) => {
    const entry = element("li", item.label);
    entry.dataset.label = item.label;
    entry.append(element("span", item.detail || item.kind, "detail"));
    entry.addEventListener("mousedown", (event) => { event.preventDefault(); accept(i); });
    list.append(entry);
  });
  under(list, place.line, answer.data.from);
  list.hidden = false;
  choose(0);
}

function choose(i) {
  const entries = $("completions").children;
  offered.chosen = (i + entries.length) % entries.length;
  [...entries].forEach((entry, j) => entry.classList.toggle("chosen", j === offered.chosen));
  entries[offered.chosen].scrollIntoView({ block: "nearest" });
}

function closeCompletions() {
  offered = null;
  $("completions").hidden = true;
}

function accept(i) {
  const area = $("criteria");
  const lines = area.value.split("\n");
  let start = 0;
  for (let l = 0; l < offered.line - 1; l++) start += lines[l].length + 1;
  start += [...lines[offered.line - 1]].slice(0, offered.from - 1).join("").length;
  area.setRangeText(offered.items[i].label, start, area.selectionStart, "end");
  closeCompletions();
  area.focus();
  edited();
}

function editorKeys(event) {
  hideHover();
  if (event.ctrlKey && (event.key === " " || event.code === "Space")) {
    event.preventDefault();
    complete();
    return;
  }
  if (!offered) return;
  const moves = { ArrowDown: 1, ArrowUp: -1 };
  if (event.key in moves) {
    event.preventDefault();
    choose(offered.chosen + moves[event.key]);
  } else if (event.key === "Enter" || event.key === "Tab") {
    event.preventDefault();
    accept(offered.chosen);
  } else if (event.key === "Escape") {
    event.preventDefault();
    closeCompletions();
  }
}

// ------------------------------------------------------------------ a batch from a file

function batchUrl(output) {
  const file = $("upload").files[0];
  const params = new URLSearchParams({ ...rulesParams(), filename: file.name, output });
  const group = $("group").value.trim();
  if (group) params.set("group", group);
  return "/api/score/file?" + params;
}

function table(header, rows) {
  const node = document.createElement("table");
  const head = document.createElement("tr");
  for (const cell of header) head.append(element("th", cell));
  node.append(head);
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const cell of row) tr.append(element("td", String(cell)));
    node.append(tr);
  }
  return node;
}

function showBatch(summary) {
  const out = $("batch-result");
  out.replaceChildren();
  out.append(element("p", `${summary.scored} tổ chức được chấm, ${summary.rejected.length} dòng bị từ chối.`));
  const counts = table(summary.counts.header, summary.counts.rows);
  counts.id = "counts";
  out.append(counts);
  for (const q of summary.quotas) {
    out.append(element("p", q.applied
      ? `Hạn mức ${q.name}: ${q.demotions} tổ chức hạ từ ${q.grade} xuống ${q.demote_to}`
      : `Hạn mức ${q.name}: không áp dụng (dữ liệu thiếu cột nhóm)`));
  }
  if (summary.demotions.length) {
    out.append(table(["dòng", "mã", "hạn mức", "từ", "xuống", "thứ"],
      summary.demotions.map((d) => [d.row, d.id, d.quota, d.from, d.to, `${d.rank}/${d.candidates}`])));
  }
  const most = Math.max(1, ...summary.histogram.map((b) => b.count));
  out.append(element("h3", "Phân bố tổng điểm"));
  out.append(table(["khoảng", "số tổ chức", ""], summary.histogram.map((b) => [`${b.from}–${b.below}`, b.count, ""])));
  const bars = out.querySelectorAll("table:last-of-type tr td:last-child");
  summary.histogram.forEach((b, i) => {
    const bar = element("span", "", "bar");
    bar.style.width = `${(12 * b.count) / most}rem`;
    bars[i].style.textAlign = "left";
    bars[i].append(bar);
  });
  for (const bad of summary.rejected.slice(0, 50)) {
    out.append(element("div", `dòng ${bad.row}: ` + bad.problems.map((p) => `${p.input}: ${p.message}`).join("; "), "problem"));
  }
  $("downloads").hidden = false;
}

async function scoreFile() {
  const file = $("upload").files[0];
  if (!file || !rules) return;
  const response = await fetch(batchUrl("summary"), { method: "POST", headers: headers(), body: file });
  const data = await response.json();
  if (!response.ok) {
    $("batch-result").replaceChildren(element("p", data.message, "problem"));
    return;
  }
  showBatch(data);
}

async function download(output) {
  const file = $("upload").files[0];
  const response = await fetch(batchUrl(output), { method: "POST", headers: headers(), body: file });
  if (!response.ok) return;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = output === "html" ? "report.html" : `results.${output}`;
  document.body.append(link);
  link.click();
  link.remove();
}

// ------------------------------------------------------------------ two versions on one file

// one side's rules as the query of /api/diff/file: an id (and a date), or the editor's text compiled
async function side(name) {
  const id = $(name + "-ruleset").value;
  if (id) {
    const on = $(name + "-on").value;
    return on ? { [name]: id, [name + "_on"]: on } : { [name]: id };
  }
  const answer = await call("/api/compile", { text: $("criteria").value });
  if (!answer.ok) throw new Error((name === "old" ? "Trước" : "Sau") + ": " + answer.data.message);
  return { [name + "_fingerprint"]: answer.data.fingerprint };
}

async function compareUrl(output) {
  const file = $("compare-upload").files[0];
  const params = new URLSearchParams({ ...(await side("old")), ...(await side("new")), filename: file.name, output });
  return "/api/diff/file?" + params;
}

function showComparison(data) {
  const out = $("compare-result");
  out.replaceChildren();
  const title = (r) => `${r.id} ${r.version}`;
  out.append(element("p", `${title(data.old)} → ${title(data.new)}: ${data.scored} tổ chức được chấm theo cả hai, ` +
    `${data.grade_changed} đổi xếp loại; tổng điểm tăng ở ${data.higher}, giảm ở ${data.lower}, ` +
    `giữ nguyên ở ${data.same}; ${data.rejected.length} dòng bị từ chối.`, "summary"));
  const rules = element("ul");
  for (const d of data.differences) rules.append(element("li", d.text));
  if (!data.differences.length) rules.append(element("li", "hai bộ tiêu chí không khác nhau"));
  out.append(element("h3", "Khác nhau trong tiêu chí"), rules);
  const transitions = table(["trước", "sau", "số tổ chức"],
    data.transitions.map((t) => [t.from_label, t.to_label, t.count]));
  transitions.id = "transitions";
  data.transitions.forEach((t, i) => { if (t.from !== t.to) transitions.rows[i + 1].className = "changed"; });
  out.append(element("h3", "Xếp loại trước và sau"), transitions);
  const labels = new Map();
  for (const t of data.transitions) { labels.set(t.from, t.from_label); labels.set(t.to, t.to_label); }
  const moved = data.organisations.filter((o) => o.grade_changed || o.delta !== "0");
  out.append(element("h3", `Tổ chức có thay đổi (${moved.length}; tệp CSV có mọi tổ chức)`));
  const shown = moved.slice(0, 200);
  const organisations = table(["dòng", "mã", "tổng trước", "tổng sau", "chênh lệch", "xếp loại trước", "xếp loại sau"],
    shown.map((o) => [o.row, o.id, o.old_total, o.new_total, o.delta,
      labels.get(o.old_grade) || "không xếp loại", labels.get(o.new_grade) || "không xếp loại"]));
  organisations.id = "organisations";
  shown.forEach((o, i) => { if (o.grade_changed) organisations.rows[i + 1].className = "changed"; });
  out.append(organisations);
  for (const bad of data.rejected.slice(0, 50)) out.append(element("div", `dòng ${bad.row}: ${bad.message}`, "problem"));
  $("compare-downloads").hidden = false;
}

async function compareFile() {
  const file = $("compare-upload").files[0];
  if (!file) return;
  try {
    const response = await fetch(await compareUrl("summary"), { method: "POST", headers: headers(), body: file });
    const data = await response.json();
    if (!response.ok) throw new Error(data.message);
    showComparison(data);
  } catch (error) {
    $("compare-result").replaceChildren(element("p", error.message, "problem"));
    $("compare-downloads").hidden = true;
  }
}

async function compareDownload() {
  const file = $("compare-upload").files[0];
  const response = await fetch(await compareUrl("csv"), { method: "POST", headers: headers(), body: file });
  if (!response.ok) return;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = "diff.csv";
  document.body.append(link);
  link.click();
  link.remove();
}

// ------------------------------------------------------------------ wiring

$("ruleset").addEventListener("change", pickRuleset);
$("on").addEventListener("change", pickRuleset);
$("facts").addEventListener("input", evaluate);
$("facts").addEventListener("change", evaluate);
$("criteria").addEventListener("input", () => {
  edited();
  if (offered) complete(); // the list follows what is typed
});
$("criteria").addEventListener("scroll", () => { followScroll(); hideHover(); closeCompletions(); });
$("criteria").addEventListener("keydown", editorKeys);
$("criteria").addEventListener("mousemove", hoverSoon);
$("criteria").addEventListener("mouseleave", hideHover);
$("criteria").addEventListener("blur", closeCompletions);
$("compare-run").addEventListener("click", compareFile);
$("compare-csv").addEventListener("click", compareDownload);
$("load-text").addEventListener("click", loadText);
$("use-text").addEventListener("click", useText);
$("score").addEventListener("click", scoreFile);
for (const button of $("downloads").querySelectorAll("button")) {
  button.addEventListener("click", () => download(button.dataset.output));
}
pickRuleset();
