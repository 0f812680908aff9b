"""Generate a synthetic data set of Hà Tĩnh party cells (chi bộ) for the year 2024.

THE DATA ARE SYNTHETIC. No row describes a real organisation: ids, names and every figure are drawn
at random. Commune and ward names are real place names of the province, used only so that cell names
look plausible; a row named after a commune says nothing about that commune's actual party cell.

What the data are modelled on (the public sources are listed in ``docs/sources.md``):

* the size of the province as reported in 2023: 4,131 cells under grassroots party committees and
  nearly 100,000 members, spread over the 13 districts, towns and city of Hà Tĩnh roughly in
  proportion to their approximate population (2019 census, rounded);
* the usual make-up of a commune's party committee: cells of villages (thôn) or residential groups
  (tổ dân phố), of the commune's schools, police, military command, office and health station,
  and a few of cooperatives and companies, each kind with its own typical size;
* published grading outcomes of other provinces (most organisations good, a few percent weak,
  rare knock-outs), through one latent "quality" per cell from which every input is derived with
  its own noise, so that good cells tend to be good on every criterion;
* the inputs, names and ranges of ``src/partyrules/criteria/vn.hatinh/chi-bo-4-tot.criteria``.

The output is deterministic: only integer arithmetic on draws of a seeded ``random.Random``
(``randrange`` and ``choice``, no floats, no hash order) is used, so the same arguments give
byte-identical output on any machine.
Percentages are computed as ratios of integers and written in percent units with at most two
decimals (``87.5`` means 87.5 %).

Regenerate the shipped file with::

    python scripts/generate_hatinh_data.py
"""

import argparse
import csv
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "src" / "partyrules" / "data" / "hatinh-cells-2024.csv"
DEFAULT_SEED = 2024
DEFAULT_COUNT = 4131

COLUMNS: tuple[str, ...] = (
    "cell_id",
    "cell_name",
    "district",
    "members",
    "task_completion",
    "emulation",
    "meetings_good",
    "thematic_meetings",
    "attendance_rate",
    "unexcused_absences",
    "disunity",
    "members_disciplined",
    "members_good_rate",
    "new_members",
    "dues_on_time",
    "late_reports",
    "commended",
    "model_practice",
    "months_established",
)

#: Fixed-point scale of the latent normal deviates: 1000 means one standard deviation.
SD = 1000
#: Percentages are handled in hundredths of a percent: 10000 means 100 %.
FULL = 10000


# ---------------------------------------------------------------------------- static data
@dataclass(frozen=True)
class Commune:
    """A commune-level unit whose party committee holds the cells: xã, phường or thị trấn."""

    kind: str  # "xã", "phường" or "thị trấn"
    name: str

    @property
    def urban(self) -> bool:
        return self.kind != "xã"


@dataclass(frozen=True)
class District:
    identifier: str  # the member identifier of `district` in the criteria file
    code: str  # used in cell ids
    population: int  # approximate, thousands (2019 census, rounded): only weights the cell count
    quality: int  # small shift of the latent quality, in thousandths of a standard deviation
    communes: tuple[Commune, ...]
    forest: bool  # has protection-forest boards and forestry companies


def _communes(text: str) -> tuple[Commune, ...]:
    """``"P:Bắc Hà; X:Thạch Hạ; T:Nghèn"`` -> communes; P phường, T thị trấn, X xã."""
    kinds = {"P": "phường", "T": "thị trấn", "X": "xã"}
    result = []
    for part in text.split(";"):
        kind, name = part.strip().split(":")
        result.append(Commune(kinds[kind], name))
    return tuple(result)


