"""A shop's licence read out of its text (亮照亮证): company name, USCC, old registration
number, address and permits, with the labels real shop pages use.

A shop record often carries nothing but ``shop_text`` (an export, a page without a profile).
``completed(record)`` fills the licence facts the record does not state from that text, so
every licence check runs: a text with no licence at all is ``licence_present=False``; a
labelled code that is truncated or fails its check character is kept as shown, for
``uscc_valid`` to judge. Facts the record states (a profile read them from the page's
structure) are never replaced.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rules.record import Record

# Labels as shops print them; a colon (either width) or a space may follow.
_SEP = r"\s*[:：]?\s*"
# 营业执照号/执照编号 label the USCC on licences issued since 2015 (the 15-digit
# 注册号 is read by _REG_LABEL below, and 营业执照注册号 stays with it).
_USCC_LABEL = (
    r"(?:统一社会信用代码|社会信用代码|信用代码|统一代码|USCC"
    r"|(?<!注册)(?:营业执照|执照)(?:号码|编号|号)(?!码?\s*[:：]?\s*\d{13,15}(?![0-9A-Za-z])))"
)
_REG_LABEL = r"(?:营业执照注册号|工商注册号|注册号|营业执照号码|营业执照编号|营业执照号|执照号)"
_NAME_LABEL = r"(?:企业名称|公司名称|经营者名称|商户名称|商家名称|单位名称|(?<![铺品牌])名称)"
# A bare 地址 only where it is not a return, shipping or contact address (退货地址：…).
_ADDRESS_LABEL = (
    r"(?:住所|营业执照所在地|经营场所|注册地址|经营地址|企业地址|公司地址"
    r"|(?<!退货)(?<!发货)(?<!收货)(?<!售后)(?<!联系)(?<!寄件)(?<!回寄)地址)"
)
_LEGAL_LABEL = r"(?:法定代表人|负责人|经营者)"
#: Where one labelled value ends: the next label, a line break, a separator.
_END = (
    rf"(?=\s*(?:{_USCC_LABEL}|{_REG_LABEL}|{_NAME_LABEL}|{_ADDRESS_LABEL}|{_LEGAL_LABEL}"
    r"|[^\s:：|｜;；]{2,12}许可证|[^\s:：|｜;；]{2,8}备案|营业执照|成立日期|注册资本|经营范围|$)"
    r"|[\n|｜;；])"
)
# A labelled code may be printed in groups (9134 0603 MA2P …): single spaces or hyphens
# between its characters are kept out of the code, up to GB 32100's 18 characters (a longer run
# is kept whole, for the length check to judge).
USCC_RE = re.compile(rf"{_USCC_LABEL}{_SEP}([0-9A-Za-z](?:[ \-]?[0-9A-Za-z]){{3,23}})")
# An unlabelled code: GB 32100's shape (registration authority, organisation type, region).
BARE_USCC_RE = re.compile(r"(?<![0-9A-Za-z])([1-9ANY][0-9A-Z]\d{6}[0-9A-Z]{10})(?![0-9A-Za-z])")
REGISTRATION_RE = re.compile(rf"{_REG_LABEL}{_SEP}(\d{{13,15}})(?![0-9A-Za-z])")
NAME_RE = re.compile(rf"{_NAME_LABEL}{_SEP}(\S[^\n]*?){_END}")
ADDRESS_RE = re.compile(rf"{_ADDRESS_LABEL}{_SEP}(\S[^\n]*?){_END}")
#: Permits by name, and the numbers that name their permit even without a label.
PERMITS = (
    "食品经营许可证",
    "食品生产许可证",
    "药品经营许可证",
    "药品网络销售备案",
    "互联网药品信息服务资格证书",
    "医疗器械经营许可证",
    "第二类医疗器械经营备案",
    "医疗器械网络销售备案",
    "出版物经营许可证",
    "酒类流通备案",
    "酒类商品零售许可证",
    "网络文化经营许可证",
    "增值电信业务经营许可证",
    "农药经营许可证",
    "兽药经营许可证",
    "危险化学品经营许可证",
    "烟草专卖零售许可证",
)
#: Permits whose number has a fixed form: its two letters, then 14 digits.
PERMIT_FORMATS = {"食品经营许可证": "JY", "食品生产许可证": "SC"}
_FORMS = {name: rf"{prefix}[1-9]\d{{13}}" for name, prefix in PERMIT_FORMATS.items()}
PERMIT_NUMBERS = tuple(
    (re.compile(rf"(?<![0-9A-Za-z]){form}(?!\d)"), name) for name, form in _FORMS.items()
)


def _well_formed(name: str, number: str) -> bool:
    """A number in a permit's fixed form is whole (JY and 14 digits); other forms pass."""
    prefix = PERMIT_FORMATS.get(name)
    if prefix is None or not number.upper().startswith(prefix):
        return True
    return re.fullmatch(_FORMS[name], number.upper()) is not None


