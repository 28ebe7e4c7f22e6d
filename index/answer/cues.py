"""Question-type cues for languages other than English: how a question in the language asks
for a name, a date, a number or a place, and how its texts write dates and numbers.

English lives in ``index.answer.qtype``. Each language here is one ``Cues`` value: a few
patterns a speaker of the language would list, nothing learned. A language written without
capitals (Arabic, Chinese) asks only for dates and numbers: its names cannot be told from
other words, and a name question that found no name in any sentence would count against
every sentence alike. A language with no entry here gets English's cues, which find nothing
in it, so its questions are of no particular type.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

PERSON, DATE, NUMBER, PLACE, OTHER = "person", "date", "number", "place", "other"
DURATION, MONEY, COUNT = "duration", "money", "count"

# A year or a number, wherever digits stand: Chinese writes "1999年" with no space, so
# word boundaries (between two word characters) would miss it.
YEAR = r"(?<!\d)(?:1\d{3}|20\d{2})(?!\d)"
DIGITS = r"(?<![\d.,])\d+(?:[.,]\d+)*(?:\s?%)?"


@dataclass(frozen=True)
class Cues:
    """One language's cues. ``asks`` are (kind, pattern) pairs tried in order on the
    lowercased question; ``numbers`` (kind of number, pattern) narrow a number question;
    ``dates`` and ``number_words`` find the spans its texts answer with."""

    language: str
    asks: tuple[tuple[str, str], ...]
    numbers: tuple[tuple[str, str], ...]
    dates: str
    number_words: str
    cased: bool
    place_lead: str = ""

    def kind(self, question: str) -> str:
        q = " " + " ".join(question.lower().split()) + " "
        for kind, pattern in self.asks:
            if re.search(pattern, q):
                if kind in (PERSON, PLACE) and not self.cased:
                    return OTHER
                return kind
        return OTHER

    def number_kind(self, question: str) -> str:
        q = " " + " ".join(question.lower().split()) + " "
        return next((kind for kind, pattern in self.numbers if re.search(pattern, q)), "")

    @functools.cached_property
    def date_pattern(self) -> re.Pattern[str]:
        return re.compile(rf"{self.dates}|{YEAR}", re.IGNORECASE)

    @functools.cached_property
    def number_pattern(self) -> re.Pattern[str]:
        return re.compile(rf"{DIGITS}|{self.number_words}", re.IGNORECASE)


GERMAN = Cues(
    language="de",
    asks=(
        (
            NUMBER,
            r"\bwie ?(?:viele?|viel|lange|alt|weit|groß|gross|hoch|tief|breit|oft|schnell"
            r"|schwer)\b"
            r"|\b(?:welche[rsnm]?|was für eine?n?) (?:anzahl|zahl|prozentsatz|anteil|betrag"
            r"|temperatur|bevölkerung|einwohnerzahl|summe|menge|höhe|größe|länge|entfernung)\b",
        ),
        (
            DATE,
            r"\bwann\b|\bseit wann\b|\bbis wann\b|\bum wie viel uhr\b"
            r"|\b(?:in |an |zu |seit |bis )?(?:welche[rmsn]?|was für eine?[rmsn]?) (?:jahr|jahren"
            r"|jahrhundert|jahrzehnt|datum|tag|monat|zeit|zeitraum|epoche|ära|periode)\b",
        ),
        (
            PLACE,
            r"\bwo\b|\bwohin\b|\bwoher\b"
            r"|\b(?:in |an |aus |nach )?(?:welche[rmsn]?|was für eine?[rmsn]?) (?:land|ländern"
            r"|stadt|städten|staat|ort|region|kontinent|insel|gegend|provinz|dorf|straße"
            r"|gebäude|fluss|berg|bezirk|gebiet)\b",
        ),
        (
            PERSON,
            r"\b(?:wer|wem|wen|wessen)\b|\bwie (?:heißt|hieß|heißen|hießen|lautet|lautete)\b"
            r"|\b(?:welche[rmsn]?|was für eine?[rmsn]?) (?:person|mann|frau|personen|gruppe"
            r"|firma|unternehmen|organisation|mannschaft|präsident|könig|königin|anführer"
            r"|autor|künstler|komponist|wissenschaftler|forscher|erfinder|entdecker|gründer"
            r"|architekt|spieler|trainer|band|regisseur|schriftsteller|dichter|maler|politiker"
            r"|kanzler|minister|kaiser|papst|herrscher|familie)\b",
        ),
    ),
    numbers=(
        (DURATION, r"\bwie lange\b"),
        (COUNT, r"\bwie ?viele\b"),
        (MONEY, r"\bwie ?viel\b.*\b(?:kost\w*|bezahl\w*|gezahlt|ausgegeben|wert|verdien\w*)\b"),
    ),
    dates=(
        r"\b(?:januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober"
        r"|november|dezember|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)\b"
        r"|\b\d{1,2}\.\s*jahrhunderts?\b|\b\d{3,4}er\b"
    ),
    number_words=(
        r"\b(?:zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig"
        r"|hundert|tausend|millionen?|milliarden?|dutzend|hälfte)\b"
    ),
    cased=True,
    place_lead=r"\b(?:in|im|aus|nach|bei|von|vom|zu|zum|zur|am|an)\s+(?:der\s+|dem\s+|den\s+)?$",
)

RUSSIAN = Cues(
    language="ru",
    asks=(
        (
            NUMBER,
            r"\bсколько\b|\bкак(?:ов[аоы]?|ое|ой|ая) (?:число|количество|процент|доля|размер"
            r"|площадь|население|численность|температура|стоимость|сумма|длина|высота|расстояние)\b",
        ),
        (
            DATE,
            r"\bкогда\b|\bс какого (?:года|времени)\b|\bдо какого (?:года|времени)\b"
            r"|\b(?:в |на )?как(?:ом|ой|ие|их|ую|ого) (?:году|годах|годы|веке|век|века"
            r"|десятилетии|дату|дата|день|месяце|периоде|период|время|эпоху|эпоха)\b",
        ),
        (
            PLACE,
            r"\bгде\b|\bкуда\b|\bоткуда\b"
            r"|\b(?:в |из |на )?как(?:ой|ом|их|ая|ое|ую) (?:стране|страна|страну|странах|городе"
            r"|город|города|штате|штат|месте|место|регионе|регион|области|провинции|районе"
            r"|континенте|острове|реке|река|горе)\b",
        ),
        (
            PERSON,
            r"\b(?:кто|кого|кому|кем|чей|чья|чьё|чье|чьи)\b|\bкак (?:зовут|звали)\b"
            r"|\bкак (?:называется|назывался|называлась|называлось|называются|назывались)\b"
            r"|\bкак(?:ой|ая|ое|ие|ого|ую) (?:человек|люди|компания|компании|организация|группа"
            r"|команда|президент|король|королева|лидер|автор|художник|композитор|учёный|ученый"
            r"|исследователь|изобретатель|основатель|архитектор|игрок|тренер|режиссёр|режиссер"
            r"|писатель|поэт|политик|министр|император|папа|правитель|семья)\b",
        ),
    ),
    numbers=(
        (MONEY, r"\bсколько\b.*\b(?:стои\w*|плат\w*|заплат\w*|потрат\w*|денег)\b"),
        (
            DURATION,
            r"\bсколько (?:времени|лет|дней|месяцев|часов|минут)\b.*\b(?:длил\w*|продолж\w*)\b",
        ),
        (COUNT, r"\bсколько\b"),
    ),
    dates=(
        r"\b(?:январ|феврал|март|апрел|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*"
        r"|\bма[йяе]\b|\b[ivxlc]+\s+век\w*|\b\d{1,2}(?:-?м|-?го)?\s+век\w*"
    ),
    number_words=(
        r"\b(?:два|две|три|четыре|пять|шесть|семь|восемь|девять|десять|двадцать|тридцать"
        r"|сто|тысяч\w*|миллион\w*|миллиард\w*|половин\w*)\b"
    ),
    cased=True,
    place_lead=r"(?<!\w)(?:в|во|из|на|под|около|у|до|от|по)\s+$",
)

ARABIC = Cues(
    language="ar",
    asks=(
        (
            NUMBER,
            r"(?<!\w)[وب]?كم(?!\w)|(?<!\w)(?:ما|وما) (?:هو |هي )?(?:عدد|نسبة|حجم|مساحة|قيمة"
            r"|تكلفة|طول|ارتفاع|مسافة)(?!\w)",
        ),
        (
            DATE,
            r"(?<!\w)[و]?متى(?!\w)|(?<!\w)(?:في |منذ )?أي (?:عام|سنة|قرن|عقد|تاريخ|يوم|شهر"
            r"|فترة|وقت|عصر)(?!\w)|(?<!\w)ما (?:هو )?تاريخ(?!\w)",
        ),
    ),
    numbers=(
        (MONEY, r"(?<!\w)[وب]?كم(?!\w).*(?<!\w)(?:تكلف\w*|يكلف\w*|سعر|ثمن|دفع\w*|أنفق\w*)"),
        (COUNT, r"(?<!\w)كم عدد(?!\w)|(?<!\w)(?:ما|وما) (?:هو )?عدد(?!\w)"),
    ),
    dates=(
        r"(?<!\w)(?:يناير|فبراير|مارس|أبريل|إبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر"
        r"|نوفمبر|ديسمبر|كانون|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين)(?!\w)"
        r"|(?<!\w)(?:ال)?قرن(?!\w)"
    ),
    number_words=r"(?<!\w)(?:[وب]?(?:ال)?(?:مليون|ملايين|مليار|ألف|آلاف|مائة|مئة))(?!\w)",
    cased=False,
)

CHINESE = Cues(
    language="zh",
    asks=(
        (
            NUMBER,
            r"多少|几(?:个|年|次|位|名|种|天|岁|分|倍|座|条|部|本|家|所|千|百|万|十|小时|公里)"
            r"|多(?:长|久|大|高|远|重|深|宽|快)|百分之几|(?:数量|人口|面积|比例)是",
        ),
        (
            DATE,
            r"什么时候|何时|哪(?:一|个)?年|哪(?:一|个)?世纪|哪(?:一|个)?天|什么时间|哪(?:一|个)?年代"
            r"|几月|哪(?:一|个)?月|何年|哪个时期|什么时期|哪(?:一|个)?朝代|什么朝代",
        ),
    ),
    numbers=(
        (MONEY, r"多少钱|花费|费用|成本|价格"),
        (DURATION, r"多长时间|多久"),
        (COUNT, r"多少|几"),
    ),
    dates=(
        r"\d{1,4}\s*(?:年|月|日|世纪)|[〇零一二三四五六七八九十]{1,4}(?:年|月|世纪)"
        r"|(?:公元前?|前)\d+"
    ),
    number_words=r"[零一二两三四五六七八九十百千万亿]{2,}|[两二三四五六七八九十]+(?=[个名位次万亿千百])",
    cased=False,
)

CUES: dict[str, Cues] = {c.language: c for c in (GERMAN, RUSSIAN, ARABIC, CHINESE)}
