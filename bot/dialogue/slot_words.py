"""The words the slot reader looks for, per language, written as `normalize` leaves them
(lowercase, no Latin diacritics, unified Arabic letters, apostrophes inside words dropped).

Kept apart from the logic in `slots.py` so native speakers can review the lists (TRANSLATORS.md).
"""

from __future__ import annotations

from bot.matching.normalize import normalize, normalized_words

_set = normalized_words


# -- age --------------------------------------------------------------------------------------

# Words after a number that make it an age: "22 Jahre", "24 yaşındayım", "٢٤ سنة", "60 лет".
AGE_AFTER = _set(
    """
    jahre jahr jahrig jahrige jahriger jahrigen alt years year yrs yr yo old aged ans an
    tuoi yas yasinda yasindayim yasindayiz yasinda yasinde yaslarinda yasimda
    sali sal salî salı salim salıye
    лет года год годиков рокiв років роки рік року
    سنه سنين سنوات عام اعوام سنوات سنتين
    سال ساله سالمه سالشه سالمه سالم سالش سالیم
    کلن کلنی کاله کلونه
    ዓመት ዓመተይ ዓመቱ ዓመታ ዓመታት
    """
)
# Words before a number that make it an age: "alter 22", "мне 20", "عمري ٢٤".
AGE_BEFORE = _set(
    """
    alt alter age aged im iam
    мне мені ему ей йому їй мнe
    عمري عمره عمرها عمر عمرى
    عمرم سنم سنش سن
    yasim yaşım
    temen emrê umrê ዕድመይ ዕድመኡ ዕድመኣ ዕድሜ
    """
)
# Pronouns and "to be" before a number: an age only when the number ends the sentence or a
# connector follows ("ich bin 22", "he is 60 and …"); "em 5 kes in" (we are 5 people) and
# "j'ai 2 enfants" carry no age.
AGE_BEFORE_WEAK = _set(
    """
    bin ist am hes shes is o
    jai ja ai il elle a
    ben benim
    toi tôi anh chi em ong ba
    """
)
AGE_CONNECTORS = _set(
    """
    und and et y e ve û u va và и і та а و
    """
)
# Number words per language: units 0-9, teens 10-19, tens 20-90 ("-" where a language has none
# or people write digits). Composed forms ("zweiundzwanzig", "twenty two", "بیست و دو") are
# built in slots.py.
NUMBER_WORDS: dict[str, tuple[str, str, str]] = {
    "de": (
        "null eins zwei drei vier funf sechs sieben acht neun",
        "zehn elf zwolf dreizehn vierzehn funfzehn sechzehn siebzehn achtzehn neunzehn",
        "zwanzig dreissig vierzig funfzig sechzig siebzig achtzig neunzig",
    ),
    "en": (
        "zero one two three four five six seven eight nine",
        "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen",
        "twenty thirty forty fifty sixty seventy eighty ninety",
    ),
    "fr": (
        "zero un deux trois quatre cinq six sept huit neuf",
        "dix onze douze treize quatorze quinze seize dixsept dixhuit dixneuf",
        "vingt trente quarante cinquante soixante soixantedix quatrevingt quatrevingtdix",
    ),
    "ru": (
        "ноль один два три четыре пять шесть семь восемь девять",
        "десять одиннадцать двенадцать тринадцать четырнадцать пятнадцать шестнадцать "
        "семнадцать восемнадцать девятнадцать",
        "двадцать тридцать сорок пятьдесят шестьдесят семьдесят восемьдесят девяносто",
    ),
    "uk": (
        "нуль один два три чотири пять шість сім вісім девять",
        "десять одинадцять дванадцять тринадцять чотирнадцять пятнадцять шістнадцять "
        "сімнадцять вісімнадцять девятнадцять",
        "двадцять тридцять сорок пятдесят шістдесят сімдесят вісімдесят девяносто",
    ),
    "tr": (
        "sifir bir iki uc dort bes alti yedi sekiz dokuz",
        "on - - - - - - - - -",
        "yirmi otuz kirk elli altmis yetmis seksen doksan",
    ),
    "ku": (
        "- yek du se car penc ses heft hest neh",
        "deh yanzdeh dwanzdeh sezdeh cardeh panzdeh sanzdeh hevdeh hejdeh nozdeh",
        "bist si cil penci sest hefte heste nod",
    ),
    "fa": (
        "صفر یک دو سه چهار پنج شش هفت هشت نه",
        "ده یازده دوازده سیزده چهارده پانزده شانزده هفده هجده نوزده",
        "بیست سی چهل پنجاه شصت هفتاد هشتاد نود",
    ),
    "ar": (
        "صفر واحد اثنين ثلاثة اربعة خمسة ستة سبعة ثمانية تسعة",
        "عشرة احدعش اتناشر تلتاشر اربعتاشر خمستاشر ستاشر سبعتاشر تمنتاشر تسعتاشر",
        "عشرين ثلاثين اربعين خمسين ستين سبعين ثمانين تسعين",
    ),
    "ar-colloquial": (
        "- - تنين تلاتة اربع خمس ست سبع تمن تسع",
        "عشر حداشر طناش تلطاش اربعطاش خمسطاش سطاش سبعطاش تمنطاش تسعطاش",
        "- تلاتين - - - - تمانين -",
    ),
    "ps": (
        "صفر یو دوه درې څلور پنځه شپږ اووه اته نهه",
        "لس یوولس دولس دیارلس څوارلس پنځلس شپاړس اوولس اتلس نولس",
        "شل دیرش څلویښت پنځوس شپیته اویا اتیا نوي",
    ),
    "ti": (
        "ዜሮ ሓደ ክልተ ሰለስተ ኣርባዕተ ሓሙሽተ ሽድሽተ ሸውዓተ ሸሞንተ ትሽዓተ",
        "ዓሰርተ - - - - - - - - -",
        "ዕስራ ሰላሳ ኣርብዓ ሓምሳ ስሳ ሰብዓ ሰማንያ ቴስዓ",
    ),
    "vi": (
        "khong mot hai ba bon nam sau bay tam chin",
        "muoi - - - - - - - - -",
        "- - - - - - - - -",
    ),
}


