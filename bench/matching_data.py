"""A generated evaluation set for duplicate registrations, with its ground truth.


    .venv/bin/python bench/matching_data.py [--people 30000] [--seed 7] [--out FILE.jsonl]

People are drawn with Armenian names at realistic frequencies (a few family names and given
names are very common, so different people share names), a sex, a birth date, a phone (some
shared by relatives who register apart) and the first names of the others in their household.
Each person registers one to four times (about 1.55 times on average: 30,000 people make some
46,000 registrations), each time typed by a different volunteer:

- names in Armenian script, in Russian Cyrillic (h lost or written г, -янц, ե as е…), or in
  Latin (Eastern romanisation, Western Armenian with voiced and voiceless swapped and -ian,
  German-style j for y, French-style ou), sometimes with a typo, sometimes given and family
  swapped, sometimes missing;
- the birth date full, with day and month swapped, year only, one digit wrong, or not given;
- the phone the same in another format (+374, 0xx, spaces, dashes), a new number, or none;
- the sex, and some of the other members' first names, sometimes not asked.

The variants are produced by rules written here, independently of the matcher's table of
known equivalents, so the benchmark measures folding, not a lookup of its own answers.
Each line of the output is one registration in the order it arrives, with "person" as truth.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field

# Armenian family names, most frequent first (rough shares of the population in Armenia).
FAMILY = [
    "Գրիգորյան",
    "Հարությունյան",
    "Սարգսյան",
    "Հովհաննիսյան",
    "Խաչատրյան",
    "Հակոբյան",
    "Վարդանյան",
    "Պետրոսյան",
    "Կարապետյան",
    "Գևորգյան",
    "Մկրտչյան",
    "Մարտիրոսյան",
    "Սահակյան",
    "Մանուկյան",
    "Ավետիսյան",
    "Ղազարյան",
    "Հայրապետյան",
    "Ստեփանյան",
    "Աբրահամյան",
    "Դավթյան",
    "Մելքոնյան",
    "Մովսիսյան",
    "Բաղդասարյան",
    "Առաքելյան",
    "Ասատրյան",
    "Զաքարյան",
    "Եղիազարյան",
    "Ալեքսանյան",
    "Համբարձումյան",
    "Թադևոսյան",
    "Մինասյան",
    "Մուրադյան",
    "Բաբայան",
    "Գալստյան",
    "Օհանյան",
    "Սիմոնյան",
    "Ներսիսյան",
    "Աղաջանյան",
    "Միքայելյան",
    "Ավագյան",
    "Դանիելյան",
    "Սաֆարյան",
    "Ղուկասյան",
    "Բարսեղյան",
    "Աթոյան",
    "Մարգարյան",
    "Հովսեփյան",
    "Շահինյան",
    "Ադամյան",
    "Գասպարյան",
    "Քոչարյան",
    "Ռոստոմյան",
    "Թովմասյան",
    "Պողոսյան",
    "Սեդրակյան",
    "Վարդումյան",
    "Զոհրաբյան",
    "Լալայան",
    "Իսրայելյան",
    "Բեգլարյան",
    "Չիլինգարյան",
    "Տեր-Պետրոսյան",
    "Մնացականյան",
    "Ղահրամանյան",
    "Հովակիմյան",
    "Նազարյան",
    "Աստվածատրյան",
]
MALE = [
    "Արմեն",
    "Դավիթ",
    "Նարեկ",
    "Գևորգ",
    "Տիգրան",
    "Հայկ",
    "Արամ",
    "Վահե",
    "Սարգիս",
    "Հովհաննես",
    "Արթուր",
    "Աշոտ",
    "Կարեն",
    "Սամվել",
    "Գագիկ",
    "Հրանտ",
    "Մհեր",
    "Վարդան",
    "Գրիգոր",
    "Հակոբ",
    "Արսեն",
    "Ռուբեն",
    "Էդգար",
    "Սուրեն",
    "Արտակ",
    "Վազգեն",
    "Պետրոս",
    "Մկրտիչ",
    "Հարություն",
    "Սահակ",
    "Ղազար",
    "Խաչատուր",
    "Համլետ",
    "Վաչագան",
    "Արշակ",
    "Լևոն",
    "Ներսես",
    "Երվանդ",
]
FEMALE = [
    "Անահիտ",
    "Մարիամ",
    "Աննա",
    "Լուսինե",
    "Գայանե",
    "Նարինե",
    "Արմինե",
    "Քրիստինե",
    "Սոնա",
    "Հասմիկ",
    "Աստղիկ",
    "Զարուհի",
    "Սիրանուշ",
    "Լիլիթ",
    "Անի",
    "Տաթևիկ",
    "Նունե",
    "Ռուզաննա",
    "Հռիփսիմե",
    "Մարգարիտ",
    "Էլեն",
    "Սյուզաննա",
    "Գոհար",
    "Վարդուհի",
    "Շուշանիկ",
    "Ալվարդ",
    "Հերմինե",
    "Մերի",
    "Նաիրա",
    "Թամարա",
    "Ինգա",
    "Կարինե",
    "Լիանա",
    "Սեդա",
    "Ռիտա",
    "Ժաննա",
    "Արուսյակ",
]


def _words(text: str) -> list[str]:
    return text.split()


# The long tail: real family names beyond the commonest, and patronymic ones (-յան after a
# given name), so that names are as spread as in the population (the commonest near 4 %).
FAMILY += _words(
    "Աղաբեկյան Ազատյան Ալավերդյան Ամիրխանյան Այվազյան Անանյան Անդրեասյան Առուստամյան Ասլանյան "
    "Ավանեսյան Արզումանյան Արշակյան Բաբաջանյան Բադալյան Բալայան Բեգլարյան Բոյաջյան Գաբրիելյան "
    "Գալոյան Գասպարյան Գյուլումյան Գուլյան Դալլաքյան Դեմիրճյան Եսայան Երիցյան Զաքարյան Թամազյան "
    "Թումանյան Իսպիրյան Լևոնյան Լիսիցյան Խաչիկյան Խառատյան Ծատուրյան Կիրակոսյան Կոստանյան "
    "Հախվերդյան Համբարյան Հմայակյան Հունանյան Ղարիբյան Ղուլյան Մաթևոսյան Մալխասյան Մամիկոնյան "
    "Մեհրաբյան Մելիքյան Միրզոյան Մխիթարյան Մովսեսյան Նալբանդյան Նահապետյան Շահբազյան Շահվերդյան "
    "Չոբանյան Պապոյան Ջանիբեկյան Ռաֆայելյան Սաղաթելյան Սիսակյան Ստեփանյան Սուքիասյան Վանյան "
    "Վարոսյան Տոնոյան Տեր-Գրիգորյան Փափազյան Քալանթարյան Օսիպյան Ֆարմանյան Ավդալյան Բաղրամյան "
    "Գրիգորյանց Եղոյան Թորոսյան Կարախանյան Հովսեփյան Մարուքյան Սահրադյան Տատուրյան Ուլուբաբյան "
    "Առաքելյան Բարխուդարյան Գոմցյան Դարբինյան Զադոյան Թոփչյան Խուդավերդյան Հարոյան Մուշեղյան"
)
FAMILY += [
    name + "յան"
    for name in _words(
        "Արմեն Նարեկ Տիգրան Հայկ Արամ Կարեն Սամվել Գագիկ Հրանտ Արսեն Ռուբեն Սուրեն Արտակ Վազգեն "
        "Համլետ Արշակ Լևոն Ներսես Երվանդ Գուրգեն Ռաֆիկ Սերոբ Մուշեղ Վարազդատ Տաճատ Ռոբերտ Մանվել"
    )
]
FAMILY = list(dict.fromkeys(FAMILY))
MALE += _words(
    "Գուրգեն Ռաֆիկ Սերոբ Մուշեղ Վարազդատ Տաճատ Ռոբերտ Մանվել Ալբերտ Անդրանիկ Աշխեն Բագրատ "
    "Գարեգին Դերենիկ Եղիշե Զավեն Թաթուլ Իշխան Կամո Կորյուն Հովիկ Հմայակ Մարտին Մելս Նորայր "
    "Շավարշ Ոսկան Պարույր Ռազմիկ Սևակ Վաղինակ Տարոն Ֆելիքս Աղասի Արայիկ Գառնիկ Էրիկ Մամիկոն "
    "Ժիրայր Լուսիկ Ղևոնդ Միքայել Ստեփան Սիմոն Անդրեաս Գեղամ Ալեքսան Հովսեփ Սմբատ Աբգար Արտաշես"
)
FEMALE += _words(
    "Աղավնի Ալինա Անժելա Արաքսյա Բելլա Գոհարիկ Դիանա Եվա Զառա Էմմա Թագուհի Իրինա Լաուրա Խաթուն "
    "Ծովինար Կատարինե Հայկանուշ Հրանուշ Մանե Մելինե Նազելի Նելլի Շողիկ Ոսկեհատ Ջուլիետա Ռոզա "
    "Սաթենիկ Սվետլանա Վերա Տիրուհի Փառանձեմ Քնարիկ Օֆելյա Ֆլորա Աննուշ Արփինե Գոհարինե Էլմիրա "
    "Հեղինե Մարինե Նվարդ Սրբուհի Վիկտորյա Զարինե Լուսաբեր Մարո Ռիմա Սոֆյա Ամալյա Դավթուհի"
)

# Armenian letter -> Russian Cyrillic as Russian passport offices wrote it (context aside).
_RU = {
    "ա": "а", "բ": "б", "գ": "г", "դ": "д", "ե": "е", "զ": "з", "է": "э", "ը": "ы", "թ": "т",
    "ժ": "ж", "ի": "и", "լ": "л", "խ": "х", "ծ": "ц", "կ": "к", "հ": "г", "ձ": "дз", "ղ": "г",
    "ճ": "ч", "մ": "м", "յ": "й", "ն": "н", "շ": "ш", "ո": "о", "չ": "ч", "պ": "п", "ջ": "дж",
    "ռ": "р", "ս": "с", "վ": "в", "տ": "т", "ր": "р", "ց": "ц", "ւ": "в", "փ": "п", "ք": "к",
    "օ": "о", "ֆ": "ф", "և": "ев",
}  # fmt: skip
_EAST = {
    "ա": "a", "բ": "b", "գ": "g", "դ": "d", "ե": "e", "զ": "z", "է": "e", "ը": "y", "թ": "t",
    "ժ": "zh", "ի": "i", "լ": "l", "խ": "kh", "ծ": "ts", "կ": "k", "հ": "h", "ձ": "dz",
    "ղ": "gh", "ճ": "ch", "մ": "m", "յ": "y", "ն": "n", "շ": "sh", "ո": "o", "չ": "ch",
    "պ": "p", "ջ": "j", "ռ": "r", "ս": "s", "վ": "v", "տ": "t", "ր": "r", "ց": "ts", "ւ": "v",
    "փ": "p", "ք": "k", "օ": "o", "ֆ": "f", "և": "ev",
}  # fmt: skip
# Western Armenian reads the voiced/voiceless stops and affricates the other way round.
_WEST = {**_EAST, "բ": "p", "պ": "b", "գ": "k", "կ": "g", "դ": "t", "տ": "d", "ջ": "ch",
         "ճ": "j", "ձ": "ts", "ծ": "dz", "ղ": "gh", "ք": "k", "թ": "t", "փ": "p"}  # fmt: skip


def _armenian_to(word: str, table: dict[str, str], rng: random.Random, style: str) -> str:
    out = []
    i = 0
    lower = word.lower()
    while i < len(lower):
        ch = lower[i]
        start = i == 0 or not lower[i - 1].isalpha()
        nxt = lower[i + 1 : i + 2]
        if ch == "ո" and nxt == "ւ":
            out.append({"ru": "у", "west": "ou", "french": "ou"}.get(style, "u"))
            i += 2
            continue
        if ch == "յ" and lower[i + 1 : i + 3] == "ու" and style == "ru":
            out.append("ю")
            i += 3
            continue
        if ch == "յ" and lower[i + 1 : i + 3] == "ան" and style == "ru":
            out.append("я")
            i += 2
            continue
        if ch == "յ" and lower[i + 1 : i + 2] == "ա" and style in ("west", "french"):
            out.append("i")
            i += 1
            continue
        if ch == "յ" and style == "german":
            out.append("j")
            i += 1
            continue
        if ch == "հ" and style == "ru":
            out.append(rng.choice(["г", "", "х"]) if start else rng.choice(["", "г"]))
            i += 1
            continue
        if ch == "ո" and start:
            out.append("о" if style == "ru" else rng.choice(["vo", "o"]))
            i += 1
            continue
        if ch == "ե" and start:
            out.append("е" if style == "ru" else rng.choice(["ye", "e"]))
            i += 1
            continue
        out.append(table.get(ch, ch))
        i += 1
    text = "".join(out)
    if style == "ru" and text.endswith("ян") and rng.random() < 0.1:
        text += "ц"
    if style == "west" and text.endswith("ian") and rng.random() < 0.3:
        text = text[:-3] + "ian"
    return text.capitalize() if text[:1].isalpha() else text[:1] + text[1:].capitalize()


def render_name(name: str, rng: random.Random) -> str:
    """One volunteer's spelling of an Armenian name, in a script and style drawn at random."""
    script = rng.random()
    words = name.split("-")
    if script < 0.35:
        return name
    if script < 0.7:
        return "-".join(_armenian_to(w, _RU, rng, "ru") for w in words)
    style = rng.choices(["east", "west", "german", "french"], [0.6, 0.25, 0.08, 0.07])[0]
    table = _WEST if style == "west" else _EAST
    return "-".join(_armenian_to(w, table, rng, style) for w in words)


