"""The workbench page: server-rendered HTML; ``static/workbench.js`` (shipped in the package) does the rest.

The page lists the rulesets of the search path; the script builds the form of the chosen one from
``/api/rulesets/{id}`` and calls the API as fields change, checks the editor's text through
``/api/check`` as it is typed, and sends an uploaded data file to ``/api/score/file``.
Nothing is fetched from the internet: no fonts, no scripts, no styles from elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

_CSS = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 1rem 3rem; color: #1b1b1b; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
section { margin-top: 1.5rem; } label { display: block; margin: .4rem 0 .1rem; font-weight: 600; }
.row { display: flex; gap: 1.5rem; flex-wrap: wrap; } .row > * { flex: 1 1 28rem; }
input, select { font: inherit; padding: .2rem; } input[type=number], input[type=text] { width: 12rem; }
.hint { color: #666; font-weight: normal; font-size: .85rem; }
pre { background: #f6f6f6; padding: .6rem; overflow: auto; white-space: pre-wrap; }
.grade { font-size: 1.3rem; font-weight: 700; } .problem { color: #a40000; }
.editor { display: flex; border: 1px solid #aaa; height: 24rem; }
.gutter { font: 13px/1.4 monospace; padding: .3rem .4rem; text-align: right; color: #888; background: #f3f3f3;
  overflow: hidden; user-select: none; min-width: 3rem; white-space: pre; }
.gutter .error { color: #fff; background: #c00; } .gutter .warning { color: #000; background: #fc0; }
textarea { font: 13px/1.4 monospace; border: 0; flex: 1; padding: .3rem; resize: none; white-space: pre; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2rem .5rem; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.bar { background: #3a6ea5; height: .9rem; display: inline-block; vertical-align: middle; }
"""


def workbench_page(rulesets: Sequence[dict[str, Any]], *, token: str | None = None) -> str:
    """The page, with the rulesets to pick from (a shipped id first when there is one) and the token, if any."""
    options = []
    for entry in rulesets:
        if not entry.get("versions"):
            continue
        newest = entry["versions"][-1]
        title = newest.get("title") or ""
        shown = f"{entry['id']} — {title}" if title else entry["id"]
        options.append(f'<option value="{escape(entry["id"])}">{escape(shown)}</option>')
    meta = f'<meta name="partyrules-token" content="{escape(token)}">' if token else ""
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{meta}
<link rel="icon" href="data:,">
<title>partyrules: bàn làm việc</title>
<style>{_CSS}</style>
</head>
<body>
<h1>partyrules: chấm điểm theo tiêu chí</h1>
<section id="pick">
  <label for="ruleset">Bộ tiêu chí</label>
  <select id="ruleset">{"".join(options)}<option value="">(tiêu chí soạn ở dưới)</option></select>
  <label for="on">Áp dụng ngày <span class="hint">(để trống: phiên bản mới nhất)</span></label>
  <input type="date" id="on">
  <p id="ruleset-info" class="hint"></p>
</section>
<section id="one">
  <h2>Chấm điểm một tổ chức</h2>
  <div class="row">
    <form id="facts" autocomplete="off"></form>
    <div>
      <p class="grade" id="grade"></p>
      <div id="problems" class="problem"></div>
      <pre id="explanation"></pre>
    </div>
  </div>
</section>
<section id="editor-section">
  <h2>Soạn tiêu chí</h2>
  <p class="hint">Lỗi hiện ngay khi gõ, ở dòng của nó. “Dùng tiêu chí này” chấm bằng văn bản đang soạn.</p>
  <div class="editor"><div class="gutter" id="gutter">1</div><textarea id="criteria" spellcheck="false"></textarea></div>
  <p><button type="button" id="load-text">Mở tiêu chí đã chọn</button>
     <button type="button" id="use-text">Dùng tiêu chí này</button> <span id="check-status" class="hint"></span></p>
  <ul id="diagnostics" class="problem"></ul>
</section>
<section id="batch">
  <h2>Chấm theo tệp</h2>
  <label for="upload">Tệp dữ liệu <span class="hint">(.csv, .jsonl, .json, .xlsx)</span></label>
  <input type="file" id="upload" accept=".csv,.jsonl,.ndjson,.json,.xlsx">
  <label for="group">Đếm theo cột <span class="hint">(ví dụ district; để trống: toàn bộ)</span></label>
  <input type="text" id="group">
  <button type="button" id="score">Chấm</button>
  <div id="batch-result"></div>
  <p id="downloads" hidden>Tải kết quả:
    <button type="button" data-output="csv">CSV</button>
    <button type="button" data-output="xlsx">Excel (.xlsx)</button>
    <button type="button" data-output="html">Báo cáo HTML</button></p>
</section>
<script type="module" src="/static/workbench.js"></script>
</body>
</html>
"""