def _number_table(part: int, base: int, step: int) -> dict[str, int]:
    table: dict[str, int] = {}
    for words in NUMBER_WORDS.values():
        for i, word in enumerate(words[part].split()):
            key = normalize(word)
            if word != "-" and key and key not in table:
                table[key] = base + step * i
    return table


UNITS = {**_number_table(0, 0, 1), "ein": 1, "eine": 1, "اثنان": 2, "ثلاث": 3, "خمس": 5}
TEENS = _number_table(1, 10, 1)
TENS = _number_table(2, 20, 10)
# Joiners in composed numbers: "zwei-und-zwanzig", "vingt et un", "بیست و دو", "bîst û du".
NUMBER_JOINERS = _set("und et and و u û va")

# -- who the request is for -------------------------------------------------------------------

# Relatives by language-independent role; each role implies an age group and a gender.
# (age_group: young = under 27, adult = 27 or older; None = cannot tell)
ROLES: dict[str, tuple[str | None, str | None]] = {
    "father": ("adult", "men"),
    "mother": ("adult", "women"),
    "parents": ("adult", None),
    "grandparent": ("adult", None),
    "son": ("young", "men"),
    "daughter": ("young", "women"),
    "child": ("young", None),
    "wife": (None, "women"),
    "husband": (None, "men"),
    "spouse": (None, None),
    "brother": (None, "men"),
    "sister": (None, "women"),
    "sibling": (None, None),
    "friend": (None, None),
    "relative": (None, None),
}


def _roles(table: dict[str, str]) -> dict[str, str]:
    return {normalize(w): role for role, words in table.items() for w in words.split()}


# Nouns that need a possessive or "for" next to them ("für meinen Vater", "my dad", "для отца").
RELATIVES: dict[str, str] = _roles(
    {
        "father": "vater vati papa father dad daddy pere отец отца отцу папа папы папе батько "
        "батька батькові тато тата татові bav bavê پلار ኣቦ",
        "mother": "mutter mutti mama mother mom mum mere maman мать матери маме мамы мати "
        "матері мамі dayik dayika dayê مور ኣደ",
        "parents": "eltern parents родители родителей батьки батьків dêûbav",
        "grandparent": "oma opa grossmutter grossvater grandma grandpa grandmother grandfather "
        "grandmere grandpere бабушка бабушки бабушке дедушка дедушки дедушке бабуся бабусі "
        "дідусь дідуся dapîr bapîr",
        "son": "sohn son fils сын сына сыну сынок син сину сина синок kur kurê زوی",
        "daughter": "tochter daughter fille дочь дочери дочка дочки дочке донька доньки дочку "
        "доньку keç keça لور",
        "child": "kind kinder kids kid child children baby enfant enfants bebe ребенок ребенка "
        "ребенку дети детей дитина дитини діти дітей zarok zarokê zarokên ماشوم ماشومان",
        "wife": "frau ehefrau wife femme жена жены жене дружина дружини jin jina ښځه",
        "husband": "mann ehemann husband mari муж мужа мужу чоловік чоловіка mêr mêrê مېړه",
        "brother": "bruder brother frere брат брата брату братові bira birayê ورور",
        "sister": "schwester sister soeur сестра сестры сестре сестри xwişk xwişka خور",
        "friend": "freund freundin friend ami amie друг друга подруга подруги heval ملګری",
        "relative": "cousin cousine neffe nichte onkel tante uncle aunt nephew niece oncle "
        "племянник тетя дядя тітка дядько",
    }
)
# Forms that carry "my" in themselves (Turkish, Arabic, Persian, Tigrinya): "babam", "ابوي",
# "پدرم", "ኣቦይ".
POSSESSED: dict[str, str] = _roles(
    {
        "father": "babam babama babamin ابوي ابويا ابي بابا والدي بوي پدرم بابام ኣቦይ",
        "mother": "annem anneme annemin امي امى ماما والدتي مادرم مامانم ኣደይ",
        "parents": "ailem annembabam اهلي والداي والدینم پدرومادرم ወለደይ",
        "grandparent": "dedem ninem babaannem anneannem جدي جدتي ستي تيتا پدربزرگم مادربزرگم "
        "ኣባሓጎይ ዓባየይ",
        "son": "oglum ogluma oglumun ابني ولدي پسرم ወደይ",
        "daughter": "kizim kizima kizimin بنتي ابنتي دخترم ጓለይ",
        "child": "cocugum cocuguma cocuklarim طفلي اطفالي اولادي ولادي بچم بچهام بچههام کودکم "
        "ቆልዓይ ደቀይ",
        "wife": "karim زوجتي مرتي زنم ሰበይተይ",
        "husband": "kocam زوجي جوزي شوهرم ሰብኣየይ",
        "spouse": "esim همسرم",
        "brother": "abim agabeyim اخوي اخي برادرم داداشم ሓወይ",
        "sister": "ablam اختي خواهرم ابجیم ሓፍተይ",
        "sibling": "kardesim",
        "friend": "arkadasim صديقي صاحبي صديقتي صاحبتي دوستم رفیقم ዓርከይ",
        "relative": "kuzenim amcam dayim teyzem halam عمي خالي خالتي عمتي",
    }
)
# Possessives next to a relative noun ("meinen Vater", "my dad", "мого батька", "bavê min",
# "زما پلار", "پلار مې").
POSSESSIVES = _set(
    """
    mein meine meinen meinem meiner unser unsere unseren my our mon ma mes notre nos
    мой моя моего моей мою мои моих моему наш нашей нашего мій моя мого моєї мою мої моїх
    min me zma زما مې می
    """
)
# "for …" right before the relative ("für meinen Vater", "for my dad", "для отца", "برای پدرم").
FOR_WORDS = _set("fur für for pour para для ji bo cho برای واسه بخاطر ته")
# … or right after it ("babam için", "پلار لپاره").
FOR_AFTER = _set("icin için ucun لپاره")
# A follow-up starts with "and …", "what about …": "und für meine Tochter?", "and my wife?".
FOLLOW_UP_STARTS = _set("und and et и і а ve û u va còn con و what about was ist mit")