_PERMIT_RE = re.compile(
    "("
    + "|".join(map(re.escape, PERMITS))
    + r")(?:编号|号码|号)?"
    + _SEP
    + r"([0-9A-Za-z（）()\-第号]{4,30})?"
)
#: After a permit's name: the shop says it does not hold it (yet).
_NOT_HELD = re.compile(
    r"\s*[:：]?\s*(?:证件|证照|许可证|执照)?\s*(?:正在|目前|尚在|还在)?"
    r"(?:办理中|办理|申请中|申请|审核中|审批中|待审|待办|未办|暂无|暂未|暂不|没有|"
    r"无(?=$|[\s,，。;；|｜])|未取得|过期|已过期|失效|已失效|补办中|更新中|待更新|变更中|年检中|"
    r"换证中|未提供|未公示|未上传|不提供|无法提供|已受理|受理中|等待审批|待审批|资料已提交|已提交|"
    r"[A-Za-z]{0,2}(?:待补充|待补|待上传|补充中)|"
    r"(?:号)?(?:详)?见(?:图片|图|首页|详情页?|海报)|"
    r"[A-Za-z0-9]{0,6}[*＊]{3,})"  # a masked number (JY1*****) shows no permit
)
#: Words that say a licence block is shown even when its fields are not all read.
LICENCE_WORDS = ("营业执照", "工商执照", "执照信息", "证照信息", "资质信息")


@dataclass
class LicenceFacts:
    company: str | None = None
    uscc: str | None = None
    registration_number: str | None = None
    address: str | None = None
    permits: list[str] = field(default_factory=list)
    mentions_licence: bool = False

    @property
    def present(self) -> bool:
        """A licence is shown: a code, a registered name with a licence word, or a permit."""
        return bool(
            self.uscc
            or self.registration_number
            or (self.company and self.mentions_licence)
            or self.permits
        )


def _code(value: str) -> str:
    """A labelled code as shown, without the spaces or hyphens of its grouping; a run of
    groups that does not add up to 18 characters keeps only its first group (9144 0300 7152
    6726 XH is one code; 91440300715267 报价 is a truncated one)."""
    compact = re.sub(r"[ \-]", "", value).upper()
    if len(compact) == 18 or not re.search(r"[ \-]", value):
        return compact
    return re.split(r"[ \-]", value, maxsplit=1)[0].upper()


def _clean(value: str) -> str:
    return value.strip(" \t,，。、.:：")


def read_licence(text: str) -> LicenceFacts:
    """The licence facts a shop page's text shows."""
    text = unicodedata.normalize("NFKC", text or "")
    # 营 业 执 照, 营-业-执-照: the licence words spaced out are still the licence words.
    joined = re.sub(r"(?<=[\u4e00-\u9fff])[\s\-_·.*~|/]+(?=[\u4e00-\u9fff])", "", text)
    facts = LicenceFacts(mentions_licence=any(word in joined for word in LICENCE_WORDS))
    if found := USCC_RE.search(text):
        facts.uscc = _code(found.group(1))
    elif found := BARE_USCC_RE.search(text):
        facts.uscc = found.group(1)
    if found := REGISTRATION_RE.search(text):
        facts.registration_number = found.group(1)
    if found := NAME_RE.search(text):
        facts.company = _clean(found.group(1)) or None
    if found := ADDRESS_RE.search(text):
        facts.address = _clean(found.group(1)) or None
    for found in _PERMIT_RE.finditer(text):
        name, number = found.group(1), found.group(2)
        if not number and _NOT_HELD.match(text, found.end()):
            continue  # 食品经营许可证 办理中: named, not held
        if number and not _well_formed(name, number):
            continue  # 食品经营许可证：JY1340602, a number cut short: no permit shown
        entry = f"{name}：{number}" if number else name
        if not any(p.startswith(name) for p in facts.permits):
            facts.permits.append(entry)
    for pattern, name in PERMIT_NUMBERS:
        if (found := pattern.search(text)) and not any(p.startswith(name) for p in facts.permits):
            facts.permits.append(f"{name}：{found.group(0)}")
    return facts


def completed(record: Record) -> Record:
    """``record`` with the licence facts it does not state read from its ``shop_text``."""
    if record.kind != "shop" or not record.shop_text.strip():
        return record
    facts = read_licence(record.shop_text)
    update: dict[str, object] = {}
    if record.licence_present is None:
        update["licence_present"] = facts.present
    if record.uscc is None and facts.uscc:
        update["uscc"] = facts.uscc
    if not record.permits and facts.permits:
        update["permits"] = facts.permits
    return record.model_copy(update=update) if update else record
