"""The county's catalogue as it starts: the three items done across provinces (跨省通办)
and the common items village service stations help with. Codes are fixed, so that other
modules and the demo may name them; the county admins change the rest on the catalogue
page."""

from decimal import Decimal

from django.db import migrations

# (code, name, mode, across provinces, deciding office, time limit in working days, fee,
#  fee note, where, basis, [(material, original, copies, required, note)])
ITEMS = [
    (
        "id-card-reissue",
        "居民身份证补领（跨省通办）",
        "proxy",
        True,
        "户籍地公安机关",
        20,
        Decimal("20.00"),
        "工本费20元；因灾补领可免收",
        "县政务服务中心公安窗口；各镇派出所户籍窗口（异地受理，户籍地审批制证）",
        "《中华人民共和国居民身份证法》第十一条",
        [
            ("户口簿", True, 1, True, "本人户口所在户的户口簿"),
            ("本人近期免冠照片（或现场采集）", True, 1, True, "窗口可现场拍照"),
            ("身份证遗失情况说明", True, 1, True, "本人签字"),
        ],
    ),
    (
        "marriage-registration",
        "内地居民结婚登记（跨省通办）",
        "joint",
        True,
        "县民政局婚姻登记处",
        1,
        Decimal("0.00"),
        "免费",
        "县婚姻登记处（一方户籍地或经常居住地均可办理）",
        "《婚姻登记条例》；民政部婚姻登记“跨省通办”试点",
        [
            ("双方居民身份证", True, 1, True, ""),
            ("双方户口簿或居住证", True, 1, True, "在经常居住地办理的提交居住证"),
            ("双方近期半身免冠合影照片", True, 3, True, "2寸红底"),
            (
                "本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明",
                True,
                1,
                True,
                "现场签署",
            ),
        ],
    ),
    (
        "medical-insurance-cross-province",
        "跨省异地就医直接结算备案",
        "online",
        True,
        "县医疗保障局",
        1,
        Decimal("0.00"),
        "免费",
        "国家医保服务平台APP或微信小程序；县医保服务大厅；村便民服务站帮办",
        "《关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》（医保发〔2022〕22号）",
        [
            ("居民身份证或社会保障卡", True, 1, True, ""),
            (
                "异地居住证明或就医转诊材料",
                False,
                1,
                False,
                "长期异地居住或转诊就医时提供，也可个人承诺",
            ),
        ],
    ),
    (
        "pension-enrolment",
        "城乡居民基本养老保险参保登记",
        "local",
        False,
        "县社会保险事业中心",
        5,
        Decimal("0.00"),
        "免费",
        "村便民服务站；镇社保所",
        "《国务院关于建立统一的城乡居民基本养老保险制度的意见》",
        [
            ("居民身份证", True, 1, True, ""),
            ("户口簿", True, 1, True, ""),
        ],
    ),
    (
        "elderly-allowance",
        "高龄津贴申请",
        "local",
        False,
        "县民政局",
        10,
        Decimal("0.00"),
        "免费",
        "村便民服务站；镇民政办",
        "省高龄津贴制度",
        [
            ("居民身份证", True, 1, True, ""),
            ("户口簿", True, 1, True, ""),
            ("本人银行卡或社会保障卡", False, 1, True, "用于发放津贴"),
        ],
    ),
    (
        "temporary-assistance",
        "临时救助申请",
        "local",
        False,
        "镇人民政府",
        10,
        Decimal("0.00"),
        "免费",
        "村便民服务站；镇民政办",
        "《社会救助暂行办法》",
        [
            ("居民身份证", True, 1, True, ""),
            ("户口簿", True, 1, True, ""),
            ("临时救助申请书", True, 1, True, "村代写，本人签字"),
            ("遭遇困难的证明材料（病历、事故证明等）", False, 1, False, "有则提供"),
        ],
    ),
    (
        "disability-certificate",
        "残疾人证申领",
        "local",
        False,
        "县残疾人联合会",
        20,
        Decimal("0.00"),
        "免费",
        "村便民服务站帮办；县残联",
        "《残疾人证管理办法》",
        [
            ("居民身份证", True, 1, True, ""),
            ("户口簿", True, 1, True, ""),
            ("近期2寸免冠彩色照片", True, 3, True, ""),
        ],
    ),
    (
        "household-certificate",
        "户籍证明开具",
        "local",
        False,
        "户籍地派出所",
        1,
        Decimal("0.00"),
        "免费",
        "镇派出所户籍窗口；村便民服务站代办",
        "",
        [
            ("居民身份证", True, 1, True, ""),
            ("户口簿", True, 1, True, ""),
        ],
    ),
]


def seed(apps, schema_editor):
    Item = apps.get_model("services", "ServiceItem")
    Material = apps.get_model("services", "ServiceMaterial")
    for code, name, mode, cross, authority, days, fee, fee_note, where, basis, materials in ITEMS:
        item, created = Item.objects.get_or_create(
            code=code,
            defaults=dict(
                name=name,
                mode=mode,
                is_cross_province=cross,
                authority=authority,
                time_limit_days=days,
                fee=fee,
                fee_note=fee_note,
                where=where,
                basis=basis,
            ),
        )
        if created:
            for order, (material, original, copies, required, note) in enumerate(materials):
                Material.objects.create(
                    item=item,
                    name=material,
                    is_original=original,
                    copies=copies,
                    is_required=required,
                    note=note,
                    order=order,
                )


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
