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

let checking = 0;
let timer = null;
async function check() {
  const mine = ++checking;
  const answer = await call("/api/check", { text: $("criteria").value, filename: "workbench.criteria" });
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
  check();
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

// ------------------------------------------------------------------ wiring

$("ruleset").addEventListener("change", pickRuleset);
$("on").addEventListener("change", pickRuleset);
$("facts").addEventListener("input", evaluate);
$("facts").addEventListener("change", evaluate);
$("criteria").addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(check, 250);
});
$("criteria").addEventListener("scroll", () => { $("gutter").scrollTop = $("criteria").scrollTop; });
$("load-text").addEventListener("click", loadText);
$("use-text").addEventListener("click", useText);
$("score").addEventListener("click", scoreFile);
for (const button of $("downloads").querySelectorAll("button")) {
  button.addEventListener("click", () => download(button.dataset.output));
}
pickRuleset();