def typo(text: str, rng: random.Random) -> str:
    """One slip of the fingers: a letter dropped, doubled, replaced or two swapped."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if kind == 2:
        return text[:i] + rng.choice(text) + text[i + 1 :]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def _zipf(items: list[str], rng: random.Random, s: float = 0.7) -> str:
    weights = [1 / (rank + 1) ** s for rank in range(len(items))]
    return rng.choices(items, weights)[0]


@dataclass
class Person:
    id: int
    sex: str
    given: str
    family: str
    birth: tuple[int, int, int]
    phone: str
    members: list[str]
    # The household as a desk counts it (drawn from a second random stream, so that the
    # fields above are the same for a seed as before it was added): each other member's sex
    # and birth year, the point near where the family stays, and the day it arrived.
    member_births: list[tuple[str, int]] = field(default_factory=list)
    home_point: int = 0
    arrival: float = 0.0


def make_people(count: int, rng: random.Random, home: random.Random | None = None) -> list[Person]:
    home = home or random.Random(0)
    people: list[Person] = []
    for pid in range(count):
        rel = None
        if people and rng.random() < 0.04:
            # A relative registering apart: same family name and phone, another person.
            rel = rng.choice(people)
            family, phone = rel.family, rel.phone
        else:
            family = _zipf(FAMILY, rng, 0.55)
            phone = f"{rng.choice(['91', '93', '94', '95', '96', '98', '99', '77', '55', '41'])}"
            phone += f"{rng.randrange(10**6):06d}"
        sex = rng.choice("fm")
        given = _zipf(FEMALE if sex == "f" else MALE, rng, 0.6)
        birth = (rng.randrange(1940, 2006), rng.randrange(1, 13), rng.randrange(1, 29))
        members = [
            _zipf(rng.choice([FEMALE, MALE]), rng, 0.7) for _ in range(rng.choice([0, 1, 2, 3, 4]))
        ]
        has_phone = rng.random() < 0.9
        person = Person(pid, sex, given, family, birth, phone if has_phone else "", members)
        make_household(person, rel, home)
        people.append(person)
    return people


# ---------------------------------------------------------------- households, points, days

POINTS = 12  # registration points of the organisation (fixed: a larger set is not spread wider)
SURGE_DAYS = 10  # most families arrive within days (the September week), the rest over months
START_YEAR = 2025.72  # the first day of the set, as a year with its fraction
_FEMALE = frozenset(FEMALE)
BANDS = [("0_2", 0, 2), ("3_5", 3, 5), ("6_11", 6, 11), ("12_17", 12, 17), ("18_59", 18, 59),
         ("60", 60, 200)]  # fmt: skip


def _member_birth(collector: float, rng: random.Random) -> float:
    """A member's birth (a year with its fraction), by a role drawn from the collector's age:
    a child, a spouse, a parent or a grandchild."""
    age = START_YEAR - collector
    weights = [0.55, 0.3, 0.15 if age < 55 else 0.0, 0.2 if age >= 55 else 0.0]
    role = rng.choices(["child", "spouse", "parent", "grandchild"], weights)[0]
    if role == "child":
        year = collector + rng.uniform(18, 40)
    elif role == "spouse":
        year = collector + rng.uniform(-7, 7)
    elif role == "parent":
        year = collector - rng.uniform(19, 38)
    else:
        year = collector + rng.uniform(40, 62)
    return min(year, START_YEAR - rng.uniform(0, 1))


def make_household(person: Person, relative: Person | None, rng: random.Random) -> None:
    """The person's household members' sexes and births, home point and arrival day. A
    relative registering apart arrived with the family, near the same point."""
    y, m, _d = person.birth
    collector = y + (m - 1) / 12
    person.member_births = [
        ("female" if name in _FEMALE else "male", _member_birth(collector, rng))
        for name in person.members
    ]
    if relative is not None:
        person.home_point = relative.home_point
        person.arrival = relative.arrival + rng.uniform(0, 2)
        return
    person.home_point = int(_zipf(list(range(POINTS)), rng, 0.8))
    if rng.random() < 0.55:
        person.arrival = rng.triangular(0, SURGE_DAYS, 2)
    else:
        person.arrival = rng.uniform(SURGE_DAYS, 200)


def _band(age: float) -> str:
    years = int(age)
    return next(name for name, low, high in BANDS if low <= years <= high)


def render_household(person: Person, day: float, rng: random.Random) -> dict[str, int]:
    """The household's composition as one desk counts it on that day (counts by sex and age
    band, the collector included). A desk's count varies as it does in life: a member away
    or forgotten, a relative staying with them counted, a newborn since the last visit, a
    birth year off by one near a band's edge, a member put in the neighbouring band or the
    other sex's column."""
    now = START_YEAR + day / 365
    y, m, _d = person.birth
    people = [("female" if person.sex == "f" else "male", y + (m - 1) / 12)]
    people += list(person.member_births)
    if len(people) > 1 and rng.random() < 0.10:
        people.pop(rng.randrange(1, len(people)))  # a member away, or not counted
    if rng.random() < 0.04:  # a relative staying with them
        people.append((rng.choice(["female", "male"]), now - rng.uniform(0, 80)))
    if day > person.arrival + 60 and rng.random() < 0.03:
        people.append((rng.choice(["female", "male"]), now - rng.uniform(0, 0.2)))  # newborn
    counts: dict[str, int] = {}
    for i, (sex, birth) in enumerate(people):
        age = now - birth
        if i and rng.random() < 0.1:
            age += rng.choice([-1, 1])  # a birth year off by one: near a band's edge it moves
        age = max(age, 0)
        band = _band(age)
        if i and rng.random() < 0.02:  # the neighbouring band's row
            names = [name for name, _low, _high in BANDS]
            k = names.index(band) + rng.choice([-1, 1])
            band = names[min(max(k, 0), len(names) - 1)]
        if i and rng.random() < 0.02:  # the other sex's column
            sex = "male" if sex == "female" else "female"
        counts[f"{sex}_{band}"] = counts.get(f"{sex}_{band}", 0) + 1
    return counts