DISTRICTS: tuple[District, ...] = (
    District(
        "tp_ha_tinh",
        "TPHT",
        104,
        120,
        _communes(
            "P:Bắc Hà; P:Nam Hà; P:Trần Phú; P:Tân Giang; P:Thạch Linh; P:Thạch Quý; P:Văn Yên; P:Đại Nài;"
            " P:Hà Huy Tập; P:Nguyễn Du; P:Thạch Trung; X:Thạch Hạ; X:Đồng Môn; X:Thạch Hưng; X:Thạch Bình"
        ),
        False,
    ),
    District(
        "tx_hong_linh",
        "TXHL",
        38,
        60,
        _communes("P:Bắc Hồng; P:Nam Hồng; P:Trung Lương; P:Đức Thuận; P:Đậu Liêu; X:Thuận Lộc"),
        False,
    ),
    District(
        "tx_ky_anh",
        "TXKA",
        88,
        0,
        _communes(
            "P:Hưng Trí; P:Kỳ Trinh; P:Kỳ Thịnh; P:Kỳ Long; P:Kỳ Liên; P:Kỳ Phương; X:Kỳ Ninh; X:Kỳ Hà;"
            " X:Kỳ Hoa; X:Kỳ Lợi"
        ),
        False,
    ),
    District(
        "can_loc",
        "CLOC",
        128,
        80,
        _communes(
            "T:Nghèn; X:Thiên Lộc; X:Thuần Thiện; X:Vượng Lộc; X:Thanh Lộc; X:Kim Song Trường; X:Thường Nga;"
            " X:Tùng Lộc; X:Phú Lộc; X:Gia Hanh; X:Khánh Vĩnh Yên; X:Trung Lộc; X:Xuân Lộc; X:Thượng Lộc;"
            " X:Quang Lộc; X:Đồng Lộc; X:Mỹ Lộc; X:Sơn Lộc"
        ),
        False,
    ),
    District(
        "cam_xuyen",
        "CXUY",
        143,
        0,
        _communes(
            "T:Cẩm Xuyên; T:Thiên Cầm; X:Cẩm Vịnh; X:Cẩm Thành; X:Cẩm Quang; X:Cẩm Thạch; X:Cẩm Nhượng;"
            " X:Cẩm Bình; X:Cẩm Dương; X:Cẩm Yên; X:Cẩm Hòa; X:Cẩm Hưng; X:Cẩm Thịnh; X:Cẩm Lạc; X:Cẩm Trung;"
            " X:Cẩm Sơn; X:Cẩm Lĩnh; X:Cẩm Duệ; X:Cẩm Mỹ; X:Cẩm Quan; X:Nam Phúc Thăng"
        ),
        True,
    ),
    District(
        "duc_tho",
        "DTHO",
        104,
        40,
        _communes(
            "T:Đức Thọ; X:Lâm Trung Thủy; X:Tùng Châu; X:Yên Hồ; X:Quang Vĩnh; X:Bùi La Nhân;"
            " X:Thanh Bình Thịnh; X:Tân Dân; X:Tân Hương; X:An Dũng; X:Hòa Lạc; X:Trường Sơn; X:Liên Minh;"
            " X:Đức Lạng; X:Đức Đồng"
        ),
        False,
    ),
    District(
        "huong_khe",
        "HKHE",
        102,
        -80,
        _communes(
            "T:Hương Khê; X:Hương Trà; X:Hương Long; X:Phú Gia; X:Phú Phong; X:Hương Xuân; X:Hương Vĩnh;"
            " X:Hương Lâm; X:Hương Liên; X:Hương Bình; X:Hương Thủy; X:Gia Phố; X:Lộc Yên; X:Hương Đô;"
            " X:Phúc Đồng; X:Hà Linh; X:Phúc Trạch; X:Hòa Hải; X:Điền Mỹ; X:Hương Trạch"
        ),
        True,
    ),
    District(
        "huong_son",
        "HSON",
        120,
        -40,
        _communes(
            "T:Phố Châu; T:Tây Sơn; X:Sơn Tây; X:Sơn Kim 1; X:Sơn Kim 2; X:Sơn Lĩnh; X:Sơn Hồng; X:Sơn Lễ;"
            " X:Sơn Ninh; X:Sơn Châu; X:Sơn Bình; X:Sơn Trung; X:Sơn Giang; X:Sơn Long; X:Sơn Trường;"
            " X:Sơn Tiến; X:Quang Diệm; X:Kim Hoa; X:An Hòa Thịnh; X:Tân Mỹ Hà; X:Sơn Hàm; X:Sơn Phú"
        ),
        True,
    ),
    District(
        "ky_anh",
        "KANH",
        123,
        -60,
        _communes(
            "T:Kỳ Đồng; X:Kỳ Phú; X:Kỳ Khang; X:Kỳ Văn; X:Kỳ Tiến; X:Kỳ Giang; X:Kỳ Thư; X:Kỳ Tân; X:Kỳ Xuân;"
            " X:Kỳ Bắc; X:Kỳ Phong; X:Kỳ Thọ; X:Kỳ Tây; X:Kỳ Thượng; X:Kỳ Hải; X:Kỳ Sơn; X:Kỳ Lạc; X:Lâm Hợp;"
            " X:Kỳ Trung; X:Kỳ Châu"
        ),
        True,
    ),
    District(
        "loc_ha",
        "LOHA",
        79,
        20,
        _communes(
            "T:Lộc Hà; X:Thạch Châu; X:Thạch Kim; X:Thạch Bằng; X:Hộ Độ; X:Mai Phụ; X:Thạch Mỹ; X:Tân Lộc;"
            " X:Hồng Lộc; X:Thịnh Lộc; X:Bình An; X:Ích Hậu; X:Phù Lưu"
        ),
        False,
    ),
    District(
        "nghi_xuan",
        "NXUA",
        100,
        40,
        _communes(
            "T:Xuân An; T:Tiên Điền; X:Xuân Hội; X:Đan Trường; X:Xuân Phổ; X:Xuân Hải; X:Xuân Giang; X:Xuân Yên;"
            " X:Xuân Thành; X:Cổ Đạm; X:Xuân Liên; X:Cương Gián; X:Xuân Lĩnh; X:Xuân Hồng; X:Xuân Viên;"
            " X:Xuân Lam"
        ),
        False,
    ),
    District(
        "thach_ha",
        "THHA",
        132,
        20,
        _communes(
            "T:Thạch Hà; X:Thạch Hải; X:Thạch Kênh; X:Thạch Sơn; X:Thạch Liên; X:Thạch Khê; X:Thạch Long;"
            " X:Việt Tiến; X:Thạch Trị; X:Thạch Lạc; X:Thạch Ngọc; X:Tượng Sơn; X:Thạch Văn; X:Lưu Vĩnh Sơn;"
            " X:Thạch Thắng; X:Thạch Đài; X:Đỉnh Bàn; X:Thạch Hội; X:Tân Lâm Hương; X:Thạch Xuân; X:Nam Điền;"
            " X:Ngọc Sơn"
        ),
        False,
    ),
    District(
        "vu_quang",
        "VQUA",
        31,
        -100,
        _communes(
            "T:Vũ Quang; X:Ân Phú; X:Đức Giang; X:Đức Lĩnh; X:Thọ Điền; X:Hương Minh; X:Quang Thọ; X:Đức Bồng;"
            " X:Đức Liên; X:Đức Hương; X:Hương Quang"
        ),
        True,
    ),
)

