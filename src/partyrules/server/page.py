"""The workbench page: server-rendered HTML; ``static/workbench.js`` (shipped in the package) does the rest.

The page lists the rulesets of the search path; the script builds the form of the chosen one from
``/api/rulesets/{id}`` and calls the API as fields change, checks the editor's text through
``/api/check`` as it is typed (coloured by ``/api/highlight``, with ``/api/hover`` and ``/api/complete``
from the language server's code), sends an uploaded data file to ``/api/score/file``, and the same
file under two rulesets to ``/api/diff/file``.
Nothing is fetched from the internet: no fonts, no scripts, no styles from elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from partyrules.server.editor import highlight_css

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
.code { position: relative; flex: 1; overflow: hidden; }
.code pre, .code textarea { position: absolute; inset: 0; box-sizing: border-box; width: 100%; height: 100%; margin: 0;
  border: 0; padding: .3rem; font: 13px/1.4 monospace; white-space: pre; tab-size: 8; background: transparent; }
.code pre { overflow: hidden; color: #1b1b1b; pointer-events: none; }
.code textarea { overflow: auto; color: transparent; caret-color: #000; z-index: 1; }
.code textarea::selection { color: transparent; background: rgba(58, 110, 165, .3); }
.hover { position: absolute; z-index: 2; background: #ffffe8; border: 1px solid #aa9; padding: .3rem .5rem;
  max-width: 36rem; white-space: pre-wrap; font-size: .85rem; pointer-events: none; }
.completions { position: absolute; z-index: 2; list-style: none; margin: 0; padding: 0; background: #fff;
  border: 1px solid #888; font: 13px/1.4 monospace; max-height: 12rem; overflow: auto; min-width: 14rem; }
.completions li { padding: 0 .4rem; cursor: pointer; } .completions li.chosen { background: #3a6ea5; color: #fff; }
.completions .detail { color: #888; margin-left: .8rem; } .completions li.chosen .detail { color: #dde; }
tr.changed td { background: #fff3d6; } #compare .row > * { min-width: 0; } #compare select { width: 100%; }
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
    choices = "".join(options)
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{meta}
<link rel="icon" href="data:,">
<title>partyrules: bàn làm việc</title>
<style>{_CSS}{highlight_css()}</style>
</head>
<body>
<h1>partyrules: chấm điểm theo tiêu chí</h1>
<section id="pick">
  <label for="ruleset">Bộ tiêu chí</label>
  <select id="ruleset">{choices}<option value="">(tiêu chí soạn ở dưới)</option></select>
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
  <p class="hint">Lỗi hiện ngay khi gõ, ở dòng của nó. Di chuột lên một tên để xem nó là gì; Ctrl+Space gợi ý
    từ có thể viết ở con trỏ. “Dùng tiêu chí này” chấm bằng văn bản đang soạn.</p>
  <div class="editor"><div class="gutter" id="gutter">1</div><div class="code" id="code">
    <pre id="highlight" aria-hidden="true"></pre><textarea id="criteria" spellcheck="false"></textarea>
    <div id="hover" class="hover" hidden></div><ul id="completions" class="completions" hidden></ul></div></div>
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
{_compare_section(choices)}
<script type="module" src="/static/workbench.js"></script>
</body>
</html>
"""


def _compare_section(choices: str) -> str:
    """Two rulesets (each an id and a date, or the editor's text) and a data file: ``/api/diff/file``."""
    return f"""<section id="compare">
  <h2>So sánh hai phiên bản trên một tệp dữ liệu</h2>
  <p class="hint">Chấm cùng một tệp theo hai bộ tiêu chí (hai phiên bản, hai ngày, hoặc tiêu chí đang soạn): từng tổ
    chức với tổng điểm và xếp loại theo mỗi bên. Không áp dụng hạn mức, như <code>partyrules diff --data</code>.</p>
  <div class="row">
    <div><label for="old-ruleset">Trước</label>
      <select id="old-ruleset">{choices}<option value="">(tiêu chí soạn ở trên)</option></select>
      <label for="old-on">Áp dụng ngày</label><input type="date" id="old-on"></div>
    <div><label for="new-ruleset">Sau</label>
      <select id="new-ruleset">{choices}<option value="">(tiêu chí soạn ở trên)</option></select>
      <label for="new-on">Áp dụng ngày</label><input type="date" id="new-on"></div>
  </div>
  <label for="compare-upload">Tệp dữ liệu <span class="hint">(.csv, .jsonl, .json, .xlsx)</span></label>
  <input type="file" id="compare-upload" accept=".csv,.jsonl,.ndjson,.json,.xlsx">
  <button type="button" id="compare-run">So sánh</button>
  <div id="compare-result"></div>
  <p id="compare-downloads" hidden><button type="button" id="compare-csv">Tải bảng so sánh (CSV)</button></p>
</section>"""
