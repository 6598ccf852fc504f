"""Names and addresses as Japanese signers write them: checking, and the form compared.

Two signatures are the same person's when their name and address, normalised here, are equal.
The normal form is used only inside the keyed hash (see ``services.signer_hash``); what the
signer typed is what the signature list prints.

What is compared is letters and digits only (review R5-1: ``山田・太郎``, ``山田 太郎.``,
``Taro Yamada``/``TARO YAMADA``, an address ending in ``。`` or written ``1〜2〜3`` each made
the same person a new one). What is made equal:

* width and compatibility forms (NFKC): ``１２３`` = ``123``, ``ﾔﾏﾀﾞ`` = ``ヤマダ``;
* letter case (``str.casefold``): ``Taro`` = ``TARO``, ``Aビル`` = ``aビル``;
* hiragana and katakana (review R6-1): ``やまだ はなこ`` = ``ヤマダ ハナコ``,
  ``こーぽ`` = ``コーポ``;
* in a name, every space, punctuation mark and symbol, anywhere (``山田　太郎`` = ``山田・太郎`` =
  ``山田太郎.``, ``O'Brien`` = ``OBrien``): what is left are letters (with their marks:
  ``か゛`` = ``が``) and digits. The long sound mark ``ー`` after a kana is a letter of
  the name and stays (review R6-1: ``マリ`` and ``マリー``, ``ユキ`` and ``ユーキ`` are other
  people; a run of them is one); anywhere else (``山田ー太郎``, a name that starts with it)
  it was typed for a dash and goes;
* ``々`` written out: ``佐々木`` = ``佐佐木``;
* in an address, the same (``ー`` stays only after a kana and not before a digit: ``コーポ``,
  but ``芝公園ー1``, ``ハイツー101``), except *between two digits*: there any run of spaces,
  punctuation, symbols and the words of a block number is one separator (next item), so
  ``1-23`` and ``1-2-3`` stay two addresses, and so do ``1 23`` and ``123``;
* a room or floor written with its word after the number is that number (review R6-1):
  ``101号室`` = ``101号`` = ``101室`` = ``101``, ``2階`` = ``2F`` = ``2f`` = ``2``, and between two
  numbers such a word is a separator (``2階201号室`` = ``2F-201`` = ``2-201``, never ``2201``);
  the number itself never changes (``101号室`` and ``102号室``, ``2階`` and ``12階`` stay apart);
  a basement floor is ``B`` and its number however written (``地下1階`` = ``B1F`` = ``B1階`` =
  ``地下1F`` = ``B1``);
* characters that show nothing are dropped (zero-width spaces, joiners, bidi controls, variation
  selectors, the Hangul fillers U+3164 and U+FFA0, U+2800: ``visible``);
* a few old or variant kanji common in names and place names (``髙`` = ``高``, ``﨑`` = ``崎``,
  ``郞`` = ``郎``);
* numerals: kanji numerals become arabic ones (``三丁目`` = ``3丁目``, ``二十一`` = ``21``,
  ``一〇二`` = ``102``);
* the ways of writing a block number: ``1丁目2番地3号`` = ``1丁目2番3`` = ``1-2-3`` =
  ``1の2の3`` = ``1・2・3`` = ``1〜2〜3`` = ``1 2 3``, with any dash (``－``, ``ー`` between
  digits, ``‐``, ``―``, ``−``) or sign (``〜``, ``_``, ``,``, ``.``, ``/``), and nothing after
  the last number (``1-2-3号。`` = ``1-2-3``);
* ``ヶ``, ``ヵ`` and a ``が`` between kanji (``霞が関`` = ``霞ヶ関`` = ``霞ケ関``);
* a postcode before the address (``〒100-8926 東京都…`` = ``東京都…``).

Over-eager merging costs little here (two people would need the same name *and* address for
it to matter), while a missed variant lets one person count twice; but a household of
different names must never be merged, which is why ``ー`` after a kana is kept (a second
member of the household would be thanked and silently not counted). A stored signature
keeps the hash of the form it was signed under, and its petition the version of that form
(``NORMAL_FORM_VERSION``): after a change here, raise it, and every petition's signatures are
hashed again (``services.up_to_date``) before anyone of it is hashed under the new form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Raise it with every change of what ``normal_name`` or ``normal_address`` return: a petition
# whose hashes were made under an older version is rehashed by ``flask init`` at the upgrade
# (a public signer finds it refused until then; services.up_to_date_all).
# 1: every form up to review R6-1's; 2: basement floors (地下1階 = B1F = B1).
NORMAL_FORM_VERSION = 2

PREFECTURES = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
]
# JIS X 0401 codes are the position in this list, from "01".
PREFECTURE_CODES = {name: f"{n:02d}" for n, name in enumerate(PREFECTURES, start=1)}

NAME_MAX = 60
ADDRESS_MAX = 200

# Variant kanji that people use interchangeably in names and place names.
VARIANTS = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "邊": "辺",
        "邉": "辺",
        "齋": "斎",
        "齊": "斉",
        "澤": "沢",
        "濱": "浜",
        "廣": "広",
        "國": "国",
        "櫻": "桜",
        "眞": "真",
        "寳": "宝",
        "寶": "宝",
        "惠": "恵",
        "德": "徳",
        "𠮷": "吉",
        "槇": "槙",
        "曻": "昇",
        "郞": "郎",
        "濵": "浜",
        "嶋": "島",
        "嶌": "島",
        "冨": "富",
        "淵": "渕",
        "瀨": "瀬",
        "曾": "曽",
        "實": "実",
        "條": "条",
        "黑": "黒",
        "增": "増",
        "豐": "豊",
        "榮": "栄",
        "藪": "薮",
        "桒": "桑",
        "舘": "館",
        "峯": "峰",
        "埜": "野",
        "驒": "騨",
        "檜": "桧",
        "龜": "亀",
        "戶": "戸",
        "ヵ": "ケ",
        "ヶ": "ケ",
        "ゕ": "ケ",
        "ゖ": "ケ",
    }
)
# Characters that show nothing (Unicode's Default_Ignorable_Code_Point, and the blank "letters"
# U+2800 and the Hangul fillers): typed or pasted into a name or an address they would make the
# same person a new one (review R3-12) and go into the 署名簿 unseen, so they are removed from
# every field of the form before anything is checked, hashed or sealed (``visible``).
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
_SPACE_RE = re.compile(r"\s+")
_POSTCODE_RE = re.compile(r"^〒?\s*\d{3}\s*-?\s*\d{4}\s*")
_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_KANJI_DIGITS.update({"八": 8, "九": 9})
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMBER_RE = re.compile(f"[{''.join(_KANJI_DIGITS)}{''.join(_KANJI_UNITS)}]+")
_KANJI_RE = r"[\u3400-\u9fff\uf900-\ufaff]"
_GA_RE = re.compile(f"(?<={_KANJI_RE})[がガ](?={_KANJI_RE})")
# 丁目, 番地, 番, 号 and の between numbers all separate the parts of a block number.
_BLOCK_SEP_RE = re.compile(r"(\d)(?:丁目|番地|番|号|の|ノ|之|-)+(?=\d)")
_BLOCK_END_RE = re.compile(r"(\d)(?:丁目|番地|番|号)+$")
# A room or floor word after a number (号室, 号, 室, 階, F; F not the start of a Latin word):
# a separator when a digit follows (2階201 = 2-201), nothing otherwise (101号室 = 101).
_ROOM_RE = re.compile(r"(?<=\d)(?:号室|号|室|階|f(?![a-z]))+(?=(\d)?)")
_BASEMENT_RE = re.compile(r"地下(?=\d)")  # 地下1階 = B1F (casefolded: b1f)
# Hiragana written as katakana, for comparison only (review R6-1).
_KATAKANA = str.maketrans({chr(c): chr(c + 0x60) for c in [*range(0x3041, 0x3097), 0x309D, 0x309E]})
# What a long sound mark is a letter after: kana (katakana once folded), with their marks.
_KANA = "[\u3041-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\U0001b000-\U0001b16f]"
_LONG_RUN_RE = re.compile("ー+")
_DASH_IN_NAME_RE = re.compile(f"(?<!{_KANA})ー")
_DASH_IN_ADDRESS_RE = re.compile(f"(?<!{_KANA})ー|ー(?=\\d)")
# Between two digits: a run of spaces, punctuation, symbols, dashes, or a ー typed for a dash.
_SIGNS_BETWEEN_DIGITS_RE = re.compile(r"(?<=\d)(?:[\W_]|ー)+(?=\d)")
_REPEAT_RE = re.compile(r"(.)々+")
# A name is letters (any script), combining marks and the few signs names carry.
_NAME_RE = re.compile(r"^[^\W\d_]([^\W\d_]|[\u3099-\u309c・ー\-'’. 　々〆ヶ])*$")


def kanji_to_arabic(run: str) -> str:
    """One run of kanji numerals as arabic digits: ``二十一`` → ``21``, ``一〇二`` → ``102``.

    A run without 十, 百 or 千 is read digit by digit (as in ``一〇二号``); one with them, as a
    number (``三百五`` → ``305``, ``十`` → ``10``).
    """
    if not any(c in _KANJI_UNITS for c in run):
        return "".join(str(_KANJI_DIGITS[c]) for c in run)
    total, digit = 0, None
    for char in run:
        if char in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[char] if digit is None else digit * 10 + _KANJI_DIGITS[char]
        else:
            total += (1 if digit is None else digit) * _KANJI_UNITS[char]
            digit = None
    return str(total + (digit or 0))


def visible(text: str) -> str:
    """The text without the characters that show nothing (``INVISIBLE``)."""
    return INVISIBLE.sub("", text)


def _base(text: str) -> str:
    text = visible(unicodedata.normalize("NFKC", visible(text))).translate(VARIANTS)
    return _SPACE_RE.sub("", text)


def _letter_or_digit(char: str) -> bool:
    """A letter (any script, with the marks that go with it) or a digit: what is compared."""
    return unicodedata.category(char)[0] in "LMN"


def _folded(text: str) -> str:
    """NFKC, no invisible characters, variant kanji unified, case folded."""
    text = visible(unicodedata.normalize("NFKC", visible(text))).translate(VARIANTS)
    return unicodedata.normalize("NFKC", text.casefold())


def _letters(text: str, keep: str = "") -> str:
    """Only letters, digits and the characters of ``keep``, recomposed (a dakuten split from
    its kana by a dropped sign joins it again), with ``々`` written out (``佐々木`` =
    ``佐佐木``)."""
    kept = "".join(c for c in text if c in keep or _letter_or_digit(c))
    kept = _REPEAT_RE.sub(lambda m: m.group(1) * len(m.group()), kept)
    return unicodedata.normalize("NFKC", kept)


def _long_sounds(text: str, dash: re.Pattern) -> str:
    """``ー`` where it is a letter (after a kana: ``マリー`` ≠ ``マリ``), one for a run of them;
    the others (``dash``) go, as the dash they were typed for."""
    return dash.sub("", _LONG_RUN_RE.sub("ー", text))


def normal_name(name: str) -> str:
    """The name as compared: letters and digits only, hiragana as katakana, ``ー`` kept after
    a kana (see the module docstring)."""
    return _long_sounds(_letters(_folded(name).translate(_KATAKANA)), _DASH_IN_NAME_RE)


def strip_postcode(address: str) -> str:
    """The address without a leading postcode (``〒100-0001``), which nobody needs to give."""
    return _POSTCODE_RE.sub("", unicodedata.normalize("NFKC", address).strip())


def normal_address(address: str) -> str:
    """The address as compared: see the module docstring."""
    text = _folded(strip_postcode(address)).translate(_KATAKANA)
    text = _KANJI_NUMBER_RE.sub(lambda m: kanji_to_arabic(m.group()), text)
    # Between two digits, a run of anything but letters and digits (a dash, or a katakana long
    # sound mark typed for one, counts as such) is one separator; anywhere else it goes.
    text = _SIGNS_BETWEEN_DIGITS_RE.sub("\x00", text.replace("\x00", ""))
    text = _letters(text, keep="\x00").replace("\x00", "-")
    text = _long_sounds(text, _DASH_IN_ADDRESS_RE)  # 3ー (after the last number): a dash too
    text = _GA_RE.sub("ケ", text)
    text = _BASEMENT_RE.sub("b", text)
    text = _ROOM_RE.sub(lambda m: "-" if m.group(1) else "", text)
    text = _BLOCK_SEP_RE.sub(r"\1-", text)
    text = _BLOCK_END_RE.sub(r"\1", text)
    return text


def prefecture_of(address: str) -> str | None:
    """The JIS code of the prefecture the address starts with, if it starts with one."""
    text = _base(strip_postcode(address))
    for name, code in PREFECTURE_CODES.items():
        if text.startswith(name):
            return code
    return None


@dataclass(frozen=True)
class Problem:
    """Why a name or address was refused: which field, and a code the form turns into words."""

    field: str
    code: str


def check_name(name: str) -> Problem | None:
    """A name must be letters (kanji, kana, Latin…) with spaces or ・ between, 60 at most."""
    name = name.strip()
    if not name:
        return Problem("name", "missing")
    if len(name) > NAME_MAX:
        return Problem("name", "too_long")
    if not _NAME_RE.match(unicodedata.normalize("NFC", name)):
        return Problem("name", "not_a_name")
    return None


def check_address(address: str) -> Problem | None:
    """An address starts with the prefecture (as a 請願署名 asks) and goes on from there."""
    address = address.strip()
    if not address:
        return Problem("address", "missing")
    if len(address) > ADDRESS_MAX:
        return Problem("address", "too_long")
    if prefecture_of(address) is None:
        return Problem("address", "no_prefecture")
    rest = _base(strip_postcode(address))
    rest = rest[len(next(p for p in PREFECTURES if rest.startswith(p))) :]
    if len(rest) < 2 or not re.search(r"[^\W_]", rest):
        return Problem("address", "too_short")
    printable = strip_postcode(address)
    if any(unicodedata.category(c) in ("So", "Cs", "Co", "Cn", "Cc", "Cf") for c in printable):
        return Problem("address", "not_an_address")
    return None


def tidy(text: str) -> str:
    """What is stored and printed: the signer's own characters, NFKC (half-width kana become
    full-width, full-width digits half-width) and runs of spaces reduced to one."""
    return _SPACE_RE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