#: Village and residential-group names (common Vietnamese place names, not a list of real villages).
PLACE_NAMES: tuple[str, ...] = (
    "Kim Tân",
    "Trung Phú",
    "Đông Hà",
    "Tân Phúc",
    "Hòa Bình",
    "Thượng Long",
    "Yên Thịnh",
    "Phú Mỹ",
    "Xuân Hòa",
    "Đông Tiến",
    "Bắc Sơn",
    "Nam Sơn",
    "Tây Sơn",
    "Thanh Bình",
    "Hưng Lợi",
    "Trung Tiến",
    "Tân Tiến",
    "Quyết Tiến",
    "Đồng Tâm",
    "Hợp Tiến",
    "Liên Hương",
    "Phúc Sơn",
    "An Lạc",
    "Bình Minh",
    "Đông Vịnh",
    "Hồng Hà",
    "Kim Đôi",
    "Minh Tiến",
    "Tân Hòa",
    "Thái Yên",
    "Trung Hòa",
    "Vĩnh Phúc",
    "Yên Bình",
    "Đại Đồng",
    "Phú Hòa",
    "Sơn Bằng",
    "Tiền Phong",
    "Quang Trung",
    "Hưng Phú",
    "Trung Thượng",
    "Bắc Hà",
    "Nam Tiến",
    "Đông Thịnh",
    "Tân Học",
    "Thanh Sơn",
    "Xuân Thủy",
    "Phúc Lộc",
    "Hòa Thuận",
)

COMPANIES: tuple[str, ...] = (
    "Công ty CP Môi trường và Dịch vụ đô thị",
    "Công ty CP Cấp nước",
    "Công ty TNHH Thủy sản Hưng Phát",
    "Công ty CP Xây dựng Giao thông",
    "Công ty CP Vận tải Hoàng Long",
    "Công ty CP Khoáng sản Hồng Sơn",
)
FORESTRY: tuple[str, ...] = ("Ban Quản lý rừng phòng hộ", "Công ty TNHH MTV Lâm nghiệp")