def registration_days(person: Person, visits: int, rng: random.Random) -> list[float]:
    """The days a person registers: the first soon after arriving; a repeat within the week
    (another point, the same rush), within weeks, or months later (a lost card, a move)."""
    days = [person.arrival + rng.expovariate(1 / 1.5)]
    for _ in range(visits - 1):
        kind = rng.random()
        if kind < 0.35:
            gap = rng.uniform(0, 7)
        elif kind < 0.6:
            gap = rng.uniform(7, 45)
        else:
            gap = rng.uniform(45, 240)
        days.append(days[0] + gap)
    return days


def registration_point(person: Person, rng: random.Random) -> int:
    """Where a registration is made: the point near where the family stays, or another one."""
    if rng.random() < 0.6:
        return person.home_point
    return int(_zipf(list(range(POINTS)), rng, 0.8))


def format_phone(digits: str, rng: random.Random) -> str:
    a, b = digits[:2], digits[2:]
    return rng.choice(
        [
            f"+374 {a} {b}",
            f"0{a}{b}",
            f"0{a} {b[:2]}-{b[2:4]}-{b[4:]}",
            f"(0{a}) {b[:3]} {b[3:]}",
            f"00374{a}{b}",
            f"+374-{a}-{b[:2]}-{b[2:4]}-{b[4:]}",
            f"{a} {b}",
        ]
    )


