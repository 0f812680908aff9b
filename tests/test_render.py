"""Printable score sheets: Markdown and HTML of every shipped ruleset, escaping, the `render` command."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import attrs
import pytest

import partyrules
from partyrules import cli, render, workbook
from partyrules.printer import number_text
from shipped_cache import shipped, shipped_ids

SHEETS = Path(__file__).resolve().parent.parent / "docs" / "sheets"
VOID = {"meta", "col", "br", "img", "hr", "input", "link", "wbr", "source"}

SMALL = """\
ruleset "test/escape" {
  title "Thử <b>in đậm</b> & “ngoặc”";
  version "1";
  basis "Căn cứ <i>thử</i> & khác";
  effective from 2024-01-01;
  points illustrative "thử";
}

input rate "Tỷ lệ <đạt> & hơn": percent;
input flag "Cờ": boolean = false;

criteria "Thang <điểm> & mục" max 20 {
  item a "Mục <a href='x'> & b" max 10 {
    cite "Điều <5> & 6";
    points = bands rate { from 90%: 10; from 50%: 5; otherwise: 0; };
  }
  item b "Mục b" max 10 {
    points = if flag and rate < 50% then 10 else 0;
  }
}

grades {
  grade good "Tốt <1> & nhất" { band from 15; require "Cờ <bật>": flag; }
  grade poor "Kém" { band below 15; }
}
"""


class Page(HTMLParser):
    """Parses a sheet strictly enough: every element closed in order, and the cells of each table kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: list[tuple[str, list[list[str]]]] = []  # (class, body rows of cell texts)
        self.in_body = False
        self.cell: list[str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "table":
            self.tables.append((dict(attrs).get("class") or "", []))
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.tables[-1][1].append([])
        elif tag == "td" and self.in_body:
            self.cell = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag == "tbody":
            self.in_body = False
        elif tag == "td" and self.cell is not None:
            self.tables[-1][1][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    assert not parser.problems, parser.problems
    assert not parser.stack, f"not closed: {parser.stack}"
    return parser


def models() -> list[tuple[str, partyrules.Ruleset]]:
    return [(i, shipped(i)) for i in partyrules.shipped_ids()]


@pytest.mark.parametrize("ruleset_id", shipped_ids())
def test_html_of_shipped_rulesets(ruleset_id: str) -> None:
    ruleset = shipped(ruleset_id)
    model = ruleset.model
    page = render.render_html(ruleset)
    assert page.startswith('<!DOCTYPE html>\n<html lang="vi">')
    assert '<meta charset="utf-8">' in page
    parsed = parse(page)
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert not [a for _, attributes in parsed.tags for a in attributes if a in ("src", "href") or a.startswith("on")]
    assert "url(" not in page and "@import" not in page

    criteria = [rows for cls, rows in parsed.tables if cls == "criteria"]
    assert len(criteria) == 1
    rows = criteria[0]
    assert len(rows) == len(model.criteria)
    for row, c in zip(rows, model.criteria, strict=True):
        number, label, maximum, _rule, own, upper = row
        assert number == c.number
        assert label.startswith(c.label)
        assert maximum == number_text(c.maximum) if c.maximum is not None else maximum == "—"
        assert own == upper == ""  # left blank, to be filled in by hand
    text = "".join(parsed.text)
    for c in model.deductions + model.bonuses:
        assert c.label in text
    for g in model.grades:
        assert g.label in text
    for k in model.knockouts + model.exemptions:
        assert k.label in text
    assert ruleset.fingerprint[:16] in text
    assert ruleset.basis in text
    assert "Điểm tự chấm" in text and "Điểm cấp trên chấm" in text


@pytest.mark.parametrize("ruleset_id", shipped_ids())
def test_markdown_of_shipped_rulesets(ruleset_id: str) -> None:
    ruleset = shipped(ruleset_id)
    model = ruleset.model
    text = render.render_markdown(ruleset)
    lines = text.splitlines()
    for c in model.criteria:
        row = [line for line in lines if line.startswith(f"| {c.number} | ")]
        assert len(row) == 1, c.number
        cells = [cell.strip() for cell in row[0].split(" | ")]
        assert c.label in cells[1]
        assert cells[2] == (number_text(c.maximum) if c.maximum is not None else "—")
    for c in model.deductions + model.bonuses:
        assert c.label in text
    for g in model.grades:
        assert g.label in text
    for k in model.knockouts + model.exemptions:
        assert k.label in text
    assert ruleset.fingerprint[:16] in text
    assert "Điểm tự chấm" in text


def test_bands_and_grade_bands_in_words() -> None:
    text = render.render_markdown(shipped("vn.hatinh/chi-bo-4-tot"))
    assert "từ 90% trở lên: 12 điểm" in text
    assert "đến 2: 6 điểm" in text
    assert "còn lại: 0 điểm" in text
    assert "| Khá | từ 70 đến dưới 90 |" in text
    assert "| Đạt “Chi bộ 4 tốt” | từ 90 trở lên |" in text
    assert "buộc xếp loại “Chưa đạt”" in text
    assert "xếp loại không cao hơn “Khá”" in text
    assert "từ ngày 01/01/2023 đến ngày 31/12/2025" in text


QUOTA = """\
ruleset "test/quota" {
  title "Thử hạn mức";
  version "1";
  basis "Thử";
  effective from 2024-01-01;
  points illustrative "thử";
}

input khoi "Khối": one of { xa "Xã", phuong "Phường" };
input flag "Có sáng kiến": boolean = false;
input held "Ngày họp": date 2024-01-01..2025-12-31;
input rate "Tỷ lệ": percent;

criteria "Thang" max 10 {
  item a "Mục a" max 10 {
    points = bands rate { from 90%: 10; from 50%: 5; otherwise: 0; };
  }
}

grades {
  grade xs "Xuất sắc" { band from 9; }
  grade tot "Tốt" { band from 7 below 9; }
  grade dat "Đạt" { band below 7; }
}

quota xs_12 "Xuất sắc <không quá> 12,5% & hơn" {
  cite "Điều <1> & 2";
  note "Ghi chú thử";
  grade xs at most 12.5% of tot and better;
  within khoi;
  round half_up;
  order by flag asc, a desc, held desc, total asc;
}
"""


def test_quotas_in_words() -> None:
    """The 20 % quota of Quy định 124, as the annual sheets state it: grade, share of which base, groups,
    rounding, who keeps the grade and where the others go."""
    text = render.render_markdown(shipped("vn/annual-collective"))
    section = text[text.index("## Hạn mức xếp loại") : text.index("## Dữ liệu dùng trong cách chấm")]
    assert render.QUOTA_INTRO in section
    assert (
        "1. **Số tập thể Hoàn thành xuất sắc nhiệm vụ không quá 20% số tập thể Hoàn thành tốt nhiệm vụ** (`xuat_sac_20`)"
        in section
    )
    assert (
        "   - Số tổ chức xếp loại “Hoàn thành xuất sắc nhiệm vụ” không quá 20% số tổ chức xếp loại "
        "“Hoàn thành tốt nhiệm vụ”.\n"
    ) in section
    assert (
        "   - Tính riêng trong từng nhóm tổ chức có cùng giá trị ở cột dữ liệu `peer_group` (dữ liệu không có"
        in section
    )
    assert (
        "   - Số được giữ: 20% × số tổ chức xếp loại “Hoàn thành tốt nhiệm vụ” (đếm sau khi áp dụng hạn mức, "
        "kể cả tổ chức bị chuyển xuống), làm tròn xuống.\n"
    ) in section
    assert (
        "   - Được giữ xếp loại theo thứ tự: tổng điểm từ cao xuống thấp, rồi “Tỷ lệ nhiệm vụ hoàn thành vượt mức "
        "yêu cầu” (`tasks_exceeded_rate`) từ cao xuống thấp, rồi mã tổ chức; tổ chức vượt hạn mức chuyển xuống "
        "“Hoàn thành tốt nhiệm vụ”.\n"
    ) in section
    assert "   - Căn cứ: Quy định 124-QĐ/TW, Điều 12 (hạn mức 20%)" in section
    for ruleset_id in ("vn/annual-collective", "vn/grassroots-annual", "vn.hatinh/annual-collective"):
        assert [q.name for q in render.sheet(shipped(ruleset_id)).quotas] == ["xuat_sac_20"]
    old = render.sheet(shipped("vn/annual-collective", on=datetime.date(2024, 12, 31)))
    assert [(q.name, q.column) for q in old.quotas] == [("xuat_sac_20", "peer_group")]
    assert "Hạn mức" not in render.render_markdown(shipped("vn.hatinh/chi-bo-4-tot"))
    assert "Hạn mức" not in render.render_html(shipped("vn.hatinh/chi-bo-4-tot"))


def test_quota_words_follow_the_declaration() -> None:
    s = render.sheet(QUOTA)
    (q,) = s.quotas
    assert (q.name, q.column, q.citations, q.notes) == ("xs_12", None, ("Điều <1> & 2",), ("Ghi chú thử",))
    lines = ["".join(line) for line in q.lines]
    assert lines == [
        "Số tổ chức xếp loại “Xuất sắc” không quá 12.5% số tổ chức xếp loại “Tốt” trở lên.",
        "Tính riêng trong từng nhóm tổ chức có cùng “Khối” (khoi).",
        "Số được giữ: 12.5% × số tổ chức xếp loại “Tốt” trở lên (đếm sau khi áp dụng hạn mức), làm tròn (từ 0,5 lên).",
        "Được giữ xếp loại theo thứ tự: “Có sáng kiến” (flag) “Không” trước, rồi điểm của mục 1 “Mục a” từ cao "
        "xuống thấp, rồi “Ngày họp” (held) ngày muộn hơn trước, rồi tổng điểm từ thấp lên cao, rồi mã tổ chức; "
        "tổ chức vượt hạn mức chuyển xuống “Tốt”.",
    ]
    assert q.lines[1] == ("Tính riêng trong từng nhóm tổ chức có cùng “Khối” (", "khoi", ").")  # the name as code
    assert ("khoi", "Khối") in s.glossary and ("held", "Ngày họp") in s.glossary  # read only by the quota

    markdown = render.render_markdown(s)
    assert "1. **Xuất sắc \\<không quá\\> 12,5% & hơn** (`xs_12`)" in markdown
    assert "   - Tính riêng trong từng nhóm tổ chức có cùng “Khối” (`khoi`)." in markdown
    assert "   - Căn cứ: Điều \\<1\\> & 2" in markdown and "   - Ghi chú: Ghi chú thử" in markdown

    page = render.render_html(s)
    parsed = parse(page)
    quotas = [
        attributes for tag, attributes in parsed.tags if tag == "ol" and "quotas" in (attributes.get("class") or "")
    ]
    assert len(quotas) == 1
    assert "<strong>Xuất sắc &lt;không quá&gt; 12,5% &amp; hơn</strong> <code>xs_12</code>" in page
    assert "<p>Tính riêng trong từng nhóm tổ chức có cùng “Khối” (<code>khoi</code>).</p>" in page
    assert '<p class="cite">Căn cứ: Điều &lt;1&gt; &amp; 2</p>' in page
    assert page.index("<h2>Hạn mức xếp loại</h2>") > page.index("<h2>Xếp loại</h2>")


def test_quotas_in_the_fill_in_instructions() -> None:
    book = workbook.fill_in_workbook(shipped("vn/annual-collective"))
    rows = [tuple(row[:2]) for row in book[workbook.GUIDE_SHEET].iter_rows(values_only=True)]
    start = rows.index(("Hạn mức", render.QUOTA_INTRO))
    said = [value for _, value in rows[start + 1 : start + 8]]
    assert (
        said[0]
        == "Số tập thể Hoàn thành xuất sắc nhiệm vụ không quá 20% số tập thể Hoàn thành tốt nhiệm vụ (xuat_sac_20)"
    )
    assert said[1].startswith("- Số tổ chức xếp loại “Hoàn thành xuất sắc nhiệm vụ” không quá 20%")
    assert said[2].startswith("- Tính riêng trong từng nhóm tổ chức có cùng giá trị ở cột dữ liệu peer_group")
    assert said[3].endswith("làm tròn xuống.")
    assert said[4].startswith("- Được giữ xếp loại theo thứ tự: tổng điểm từ cao xuống thấp")
    assert said[5] == (
        f"- Để áp dụng: thêm một cột vào trang “{workbook.DATA_SHEET}”, ghi peer_group ở dòng 2 (dòng ẩn) "
        f"và nhóm của từng tổ chức từ dòng {workbook.FIRST_DATA_ROW}."
    )
    heads = ("Cột", "Nội dung", "Tên dữ liệu", "Giá trị cho phép", "Bỏ trống")
    assert [
        r for r in book[workbook.GUIDE_SHEET].iter_rows(values_only=True) if r[:5] == heads
    ]  # the column table follows
    no_quota = workbook.fill_in_workbook(shipped("vn.hatinh/chi-bo-4-tot"))
    assert "Hạn mức" not in [row[0] for row in no_quota[workbook.GUIDE_SHEET].iter_rows(values_only=True)]


def test_mixed_status_is_marked() -> None:
    s = render.sheet(shipped("vn/annual-collective"))
    assert s.status == "minh họa"
    assert any("Nhóm tiêu chí chung (chính thức)" in d for d in s.differing)
    assert {r.status for r in s.criteria} == {"chính thức", "minh họa"}


def test_special_characters_are_escaped(write_criteria: Callable[..., Path]) -> None:
    path = write_criteria(SMALL)
    s = render.sheet(path)
    assert render.sheet(SMALL) == s  # text and path give the same sheet
    # a criteria text cannot hold `"`; put one in through the sheet itself
    s = attrs.evolve(s, criteria=(attrs.evolve(s.criteria[0], label='Mục <a href="x"> & b'), *s.criteria[1:]))
    page = render.render_html(s)
    parsed = parse(page)
    assert [tag for tag, _ in parsed.tags if tag in ("a", "b", "i", "đạt", "5")] == []
    assert "Mục &lt;a href=&quot;x&quot;&gt; &amp; b" in page
    assert "Tỷ lệ &lt;đạt&gt; &amp; hơn" in page
    assert "Điều &lt;5&gt; &amp; 6" in page
    assert "Tốt &lt;1&gt; &amp; nhất" in page
    assert "<title>Phiếu chấm điểm — Thử &lt;b&gt;in đậm&lt;/b&gt; &amp; “ngoặc”</title>" in page
    rows = next(rows for cls, rows in parsed.tables if cls == "criteria")
    assert rows[0][1] == 'Mục <a href="x"> & b'
    assert "“Cờ” và “Tỷ lệ <đạt> & hơn” dưới 50%" in "".join(parsed.text)  # the rule in words, escaped
    assert "rate < 50%" in "".join(parse(render.render_html(path, code=True)).text)  # and in the file's notation
    markdown = render.render_markdown(render.sheet(path))
    assert "Mục \\<a href='x'\\> & b" in markdown


def test_pages_open_with_the_one_page_head(tmp_path: Path) -> None:
    from partyrules import data, report

    head = render.page_head("Tiêu đề <thử> & “ngoặc”", "p { margin: 0; }")
    assert head == [
        "<!DOCTYPE html>",
        '<html lang="vi">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Tiêu đề &lt;thử&gt; &amp; “ngoặc”</title>",
        "<style>\np { margin: 0; }\n</style>",
        "</head>",
        "<body>",
    ]
    ruleset = shipped("vn.hatinh/chi-bo-4-tot")
    sheet_page = render.render_html(ruleset)
    assert sheet_page.startswith("\n".join(render.page_head(f"Phiếu chấm điểm — {ruleset.title}", render._CSS)) + "\n")
    table = data.read(partyrules.data_path("hatinh-cells-2024.csv"), ruleset.inputs)
    results = [r for r in data.score(ruleset, table.rows[:5]) if isinstance(r, data.Scored)]
    report_page = report.render_report(ruleset, table, results, [], None)
    title = f"Báo cáo kết quả chấm điểm — {ruleset.title}"
    assert report_page.startswith("\n".join(render.page_head(title, report._CSS)) + "\n")


def test_cli_render_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["render", "vn.hatinh/chi-bo-4-tot", "--to", "html"]) == 0
    out = capsys.readouterr().out
    assert out == render.render_html(shipped("vn.hatinh/chi-bo-4-tot"))
    assert cli.main(["render", "vn/cell-meeting"]) == 0
    assert capsys.readouterr().out == render.render_markdown(shipped("vn/cell-meeting"))


def test_cli_render_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "sheet.html"
    target.write_text("old", encoding="utf-8")
    rules = str(partyrules.shipped_path("vn/annual-collective"))
    assert cli.main(["render", rules, "--to", "html", "--output", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_text(encoding="utf-8") == render.render_html(shipped("vn/annual-collective"))
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.html"]  # no temporary file left behind


def test_cli_render_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["render", "vn/no-such-ruleset"]) == 2
    assert "no ruleset has this id" in capsys.readouterr().err
    assert cli.main(["render", "vn/cell-meeting", "--output", str(tmp_path / "missing" / "x.md")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["render", "vn/cell-meeting", "--to", "pdf"]) == 2


# ---------------------------------------------------------------- the generated sheets in docs/sheets
# Regenerate with:  PYTHONPATH=src python -m partyrules.render docs/sheets


@pytest.mark.parametrize(("name", "criteria"), render.shipped_sheets(), ids=[n for n, _ in render.shipped_sheets()])
def test_generated_sheets_are_up_to_date(name: str, criteria: Path) -> None:
    s = render.sheet(criteria)
    for suffix, text in ((".md", render.render_markdown(s)), (".html", render.render_html(s))):
        path = SHEETS / (name + suffix)
        assert path.exists(), f"{path} is missing; run: PYTHONPATH=src python -m partyrules.render docs/sheets"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} is stale; run: PYTHONPATH=src python -m partyrules.render docs/sheets"
        )


def test_no_stray_sheets() -> None:
    expected = {name + s for name, _ in render.shipped_sheets() for s in (".md", ".html")}
    assert {p.name for p in SHEETS.iterdir()} == expected
    # every version has its sheet, the newest under the id's own name
    assert "vn__annual-collective@124.md" in expected and "vn__cell-meeting@hd12.md" in expected
    assert "PHIẾU" in (SHEETS / "vn__annual-collective.md").read_text(encoding="utf-8")
    assert "366" in (SHEETS / "vn__annual-collective.md").read_text(encoding="utf-8")


def _hd12() -> Path:
    return next(path for name, path in render.shipped_sheets() if name == "vn__cell-meeting@hd12")


def test_named_values_with_their_formula_and_inputs() -> None:
    """The national sheet of HD 12 reads `combined` only through the named value `required_minutes`:
    the sheet shows the value's formula and the inputs it reads, and lists them among the data."""
    text = render.render_markdown(render.sheet(_hd12()))
    section = text[text.index("## Giá trị tính từ dữ liệu") : text.index("## Dữ liệu dùng trong cách chấm")]
    assert (
        "| Thời lượng tối thiểu (phút) (`required_minutes`) | “Thời lượng tối thiểu khi sinh hoạt thường kỳ kết hợp "
        "chuyên đề (phút)” nếu “Sinh hoạt thường kỳ kết hợp chuyên đề trong cùng một buổi”, còn lại 90 | "
        "Sinh hoạt thường kỳ kết hợp chuyên đề trong cùng một buổi (`combined`) |"
    ) in section
    assert "(`combined_minutes`) | 90 | — |" in section
    glossary = text[text.index("## Dữ liệu dùng trong cách chấm") :]
    assert "| `combined` | Sinh hoạt thường kỳ kết hợp chuyên đề trong cùng một buổi |" in glossary
    code = render.render_markdown(render.sheet(_hd12(), code=True))
    assert "| Thời lượng tối thiểu (phút) (`required_minutes`) | `if combined then combined_minutes else 90` |" in code
    page = parse(render.render_html(_hd12()))
    values = next(rows for cls, rows in page.tables if cls == "values")
    assert [row[0] for row in values] == [
        "Thời lượng tối thiểu khi sinh hoạt thường kỳ kết hợp chuyên đề (phút) (combined_minutes)",
        "Thời lượng tối thiểu (phút) (required_minutes)",
    ]
    assert values[1][2] == "Sinh hoạt thường kỳ kết hợp chuyên đề trong cùng một buổi (combined)"


def _read(model: partyrules.Model) -> tuple[set[str], set[str]]:
    """(inputs, named values) the rules read, directly or through named values; computed here, apart
    from the sheet's code."""
    from partyrules import nodes as n

    roots: list[n.Expr] = []
    for c in model.criteria + model.deductions + model.bonuses:
        roots += [e for e in (c.points, c.level, c.applicable.condition if c.applicable else None) if e is not None]
    roots += [r.condition for g in model.grades for r in g.requirements]
    roots += [k.condition for k in model.knockouts + model.exemptions]
    inputs: set[str] = set()
    lets: set[str] = set()
    while roots:
        for node in n.walk(roots.pop()):
            r = model.resolutions.get(id(node))
            if r is not None and r.kind == "input" and r.target:
                inputs.add(r.target)
            elif r is not None and r.kind == "let" and r.target and r.target not in lets:
                lets.add(r.target)
                roots.append(model.lets[r.target].value)
    return inputs, lets


@pytest.mark.parametrize(("name", "criteria"), render.shipped_sheets(), ids=[n for n, _ in render.shipped_sheets()])
def test_every_input_the_scale_reads_is_on_its_sheet(name: str, criteria: Path) -> None:
    """Each input a shipped scale reads (also through a named value) is on its printed sheet, in words
    and in code, and in the HTML page; so is each named value it reads."""
    s = render.sheet(criteria)
    model = partyrules.api.checked_model(partyrules.load(criteria))
    inputs, lets = _read(model)
    assert inputs
    assert inputs <= {name for name, _ in s.glossary}
    assert {v.name for v in s.values} == lets
    texts = (render.render_markdown(s), render.render_markdown(render.sheet(criteria, code=True)), render.render_html(s))
    for text in texts:
        for input_name in inputs | lets:
            assert f"`{input_name}`" in text or f"<code>{input_name}</code>" in text, (name, input_name)


def test_cli_render_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["render", "vn.hatinh/chi-bo-4-tot", "--code"]) == 0
    code = capsys.readouterr().out
    assert "`min(thematic_meetings, 4) * 2.5`" in code
    assert cli.main(["render", "vn.hatinh/chi-bo-4-tot"]) == 0
    words = capsys.readouterr().out
    assert "2,5 điểm mỗi buổi (theo “Số buổi sinh hoạt chuyên đề trong năm”), tối đa 4 buổi" in words
    assert "min(thematic_meetings" not in words


def test_fill_in_guide_lists_the_named_values() -> None:
    lines = workbook._guide_lines(partyrules.load(_hd12()))
    assert ("Giá trị tính", "Tính từ dữ liệu đã nhập (không nhập vào trang dữ liệu):") in lines
    assert (
        "",
        "Thời lượng tối thiểu (phút) (required_minutes) = “Thời lượng tối thiểu khi sinh hoạt thường kỳ kết hợp "
        "chuyên đề (phút)” nếu “Sinh hoạt thường kỳ kết hợp chuyên đề trong cùng một buổi”, còn lại 90; "
        "dữ liệu dùng: Sinh hoạt thường kỳ kết hợp chuyên đề trong cùng một buổi (combined)",
    ) in lines