@dataclass(frozen=True)
class Kind:
    """A kind of cell: how often it occurs, how big it is, how good it tends to be."""

    name: str
    weight: int  # relative frequency among a district's cells
    sizes: tuple[tuple[int, int, int], ...]  # (per-mille weight, lowest, highest) bins of the member count
    quality: int  # shift of the latent quality, thousandths of a standard deviation
    emulation_bias: int  # shift of the chance of an emulation title (schools and police are often awarded)


RESIDENTIAL_SIZES = (
    (30, 4, 9),
    (120, 10, 15),
    (290, 16, 25),
    (270, 26, 35),
    (190, 36, 50),
    (70, 51, 70),
    (22, 71, 100),
    (8, 101, 150),
)
KINDS: tuple[Kind, ...] = (
    Kind("residential", 600, RESIDENTIAL_SIZES, 0, 0),
    Kind("school", 170, ((150, 4, 7), (350, 8, 12), (350, 13, 18), (150, 19, 26)), 150, 150),
    Kind("police", 50, ((300, 4, 7), (500, 8, 12), (200, 13, 16)), 250, 250),
    Kind("military", 50, ((500, 3, 4), (450, 5, 7), (50, 8, 10)), 150, 100),
    Kind("office", 50, ((300, 6, 10), (450, 11, 16), (250, 17, 24)), 100, 50),
    Kind("health", 30, ((450, 3, 4), (450, 5, 7), (100, 8, 9)), 50, 0),
    Kind("economic", 50, ((400, 3, 6), (350, 7, 12), (200, 13, 25), (50, 26, 45)), -250, -150),
)


# ---------------------------------------------------------------------------- integer randomness
def normal(rng: random.Random) -> int:
    """An approximately standard normal deviate in thousandths (Irwin–Hall sum of 12 uniforms)."""
    return sum(rng.randrange(1001) for _ in range(12)) - 6000


def chance(rng: random.Random, per_10000: int) -> bool:
    """True with probability ``per_10000 / 10000``."""
    return rng.randrange(FULL) < per_10000


def binomial(rng: random.Random, trials: int, per_10000: int) -> int:
    return sum(1 for _ in range(trials) if chance(rng, per_10000))


def pick(rng: random.Random, weighted: Sequence[tuple[int, int]]) -> int:
    """A value from ``(weight, value)`` pairs."""
    r = rng.randrange(sum(w for w, _ in weighted))
    for w, value in weighted:
        if r < w:
            return value
        r -= w
    raise AssertionError("unreachable")


def pick_bin(rng: random.Random, bins: Sequence[tuple[int, int, int]]) -> int:
    """A value drawn uniformly inside a bin chosen by weight from ``(weight, lowest, highest)`` bins."""
    r = rng.randrange(sum(w for w, _, _ in bins))
    for w, low, high in bins:
        if r < w:
            return rng.randrange(low, high + 1)
        r -= w
    raise AssertionError("unreachable")