# -- residence status and gender --------------------------------------------------------------

STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "tolerated": (
        "duldung",
        "geduldet",
        "дульдунг",
        "дульдунґ",
        "دولدونغ",
        "دولدونگ",
        "دولدونج",
        "ዱልዱንግ",
        "tolerated",
    ),
    "asylum_seeker": (
        "asylbewerber",
        "asylbewerberin",
        "asylantrag",
        "aufenthaltsgestattung",
        "asylum seeker",
        "demandeur d asile",
        "demandeuse d asile",
        "طالب لجوء",
        "پناهجو",
        "шукач притулку",
        "ищу убежище",
        "iltica",
        "sığınmacı",
        "siginmaci",
        "penaber",
        "refugee",
        "flüchtling",
        "fluchtling",
        "geflüchtet",
        "لاجئ",
        "لاجئة",
        "پناهنده",
        "беженец",
        "беженка",
        "біженець",
        "біженка",
        "mülteci",
        "multeci",
        "réfugié",
        "refugie",
        "refugiee",
        "ስደተኛ",
        "kahwalay",
    ),
    "temporary_protection": (
        "24 aufenthg",
        "paragraph 24",
        "24 aufenthaltsgesetz",
        "тимчасовий захист",
        "временная защита",
        "временный защит",
        "temporary protection",
    ),
    "recognised_refugee": (
        "anerkannt",
        "flüchtlingsanerkennung",
        "recognised refugee",
        "recognized refugee",
        "مقيم معترف",
        "اعتراف لاجئ",
    ),
    "eu_citizen": ("eu bürger", "eu burger", "eu citizen", "eu-bürger", "citoyen européen"),
}
WOMAN_WORDS = (
    "ich bin eine frau",
    "als frau",
    "i am a woman",
    "as a woman",
    "im a woman",
    "انا امرأة",
    "انا امراه",
    "من زن هستم",
    "به عنوان زن",
    "я жінка",
    "я женщина",
    "kadınım",
    "kadinim",
    "ez jin im",
    "je suis une femme",
    "tôi là phụ nữ",
)

# -- words that only say "where I live" -------------------------------------------------------

# Removed with the place they belong to, so "wohne in Magdeburg" / "ساكن" / "живу" never decide a
# topic ("housing"): "I live in X" is a slot, not a need.
PLACE_VERBS = _set(
    """
    wohne wohnen wohnt lebe leben lebt wohnhaft bin sind komme kommen
    live lives living stay staying am from based
    habite habites habitons vis vit suis
    oturuyorum oturuyoruz yasiyorum yasiyoruz yasiyom
    dijim dijîm dimînim dimînin
    живу живем живём проживаю мешкаю живемо знаходжуся нахожусь
    ساكن ساكنه ساكنين عايش عايشه اسكن نسكن بسكن بعيش
    ساکن زندگی میکنم میکنیم هستم هستیم
    اوسیږم اوسېږم ژوند کوم
    እነብር ንነብር
    song sống o ở
    """
)