def render_birth(birth: tuple[int, int, int], rng: random.Random) -> str:
    y, m, d = birth
    roll = rng.random()
    if roll < 0.08:
        return ""
    if roll < 0.23:
        return str(y)
    if roll < 0.38:
        if d <= 12:
            m, d = d, m  # day and month swapped (when it makes a date)
    elif roll < 0.42:
        y += rng.choice([-1, 1])  # a digit wrong
    return rng.choice([f"{d:02d}.{m:02d}.{y}", f"{y}-{m:02d}-{d:02d}", f"{d}/{m}/{y}"])


def render(person: Person, rng: random.Random, *, first: bool) -> dict:
    """One registration of a person, as one volunteer typed it."""
    given, family = render_name(person.given, rng), render_name(person.family, rng)
    if rng.random() < 0.08:
        given = typo(given, rng)
    if rng.random() < 0.08:
        family = typo(family, rng)
    if rng.random() < 0.03:
        given, family = family, given
    if rng.random() < 0.02:
        family = ""
    if rng.random() < 0.02:
        given = ""
    phone = ""
    if person.phone:
        roll = rng.random()
        if first or roll < 0.45:
            phone = format_phone(person.phone, rng) if rng.random() < 0.85 else ""
        elif roll < 0.75:
            phone = format_phone(f"9{rng.randrange(10**7):07d}", rng)  # a new number
    members = []
    if person.members and rng.random() < 0.4:
        members = [render_name(m, rng) for m in person.members if rng.random() < 0.8]
    return {
        "person": person.id,
        "given": given,
        "family": family,
        "birth_date": render_birth(person.birth, rng),
        "sex": person.sex if rng.random() < 0.9 else "",
        "phone": phone,
        "members": members,
    }


def generate(people_count: int, seed: int) -> list[dict]:
    """Registrations in arrival order (a person's repeats come after their first)."""
    rng = random.Random(seed)
    home = random.Random(f"{seed}:households")
    people = make_people(people_count, rng, home)
    times = []
    for person in people:
        visits = rng.choices([1, 2, 3, 4], [0.6, 0.27, 0.09, 0.04])[0]
        for day in registration_days(person, visits, home):
            times.append((day, person.id))
    times.sort()
    seen: set[int] = set()
    records = []
    for day, pid in times:
        record = render(people[pid], rng, first=pid not in seen)
        record["composition"] = render_household(people[pid], day, home)
        record["point"] = registration_point(people[pid], home)
        record["day"] = round(day, 2)
        records.append(record)
        seen.add(pid)
    return records


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="-")
    args = parser.parse_args(argv)
    records = generate(args.people, args.seed)
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")  # noqa: SIM115
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    if out is not sys.stdout:
        out.close()
        print(f"{len(records)} registrations of {args.people} people written to {args.out}")


if __name__ == "__main__":
    main(sys.argv[1:])