def mix(rng: random.Random, quality: int) -> int:
    """A criterion-level deviate correlated 0.8 with the cell's quality (variance stays about 1)."""
    return (8 * quality + 6 * normal(rng)) // 10


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def ratio(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` in hundredths of a percent, rounded half up."""
    return (2 * FULL * numerator + denominator) // (2 * denominator)


def percent_text(hundredths: int) -> str:
    """Hundredths of a percent as percent text with at most two decimals: 8750 -> ``87.5``."""
    whole, rest = divmod(hundredths, 100)
    return f"{whole}.{rest:02d}".rstrip("0") if rest else str(whole)


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder; ties go to the earlier entry)."""
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


# ---------------------------------------------------------------------------- one cell
@dataclass
class Namer:
    """Gives cells names; unit-like cells (school, police, ...) walk through the communes in turn."""

    district: District
    turns: dict[str, int]

    def next_commune(self, key: str) -> Commune:
        turn = self.turns.get(key, 0)
        self.turns[key] = turn + 1
        communes = self.district.communes
        return communes[(turn + 3 * len(key)) % len(communes)]


def cell_name(rng: random.Random, kind: Kind, namer: Namer) -> str:
    communes = namer.district.communes
    if kind.name == "residential":
        commune = communes[rng.randrange(len(communes))]
        numbered = rng.randrange(100) < (70 if commune.urban else 20)
        if commune.urban:
            return f"Chi bộ TDP {rng.randrange(1, 16)}" if numbered else f"Chi bộ TDP {rng.choice(PLACE_NAMES)}"
        return f"Chi bộ thôn {rng.randrange(1, 13)}" if numbered else f"Chi bộ thôn {rng.choice(PLACE_NAMES)}"
    if kind.name == "school":
        level = pick(rng, ((40, 0), (30, 1), (25, 2), (5, 3)))
        prefix = ("Trường MN", "Trường TH", "Trường THCS", "Trường TH&THCS")[level]
        return f"Chi bộ {prefix} {namer.next_commune(prefix).name}"
    if kind.name == "economic":
        if namer.district.forest and rng.randrange(100) < 30:
            return f"Chi bộ {rng.choice(FORESTRY)} {rng.choice(communes).name}"
        form = rng.randrange(100)
        if form < 55:
            return f"Chi bộ HTX Nông nghiệp {namer.next_commune('htx').name}"
        if form < 70:
            return f"Chi bộ Chợ {namer.next_commune('chợ').name}"
        return f"Chi bộ {rng.choice(COMPANIES)}"
    unit = {"police": "Công an", "military": "Quân sự", "office": "Cơ quan", "health": "Trạm Y tế"}[kind.name]
    commune = namer.next_commune(unit)
    return f"Chi bộ {unit} {commune.kind} {commune.name}"


def months_established(rng: random.Random, kind: Kind, name: str) -> int:
    """Months between the cell's founding and 31 Dec 2024."""
    if chance(rng, 50):  # about 0.5 % founded within the last six months (split or new unit)
        return rng.randrange(6)
    if kind.name == "residential":
        if chance(rng, 2500):  # re-founded when villages and residential groups were merged in 2019–2020
            return rng.randrange(48, 67)
        return rng.randrange(120, 1000)
    if kind.name == "police":
        if "xã" in name:  # regular police posted to communes from 2019–2022
            return rng.randrange(26, 66)
        return rng.randrange(60, 400)
    if kind.name == "economic":
        return pick_bin(rng, ((200, 6, 47), (500, 48, 240), (300, 241, 480)))
    return pick_bin(rng, ((100, 12, 59), (600, 60, 360), (300, 361, 600)))


def make_cell(rng: random.Random, district: District, number: int, namer: Namer) -> list[str]:
    kind = KINDS[pick(rng, [(k.weight, i) for i, k in enumerate(KINDS)])]
    name = cell_name(rng, kind, namer)
    members = pick_bin(rng, kind.sizes)
    months = months_established(rng, kind, name)
    active = min(12, months)  # months of the year the cell has existed

    # One latent quality per cell; about 4 % of cells are weak outright.
    quality = normal(rng) + district.quality + kind.quality
    if chance(rng, 400):
        quality -= 1800

    # Criterion 1: tasks and emulation. Completion is targets met over targets set.
    x = mix(rng, quality)
    if x >= 0:
        p_target = min(9980, 9780 + x * 200 // SD)
    elif x >= -2 * SD:
        p_target = 9780 + x * 450 // SD
    else:
        p_target = max(3000, 8880 + (x + 2 * SD) * 1600 // SD)
    targets = rng.randrange(8, 19)
    task_completion = ratio(binomial(rng, targets, p_target), targets)
    award = x + normal(rng) * 7 // 10 + kind.emulation_bias
    if active < 12:
        emulation = "khong"
    elif award >= 1850:
        emulation = "bang_khen"
    elif award >= 450:
        emulation = "giay_khen"
    else:
        emulation = "khong"

    # Criterion 2: meeting quality.
    x = mix(rng, quality)
    meetings_good = binomial(rng, active, clamp(8650 + x * 700 // SD, 1000, 9950))
    thematic_base = 4 if x >= -1200 else 3
    thematic_meetings = thematic_base + pick(rng, ((8, -2), (55, -1), (560, 0), (200, 1), (130, 2), (35, 3), (12, 4)))
    if x >= 800:
        thematic_meetings = max(thematic_meetings, 4)
    thematic_meetings = clamp(thematic_meetings, 0, active)
    exempt = members * rng.randrange(0, 16 if kind.name == "residential" else 4) // 100
    eligible = max(1, members - exempt)
    slots = eligible * max(1, active)
    p_attend = clamp(9330 + x * 260 // SD + normal(rng) * 150 // SD, 5500, 10000)
    absent = (slots * (FULL - p_attend) + FULL // 2) // FULL
    attendance_rate = ratio(slots - absent, slots)
    p_unexcused = clamp(1900 - x * 900 // SD, 300, 9000)
    unexcused = 0
    if absent and chance(rng, p_unexcused):
        unexcused = pick(rng, ((550, 1), (250, 2), (100, 3), (50, 4), (30, 5), (20, 6)))
        if x < -1500 and members >= 30:
            unexcused += rng.randrange(0, members // 5)
        unexcused = min(unexcused, absent)

    # Criterion 3: unity and discipline.
    x = mix(rng, quality)
    disunity = chance(rng, 1500 if x < -2300 else 70 if x < -1300 else 6)
    p_discipline = 110 + members * 7 + (max(0, -x) * 300 // SD)
    members_disciplined = 0
    if disunity or chance(rng, p_discipline):
        members_disciplined = min(max(1, members // 4), pick(rng, ((800, 1), (150, 2), (40, 3), (10, 4))))
    if disunity and chance(rng, 4000):
        members_disciplined = 0  # disunity found, no one disciplined yet

    # Criterion 4: cadres and members.
    x = mix(rng, quality)
    new_members = 0
    if active >= 6:
        new_members = pick(rng, ((480, 0), (300, 1), (140, 2), (55, 3), (20, 4), (5, 5)))
        if members >= 40 and chance(rng, 3000):
            new_members += 1
        if x < -1000 and new_members:
            new_members -= 1
        new_members = min(new_members, max(1, members // 4))
    recent = binomial(rng, new_members, 5000)  # admitted less than six months ago: not graded
    graded = max(1, members - recent)
    p_good = clamp(9050 + x * 400 // SD, 5500, 9950)
    # Rounded expectation with a jitter of one member: independent draws would make tiny cells swing wildly.
    assessable = max(0, graded - members_disciplined)
    jitter = pick(rng, ((1, -1), (8, 0), (1, 1)) if assessable < 10 else ((2, -1), (6, 0), (2, 1)))
    good = clamp((assessable * p_good + FULL // 2) // FULL + jitter, 0, assessable)
    members_good_rate = ratio(good, graded)
    dues_on_time = not chance(rng, clamp(200 - x * 250 // SD, 30, 3000))

    # Reports, commendation and models.
    x = mix(rng, quality)
    late_reports = pick(rng, ((880, 0), (85, 1), (25, 2), (7, 3), (3, 4)))
    if x < -1500:
        late_reports += rng.randrange(0, 3)
    late_reports = min(late_reports, 12)
    commended = active >= 12 and chance(rng, clamp(900 + x * 800 // SD, 50, 6000))
    model_practice = active >= 12 and chance(rng, clamp(800 + x * 700 // SD, 30, 5000))

    return [
        f"HT-{district.code}-{number:04d}",
        name,
        district.identifier,
        str(members),
        percent_text(task_completion),
        emulation,
        str(meetings_good),
        str(thematic_meetings),
        percent_text(attendance_rate),
        str(unexcused),
        _bool(disunity),
        str(members_disciplined),
        percent_text(members_good_rate),
        str(new_members),
        _bool(dues_on_time),
        str(late_reports),
        _bool(commended),
        _bool(model_practice),
        str(months),
    ]


def _bool(value: bool) -> str:
    return "true" if value else "false"


# ---------------------------------------------------------------------------- the file
def generate(seed: int, count: int) -> list[list[str]]:
    rng = random.Random(seed)
    rows: list[list[str]] = []
    shares = apportion(count, [d.population for d in DISTRICTS])
    for district, share in zip(DISTRICTS, shares, strict=True):
        namer = Namer(district, {})
        for number in range(1, share + 1):
            rows.append(make_cell(rng, district, number, namer))
    return rows


def write(path: Path, rows: Sequence[Sequence[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate synthetic Hà Tĩnh party-cell data (see the docstring).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="CSV file to write (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="number of cells (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    rows = generate(args.seed, args.count)
    write(args.out, rows)
    print(f"wrote {len(rows)} cells to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
