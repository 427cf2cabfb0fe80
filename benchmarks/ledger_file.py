"""A realistic ledger file for the import benchmarks: households of about three residents
spread over the county's units, as a village would fill in the template.

`python benchmarks/ledger_file.py OUT.csv --residents 1000000` writes one from the units
of the database that DATABASE_URL names (the county-scale demo); `rows()` gives the rows
to the benchmark worker, which writes the same file as CSV or XLSX.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator, Sequence

from stdnum.cn import ric

HEADER = (
    "户编号",
    "单元网格编码",
    "姓名",
    "公民身份号码",
    "与户主关系",
    "性别",
    "出生日期",
    "联系电话",
    "现住址",
    "人员标签",
    "户类别",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文斌海燕鹏飞宇浩然欣怡子涵梓轩思雨佳琪俊杰晓东春生秋菊冬梅振华德明淑珍凤英秀兰玉珍"
# Members of a household: 1 to 5, three on average (1,000,000 residents ≈ 333,000 households).
SIZES = (1, 2, 3, 4, 5)
SIZE_WEIGHTS = (10, 25, 30, 25, 10)
KEY_TAGS = ("低保", "五保", "大病", "残疾", "信访")
# Allocated mobile prefixes.
MOBILE = (
    "130",
    "131",
    "132",
    "135",
    "136",
    "138",
    "139",
    "150",
    "151",
    "158",
    "159",
    "177",
    "186",
    "187",
    "188",
    "189",
)
KEY_RATE = 0.047
# Birthplaces of the ID numbers: 嘉祥县 and its neighbours.
REGIONS = ("370829", "370830", "370831", "370832")


def rows(
    units: Sequence[str],
    residents: int,
    *,
    seed: int = 2026,
    regions: Sequence[str] = REGIONS,
    numbers_from: int = 0,
) -> Iterator[tuple]:
    """`residents` rows of the ledger template, households spread evenly over `units`;
    ID numbers from `regions`, household numbers from `numbers_from` + 1 in each unit."""
    rng = random.Random(seed)
    today = datetime.date(2026, 6, 30)
    used: dict[str, int] = {}

    def birth(low: int, high: int) -> datetime.date:
        return today - datetime.timedelta(days=rng.randint(low * 365, high * 365))

    def id_number(born: datetime.date, male: bool) -> str:
        key = born.strftime("%Y%m%d")
        n = used.get(key, 0)
        used[key] = n + 1
        # Sequence numbers run out at 500 a sex a day: then a neighbouring county's code.
        region = regions[(n // 500) % len(regions)]
        body = f"{region}{key}{(n % 500) * 2 + male:03d}"
        return body + ric.calc_check_digit(body + "0")

    made = 0
    number = 0
    while made < residents:
        unit = units[number % len(units)]
        number += 1
        size = min(rng.choices(SIZES, SIZE_WEIGHTS)[0], residents - made)
        address = f"{unit[-6:-3]}组{number // len(units) + 1}号"
        members = []
        head_male = rng.random() < 0.8
        if size == 1:
            elderly = rng.random() < 0.5
            members.append(("户主", birth(70, 92) if elderly else birth(25, 69), head_male))
        else:
            members.append(("户主", birth(28, 75), head_male))
            members.append(("配偶", birth(26, 73), not head_male))
            members.extend(("子女", birth(1, 30), rng.random() < 0.5) for _ in range(size - 2))
        key_member = rng.randrange(size) if rng.random() < KEY_RATE else -1
        for index, (relation, born, male) in enumerate(members):
            tags = []
            if size == 1 and born.year < today.year - 69:
                tags.append("独居老人")
            if index == key_member:
                tags.append(rng.choice(KEY_TAGS))
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
            )
            phone = "" if relation == "子女" else f"{rng.choice(MOBILE)}{rng.randrange(10**8):08d}"
            yield (
                f"{numbers_from + number // len(units) + 1:03d}",
                unit,
                name,
                id_number(born, male),
                relation,
                "男" if male else "女",
                born.isoformat(),
                phone,
                address,
                "、".join(tags),
                "",
            )
            made += 1


def write_csv(path, units: Sequence[str], residents: int, **options) -> int:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        count = 0
        for row in rows(units, residents, **options):
            writer.writerow(row)
            count += 1
    return count


def write_xlsx(path, units: Sequence[str], residents: int, **options) -> int:
    """The same rows as a workbook, ID numbers and codes as text cells (write-only mode)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(HEADER)
    count = 0
    for row in rows(units, residents, **options):
        sheet.append(row)
        count += 1
    book.save(path)
    return count


def county_units() -> list[str]:
    from yiwang.areas.models import Area, Level

    return list(
        Area.objects.open().filter(level=Level.UNIT).order_by("code").values_list("code", flat=True)
    )


if __name__ == "__main__":
    import argparse
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--residents", type=int, default=1_000_000)
    args = parser.parse_args()
    writer = write_xlsx if args.out.suffix == ".xlsx" else write_csv
    print(writer(args.out, county_units(), args.residents), "rows")
