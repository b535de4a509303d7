"""Everything ShopAssist knows about language, in one place: English and Chinese.

Stop words, question words, negation, answer-type cues, units, synonyms and the named
entities every store shares (countries, regions, payment methods). Words that belong to one
store (its products, categories, brands) come from the store's own index, never from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from wordfreq import zipf_frequency

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been
    being do does did doing have has had having i me my we our you your he she it its they
    them their this that these those what which who whom whose when where why how can could
    would should will shall may might must not no yes so than too very just also about into
    over under up down out off again there here all any both each few more most other some
    such only own same s t don now get got there's it's i'm you're let tell please know want
    am doesn isn aren wasn weren didn won wouldn couldn shouldn haven hasn hadn
    like need any anything something tho though once twice thrice another then
    btw lol pls plz thx tbh fyi imo haha rn atm mid
    myself yourself itself ourselves yourselves themselves""".split()
)

# The people a shopper buys for or sends to ("my cousin in Penang"): who, never what, a question asks about.
PEOPLE_WORDS = frozenset("""mum mom mother dad father parents wife husband partner sister brother cousin aunt uncle niece
    nephew grandma grandpa grandmother grandfather friend friends boss colleague coworker neighbour neighbor son daughter
    girlfriend boyfriend fiance fiancee""".split())
# Stop words that name what a product is filled or made with right before its kind: a "down jacket".
FILL_WORDS = frozenset({"down"})
# Words that say little about what a store question is about: present in almost any question.
GENERIC_WORDS = frozenset(
    """store shop item items product products thing things stuff guys possible way able help customer customers
    hi hello hey thanks thank ok okay sure really actually still much many long take takes
    work works happen happens also ever usually typically normally currently offer offered
    provide provided available allow allowed option options policy question questions get
    let go going use make made one ones someone pick choose select opt somebody anyone else say says said till until whether apply
    applies include includes deadline latest earliest instead maybe perhaps bought kind sort barely hardly slightly almost basically literally totally somewhere somehow anyway
    roughly approximately approx looking eyeing supposed
    还有 有没有 了解 一下 方面 一共 大概 请问 想 想要 需要 那款 这款 那个 这个 这件 那件 东西 问题""".split()
) | frozenset("""的 了 吗 呢 吧 啊 我 我们 你 你们 他 她 它 是 有 在 和 与 或 也 都 就 还 要 会 能 可以 请问 请 一下 什么
    怎么 怎样 如何 多少 哪些 哪个 几 这个 那个 这 那 么 呀 嘛 个 些 对 给 把 被 让 从 到 吗？ 您 商品 东西 问 问题
    分别 各 各自 大概 大约 一般 通常 需要 想 想要 知道 现在 如果 的话 吧 那款 这款 款 一款 那种 这种 出 还 另外 交
    多久 多长时间 长时间 多长 里 支持 天气 境内 买 购买 自己 之类 才能 得 是不是 完 内 当时 不会 几天 几年 几个月 几周 能到 几个 适合 没有 以后 之后 之内 以内 满 那能 那可以
    背着 里面 多大 带上 带着 扛 已经 人在 能用 可以用""".split())
# A Chinese question that ends in 不 or 没 asks yes or no ("能货到付款不"): the particle is no term.
ZH_QUESTION_TAIL = re.compile(r"(?<=[\u4e00-\u9fff])[不没][？?。！!\s]*$")

# "how long", "how much": which kind of value the question wants.
AMOUNT_CUES = re.compile(
    r"\bhow much\b|\bcost|\bprice\b|\bprices\b|\bfee\b|\bfees\b|\bexpensive\b|\brate\b|\brates\b|\bwhat discount\b"
    r"|\bsurcharges?\b|\b(?:the|a|any|an extra|extra|additional) charges?\b|多少钱|费用|运费|价格|价钱|收费|多少美元|附加费|手续费", re.I)
# "what's the minimum order for Klarna?" is answered by "orders from $50 to $1,000": a bound, said by its amount.
BOUND_WORDS = frozenset("min minimum max maximum biggest largest smallest spend spending threshold 最低 最少 最多 最高 起步 门槛".split())
STATES_BOUND = re.compile(r"\b(?:from|between|over|under|above|below|at least|up to|more than|less than|minimum|maximum)\s+"
                          r"(?:[$€£¥]|[a-z]{1,3}\$)\s?\d|\d\s*(?:or more|or less|and up|and over|\+)|满\s*\d|\d+\s*(?:美元|元)?\s*(?:以上|以下|起)"
                          r"|\bup to \d|\d\s*[–-]\s*\d+(?:\.\d+)?\s*(?:[a-z]|\")",  # a measure's range: "40–120 lb", "up to 50 lb"
                          re.I)
# "What's its rating in mm?": a measure asked in a unit, answered only by a number in a unit of the same kind.
_UNIT_FAMILIES = {"length": "mm cm m metre metres meter meters inch inches in ft feet foot", "mass": "g gram grams kg oz ounce "
                  "ounces lb lbs pound pounds", "volume": "ml l litre litres liter liters"}
UNIT_FAMILY = {unit: family for family, units in _UNIT_FAMILIES.items() for unit in units.split()}
ASKS_IN_UNIT = re.compile(r"\b(?:in|how many)\s+(mm|cm|inch(?:es)?|grams|kg|oz|ounces|lbs?|pounds|ml|litres|liters|feet|ft)\b",
                          re.I)
STATED_UNIT = re.compile(r"\d\s*((?:mm|cm|m|inch(?:es)?|in|ft|feet|g|grams?|kg|oz|ounces?|lbs?|pounds?|ml|l|litres?|liters?)\b"
                         r"|\")", re.I)


def unit_family(unit: str) -> str | None:
    """"mm" -> "length"; '"' is inches."""
    return "length" if unit == '"' else UNIT_FAMILY.get(unit.lower())


# "Do I have to pay to ship it back?" against "We pay shipping for approved claims": the store pays, so No.
SHOPPER_PAYS = re.compile(r"\b(?:do|will|would|must|should|shall)\s+i\s+(?:have to |need to |still )?pay\b"
                          r"|\b(?:am i|will i be|do i get|would i be)\s+charged\b|\bi (?:have|need) to pay\b", re.I)
# "is express more expensive to Honolulu?" against "... to Alaska and Hawaii for the same prices"
MORE_COST_ASKED = re.compile(r"\bmore expensive\b|\bpricier\b|\bcosts? (?:more|extra)\b|\bextra (?:charge|cost|fee)\b|更贵|贵一些|加价", re.I)
SAME_COST_SAID = re.compile(r"\b(?:the )?same (?:prices?|rates?|costs?|fees?)\b|\bno (?:extra|additional) (?:charge|cost|fee)\b"
                            r"|价格相同|同样的价格|同价|不加价", re.I)
# "退货运费是你们出吗？" asks whether the store pays; "... 由顾客承担" says the shopper does.
ASKS_STORE_PAYS = re.compile(r"\b(?:do|will|would)\s+you(?: guys)?\s+(?:pay|cover)\b|你们出|你们付|你们承担|由你们|商家承担|店家承担", re.I)
SHOPPER_PAYS_SAID = re.compile(r"\b(?:paid|covered|borne|payable) by the (?:customer|shopper|buyer|recipient)\b|\bat (?:your|the customer's) "
                               r"(?:own )?(?:cost|expense)\b|由顾客承担|顾客承担|顾客自付|买家承担|由您承担|自行承担|收件人支付", re.I)
STORE_PAYS = re.compile(r"\bwe(?:'ll| will)?\s+(?:pay|cover|refund|reimburse)\b|\bat our (?:cost|expense)\b"
                        r"|\b(?:is|are) on us\b", re.I)


# "how much protein is in it?" asks a quantity of something, not money.
HOW_MUCH_OF = re.compile(
    r"\bhow much\s+(?!(?:is|are|was|were|does|do|did|will|would|should|can|could|for|to|it|extra|more|money|of|in|on|at"
    r"|the|a|an|i|we|you|they|this|that|these|those|shipping|postage|delivery|duty|duties|tax|taxes|vat|off|discount)\b)[a-z]{3,}", re.I)
# "How do I start a return?": a procedure, answered by its steps.
HOW_TO = re.compile(r"\bhow (?:do|can|should) (?:i|we|you)\b(?! (?:know|tell))|\bhow to\b|\bwhat are the steps\b|怎么(?:办理|操作|申请|发起)|如何(?:办理|申请|发起)|流程", re.I)
# A wh-question: "price" in "can you price match it?" asks for no amount, "what's the price" does.
ASKS_WHAT = re.compile(r"\b(?:how much|what|what's|whats|how expensive|which)\b|多少|几|什么|怎么收费", re.I)
# Phrases that mean one word: the reader sees the word.
_PETS = r"(?:cats?|dogs?|pets?|kittens?|pupp(?:y|ies))"
PHRASES: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(pattern, re.I), word) for pattern, word in (
    (r"\b(?:send|ship|bring|take|give|mail)\s+(?:it|them|this|that|these|those|\w+)?\s*back\b", "return"),
    (r"\bmoney back\b|\bget (?:my|a) refund\b|\b(?:see|get|receive) (?:the|my) money\b", "refund"),
    (r"\bpick(?:ed)?\s+(?:it\s+|them\s+)?up\b", "pickup"),
    (r"\bheel[- ]to[- ]toe drop\b|\bheel drop\b", "drop"),
    (r"\bget(?:s|ting)?\s+back\s+to\s+(?:me|us|you)\b|\bhear(?:ing)?\s+back\b", "reply"),
    (r"\bchang(?:e|ed|ing) (?:my|our) minds?\b", " "),  # why the shopper asks, not what: "send it back if I change my mind"
    (r"\bsold out\b", "out of stock"),
    (r"\bkick(?:s|ed)?\s+in\b", "applies"),  # "free shipping kicks in at $75"
    (r"\b(?:get|getting|be|got) hit with\b", "pay"),  # "will I get hit with duties?"
    # "part on a gift card and the rest on PayPal", "礼品卡和信用卡一起付": paying with two methods at once
    (r"\bsplit (?:the |my |a )?(?:payment|bill|cost)\b|\b(?:pay )?part (?:of it )?(?:on|with)\b|\bthe rest (?:on|with)\b"
     r"|\bplus (?:two|another|a second)\b|一起付|混合支付|组合支付|分开付", "combine"),
    (r"\bwithout (?:a |any |the )?(?:cord|cable|wire)s?\b|\bno (?:cord|cable|wire)s?\b|无线", "cordless"),
    (r"\b(?:right now|at the moment|currently|these days|nowadays)\b", "now"),
    (r"\bweight (?:limit|capacity)\b|\bmax(?:imum)? (?:weight|load)\b|\bload limit\b", "max load"),
    (r"\btoo late\b|\bstill (?:in|within) time\b", "deadline"),
    (r"\bhang(?:ing)? on to\b|\bhold(?:ing)? on to\b", "keep"),
    (r"\bhow (?:quick|quickly|fast|soon)\b", "how long"),
    (r"\bfile (?:a |my )?(?:warranty )?claim\b", "make a claim"),
    (r"\bput (?:\w+ ){0,2}together\b", "assemble"),
    (r"\b(?:bigger|larger|smaller|next) size\b", "size"),  # "swap it for a bigger size": another size
    (r"\bcustomer (?:service|support|care)\b|\bhelp ?desk\b", "support"),
    (r"\b(?:phone|telephone) number\b", "phone"),
    # "once my order has shipped" is the case of an order already sent, not a time "before it ships"
    (r"\b(?:once|after) (?:my |the |your |our )?(?:order |package |parcel |it |they )?(?:has |have |had |is |was )?"
     r"(?:been |already )?shipped\b|已经发货|已发货|发货了|已经寄出|已寄出", "already shipped"),
    (r"\bmade (?:of|from|out of)\b|是什么做的|用什么做的|什么料", "material"),
    # "where is it made?", "哪个国家产的？": where it comes from
    (r"\bwhere (?:is|are|was|were)(?= (?:it|they|this|that|these|those|the [\w'-]+(?: [\w'-]+){0,3}) (?:made|manufactured|produced)\b)"
     r"|\bwhat country\b[^?]*\b(?:made|from)\b|\bmade in (?:what|which) country\b"
     r"|(?:是)?哪(?:个|一个)?(?:国家|国|里)(?:产|生产|制造|做)的?|在哪(?:里|儿)?(?:生产|制造)的?", "origin"),
    # "how much food does it hold?", "how much can the canister carry?"
    (r"\bhow much(?: \w+)? (?:does|do|will|can|would) (?:it|they|this|that|the [\w-]+(?: [\w-]+)?) (?:hold|fit|carry|take)\b",
     "capacity"),
    # "where do you ship from?" asks where the warehouse is
    (r"\b(?:ship|ships|send|sends|mail) (?:it |orders )?from\b|\bwhere (?:are you|is your (?:store|shop|company)) (?:located|based)\b",
     "warehouse"),
    # "How long is it good for after I open it?" asks its period after opening (a return "once opened" does not).
    (r"\b(?:good(?: for)?|lasts?|keeps?|usable|use it)\s+(?:for\s+)?(?:after|once) (?:i |you |we )?(?:have )?"
     r"open(?:ed|ing)?(?: it| them| the \w+)?\b", "pao"),
    (rf"\b(?:i|we) (?:have|own|'ve got|got) (?:a |an |two |some )?{_PETS}\b", "pet friendly"),
    (r"\b(?:throw|put|toss|pop|stick) (?:it |them )?in the (?:wash|washer|washing machine)\b|\bmachine[- ]wash(?:able)?\b"
     r"|放洗衣机洗|洗衣机洗|(?<!碗)机洗", "machine washable"),
    (r"\bdish ?washers?\b|洗碗机", "dishwasher"),
    # A preamble says nothing about what is asked: "quick q about Duel of Crowns: ...", "two things: ...".
    (r"\b(?:(?:a )?quick|one|two|2|small) (?:q|qs|question|questions|things)\b(?:\s+(?:about|on|re))?", " "),
    # Contractions typed without the apostrophe ("cant", "dont") are the contractions.
    (r"\b(can|don|won|isn|doesn|didn|aren|wasn|shouldn|couldn|wouldn)t\b", r"\1't"),
    (r"\bi(m|ve)\b", r"i'\1"),
    (r"\b(what|how|where|who|when|that|there)s\b", r"\1's"),
    # "When is it coming out?" asks for its release.
    (r"\b(?:com(?:e|es|ing)|came) out\b(?! of)", "release"),
))


def any_word(words: Iterable[str]) -> re.Pattern:
    """A pattern for any of ``words`` as a whole word, singular or plural ("tent", "tents", "boxes")."""
    stems = sorted({w[:-1] if w.endswith("s") and not w.endswith("ss") else w for w in words if w}, key=len, reverse=True)
    return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, stems))})(?:e?s)?(?!\w)", re.I) if stems else re.compile(r"(?!x)x")


def normalise_phrases(text: str) -> str:
    for pattern, word in PHRASES:
        text = pattern.sub(word, text)
    return text


# "How long", "how many days": a duration must be stated to answer ("when" may be answered by an event).
HOW_LONG = re.compile(r"\bhow long\b|\bhow many (?:days|weeks|months|years|hours)\b|\bhow soon\b|多久|几天|几年|几个月|几周|多长时间|多少天", re.I)
# "How heavy", "how many players": a number must be stated to answer.
ASKS_MEASURE = re.compile(r"\bhow (?:heavy|big|tall|wide|deep|thick|warm|bright|many)\b|\bhow much (?:does|do|can|will)\b.*\b(?:weigh|hold|carry)"
                          r"|\bwhat(?:'s| is) the (?:weight|capacity|size|temperature rating|r-value)\b|多重|多大|多少片|多少升|几个人|几人", re.I)
# A question for a weight is answered by a weight ("light enough for summit days" is none; nor is "8x25").
ASKS_WEIGHT = re.compile(r"\bhow (?:heavy|light)\b|\bhow much (?:does|do|did|will)\b.*\bweigh|\bwhat(?:'s| is| does)"
                         r" (?:it|the \w+(?: \w+)?) weigh|\bweight\b|多重|重多少|多少克|多少公斤|重量", re.I)
STATES_WEIGHT = re.compile(r"\d\s*(?:g|kg|oz|lbs?|grams?|kilograms?|ounces?|pounds?|克|公斤|千克|斤)(?![a-z])", re.I)
# A question for a body length or height is answered by a length ("an adjustable torso" is none; nor is "Summit 45").
ASKS_LENGTH = re.compile(r"\b(?:torso|leg|arm|inseam|back|strap)\s+lengths?\b|\blength range\b|\bhow tall\b|\b(?:max(?:imum)?|min(?:imum)?|child|kid|baby|body) height\b|背长|身高|多高", re.I)
STATES_LENGTH = re.compile(r"\d\s*(?:cm|mm|m|in|inch|inches|ft|feet|\"|″|厘米|公分|米)(?![a-z])", re.I)
CONTACT_WORDS = frozenset("address addresses email e-mail phone telephone 地址 邮箱 电话".split())
# "What email do I use?", "where do I send the request?": an address answers, if a sentence gives one.
ASKS_CONTACT = re.compile(r"\b(?:what|which|what's|whats) (?:(?:is |are )?(?:your|the) )?(?:e-?mail|address|addresses|phone|number)\b"
                          r"|\be-?mail address\b|\baddress(?:es)? of your (?:stores?|shops?|warehouse|office)\b"
                          r"|\bphone number\b|\btelephone\b|\bcall you\b|\bwho do i (?:contact|email|write)"
                          r"|\bwhere (?:do|can|should) i (?:send|email|write|contact)\b|\bhow (?:do|can) i (?:contact|reach|email)\b"
                          r"|邮箱|邮件地址|联系方式|联系谁", re.I)
STATES_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d ()-]{7,}\d"
                            r"|\b\d{1,5}\s+(?:[A-Z][\w.'-]*\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane"
                            r"|Ln|Way|Place|Pl|Court|Ct|Parkway|Pkwy|Highway|Hwy)\b\.?")  # an email, a phone number, a street address
# Names of measures a shopper bounds with a bare number ("an R-value of at least 4"): that number is no price.
MEASURE_NAMES = re.compile(r"\br[- ]?values?\b|\bratings?\b|\brated\b|\bseats?\b|\bsleeps?\b|\bcapacity\b|\blumens?\b"
                           r"|\btemp(?:erature)?s?\b|\bweigh\w*|\bvolume\b|\bdegrees?\b|\bupf\b|\bspf\b|\bfill power\b"
                           r"|\bpeople\b|\bplayers?\b|\bpieces\b|\bhours?\b", re.I)
# "How many coils?": the thing counted; a sentence that names it without a number before it does not count it.
HOW_MANY = re.compile(r"\bhow many (?:[a-z]+ ){0,2}?(?!each\b|total\b|altogether\b|exactly\b)([a-z]{3,})(?=\s+(?:do|does|did|are|is|can|will|would|could|have|has|in|on"
                      r"|of|per|for|come|fit)\b|\s*[?？]|\s*$)", re.I)
# A number, in digits or in words ("up to two deliveries").
STATES_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|once|twice)\b|[一二两三四五六七八九十]",
                           re.I)
# "How much does it weigh / hold?" asks for a measure, not a price.
MEASURE_CUES = re.compile(r"\bhow much\b.*\b(?:weigh|weighs|hold|holds|carry|fit|space|room|water|volume)\b"
                          r"|\bhow much (?!cheaper|more expensive|pricier)\w+er\b|多重|多大|多少升", re.I)
# What a comparison of options asks of each: "which is cheaper?" its price, "which is faster?" its time.
COMPARED_BY_PRICE = re.compile(r"\b(?:cheaper|cheapest|pricier|(?:more|less) expensive|costs? (?:more|less)|price|prices"
                               r"|cost|costs)\b|便宜|贵|价格|运费|多少钱|价钱", re.I)
COMPARED_BY_TIME = re.compile(r"\b(?:faster|fastest|quicker|quickest|sooner|slower|speed|how long|how soon|arrives? first)\b"
                              r"|更快|快递时效|时效|几天|多久", re.I)
DURATION_CUES = re.compile(
    r"\bhow long\b|\bhow many (?:days|weeks|months|years|hours)\b|\bhow soon\b|\bhow quickly\b|\bwhen\b|\bdeadline\b"
    r"|\buntil when\b|\bby when\b|\b(?:what|what's|whats|what is)\s+(?:\w+\s+){0,3}(?:window|period|time ?frame)\b"
    r"|多久|多长时间|几天|什么时候|何时|多少天|期限", re.I)
LIST_CUES = re.compile(r"\bwhich\b.*\b(?:methods|countries|items|ways|options|cards|brands|colou?rs|sizes)\b"
                       r"|\bwhat (?:\w+ )?(?:methods|countries|items|ways|options|cards|colou?rs|sizes)\b|\blist\b|哪些|哪几", re.I)
# "what's the difference between ...", "Trail GPS Watch vs the Pro": no one fact asked, the ones that differ.
ASKS_DIFFERENCE = re.compile(r"\bdiffer(?:ence|ent|s)?\b|\bvs\.?\b|\bversus\b|\bcompared?\b|区别|不同|差别|对比|比较一下", re.I)
# "40 litres or bigger", "$70 or so", "an R-value of 4 or higher": words after "or" that bound one value, compare none.
OR_BOUND = ("more bigger larger higher greater longer warmer colder above over better less fewer smaller lower shorter "
            "under below so later earlier")
COMPARE_CUES = re.compile(
    r"\b(?:which|what)(?: one)? (?:is|are|would be|'s)\b.*\b(?:\w+er|better|more|less)\b|\bcompare|"
    r"\bwhich \w+ (?:is|are)\b.*\b(?:\w+er|better|more|less)\b|"  # "A or B - which steel is harder?"
    r"\bwhich(?: \w+){0,2} (?:has|have|gets?|lasts?|holds?|weighs?|runs?|sleeps?|packs?)\b"
    rf"(?!.*\d\s*\w*\s*or (?:{'|'.join(OR_BOUND.split())})\b|.*\bthan\s+\d).*\b(?:\w+er|better|more|less|fewer)\b|\bcomparison\b|\bvs\.?\b"
    r"|^\s*(?:is|are|does|do|would|will)\b[^?]*\b(?:longer|shorter|cheaper|pricier|faster|slower|quicker|warmer|lighter|heavier"
    r"|bigger|smaller|better|worse)\b[^?]*\bor\b"  # "is the warranty longer on tents or on jackets?"
    r"|\bwhich(?: one)? \w+s\b[^?]*\b(?:faster|quicker|slower|sooner|longer|shorter|better|worse|warmer|cooler|lighter"
    r"|heavier|brighter|cheaper)\b"  # "which one boils water faster?"
    r"|\bversus\b|\bdifferences? (?:in (?:\w+ ){1,3})?between\b|\b\w+er than\b(?!\s*(?:[$€£¥]|\d))|\bhow much (?:\w+er|more \w+)\b.*\bthan\b|\bor the\b|哪个更|哪款更|哪个比较|比较(?![高低大小长短多少贵好重轻快慢冷热暖远近难适])|区别|还是|相比"
    r"|哪(?:个|款|一个).{0,10}更|哪(?:个|款|一个|一款)\s*(?:比较)?\s*(?:便宜|贵|轻|重|大|小|长|短|高|低|暖和?|亮|耐用)|各是|各自|分别是|差多少|相差|\b(?:on|for|of) each\b|\beach one\b"
    r"|\b(?:what|how)\b.*\b(?:their|both)\b|\bcomparing\b|\beach (?:come|comes|have|has|cost|costs|weigh|weighs|hold|holds|last|lasts)\b",
    re.I)  # "A or B, what are their ratings?"
# Which way a comparative points: "is A longer than B?" is yes when A's value is the larger one.
COMPARATIVE_DIRECTION: dict[str, int] = {
    **dict.fromkeys("longer more bigger larger heavier higher warmer brighter pricier costlier older".split(), 1),
    **dict.fromkeys("shorter less fewer smaller lighter lower cheaper newer".split(), -1),
    "更长": 1, "更多": 1, "更大": 1, "更重": 1, "更高": 1, "更贵": 1, "更短": -1, "更少": -1, "更小": -1, "更轻": -1,
    "更低": -1, "更便宜": -1,
}
# "the regular one", "普通款": the product of a line without the mark the other side of a comparison has
THE_REGULAR_ONE = re.compile(r"(?:the\s+)?(?:regular|normal|original|basic|plain)(?:\s+(?:one|version|model))?"
                             r"|(?:the\s+)?standard\s+(?:one|version|model)|普通款|普通的|标准款|通用款|原版", re.I)
# "any heavier?", "more expensive?": a comparison that leaves out what it compares with
UNFINISHED_COMPARISON = re.compile(r"^(?!.*\bthan\b).*?\b(?:(?:more|less)\s+\w+|" + "|".join(
    w for w in COMPARATIVE_DIRECTION if w.isascii()) + r")\b(?=\s*(?:[?？]|$))", re.I)
# A yes/no question starts with an auxiliary verb in English, or ends in 吗 / holds an A-not-A form in Chinese.
YES_NO_EN = re.compile(
    r"^\s*(?:(?:and|so|but|also|hi|hello|hey|ok|okay|please)[,!]?\s+)*(?:can|could|do|does|did|is|are|was|were|will|would|should"
    r"|may|might|have|has|am|must|shall)\b", re.I)
YES_NO_ZH = re.compile(r"吗\s*[？?]?\s*$|能不能|可不可以|可以不|是不是|是否|有没有|会不会|行不行|要不要|对吗|好吗")
# Two questions in one message: split at a question mark, or at "and" / "also" before a new question word.
# Where the shopper is, said beside a question: "I'm in Ohio", "我在上海".
SHOPPER_PLACE = re.compile(r"\b(?:i'm|im|i am|i live|we're|we are|we live|living|based|moving)\s+(?:in|to|at)\b|我在|我住在|人在|我们在", re.I)
PLACE_REFERENCE = re.compile(r"\bthere\b|那里|那边", re.I)  # "how much is standard shipping there?"
SUBQUESTION_SPLIT = re.compile(
    r"(?<=[?？])\s*|\s*[,;]?\s+\band (?:also )?(?=(?:how|whats|what|when|where|which|who|why|can|could|do|does|did|is|are|will|would"
    r"|should|may|if)\b)|\s*[,;]\s*(?:also|plus)\s+|以及(?=.{2,}[吗？?])|同时"
    # "Shield攀岩头盔多少钱，多重？": a Chinese question after a comma that ends one
    r"|(?:(?<=多少钱)|(?<=多重)|(?<=多少)|(?<=多久)|(?<=多大)|(?<=吗)|(?<=呢))\s*[,，]\s*", re.I)

# Negation: a sentence that denies. "No." at the start of an FAQ answer counts too.
NEGATION = re.compile(
    r"\b(?:no|not|never|cannot|can't|can not|won't|don't|doesn't|isn't|aren't|wasn't|weren't|excluded|except|"
    r"non-returnable|final sale|unavailable|neither|nor|none|nothing|without|out of stock|sold out)\b|n't\b|不|没有|无法|禁止|除外|不能"
    r"|不可|缺货|无需",
    re.I)
# Words that exclude something from a rule: "cannot be returned", "final sale", "not covered".
EXCLUSION = re.compile(r"\b(?:cannot|can't|can not|won't|will not) be\b|\bnot eligible\b|\bineligible\b|\bexclud\w*|\bfinal sale\b"
                       r"|\bnon-?returnable\b|\bnot returnable\b|\bnon-?refundable\b|\bnot refundable\b|\bnot covered\b"
                       r"|\b(?:does|do)(?: not|n't) cover\b|\bdo not (?:accept|match)\b|不能|不可|不接受|除外|不适用|不予", re.I)
# Product facts whose value answers yes or no ("Waterproof: no", "Subscription: required").
# Words whose full stop ends no sentence ("Whisker Co. Kitten Food").
ABBREVIATIONS = ("Co.", "Inc.", "Ltd.", "Corp.", "Dr.", "Mr.", "Mrs.", "Ms.", "St.", "vs.", "approx.", "e.g.", "i.e.")
YES_VALUES = frozenset("yes true required included 是 有".split())
NO_VALUES = frozenset({"no", "false", "none", "not included", "sold separately", "否", "无", "不含"})


CURRENCY_SYMBOLS = {"pound": "£", "pounds": "£", "quid": "£", "dollar": "$", "dollars": "$", "bucks": "$", "euro": "€",
                    "euros": "€", "英镑": "£", "美元": "$", "欧元": "€"}


def flag(value: str) -> bool | None:
    """An attribute's yes or no: "yes" -> True, "no (contains lanolin)" -> False; None for any other value."""
    head = re.split(r"\s*[(,;（，]|\s+[-–—]\s+", value.strip().lower(), maxsplit=1)[0].strip(" .。")
    return True if head in YES_VALUES else False if head in NO_VALUES else None
# A fact that a product is free of something ("Fragrance free: Yes"), and a question that asks so in those words
# ("is it fragrance-free?", "无香精吗"), not whether it has the thing ("有加香精吗？").
FREE_OF_LABEL = re.compile(r".+?[\s-]free", re.I)
SAYS_FREE_OF = re.compile(r"free|\bwithout\b|\bno\s|无|不含|没有?添?加|不加|不添加", re.I)
# The direct-answer frame an answer opens with ("No — ", "是的，"): a frame, not a claim.
# A Chinese yes/no question is answered with its own verb: (no, yes) for each.
ZH_ANSWER_WORDS = {"可以": ("不可以", "可以"), "能": ("不能", "能"), "会": ("不会", "会"), "需要": ("不需要", "需要"),
                   "有": ("没有", "有的"), "是": ("不是", "是的")}
ZH_ANSWER_VERB = re.compile(r"可以|能(?!力)|会(?!员)|需要|(?<!没)有(?!效|限|关|些|点|的)|是(?!否)")
DIRECT_FRAME = re.compile(r"^\s*(?:yes|no|free)\s+—\s+|^\s*(?:" + "|".join(sorted(
    {w for pair in ZH_ANSWER_WORDS.values() for w in pair} | {"是的", "不", "免费"}, key=len, reverse=True)) + ")，", re.I)
# "costs $14.95, or nothing on orders of $150 or more": what a met spending condition costs
COSTS_NOTHING = re.compile(r"\b(?:free|nothing|no charge|no cost|at no (?:extra )?cost)\b|免费|免运费|包邮", re.I)
AFFIRMATION_START = re.compile(r"^\s*(?:yes|yep|sure|absolutely|of course)\b|^\s*(?:可以|是的|能|有的|支持)", re.I)
NEGATION_START = re.compile(r"^\s*(?:no|nope)\b|^\s*(?:不|没有|不可以|不能)", re.I)
# A restriction: "standard shipping only" answers "can I use express?" with no.
# A product's fact that says it lacks what is asked: "Footprint: sold separately".
LACKING = re.compile(r"\bsold separately\b|\bnot included\b|\bn/a\b|\bnone\b|单独购买|另购|不含", re.I)
# "without paying for a subscription?" asks to do without a thing that a fact may say is "required".
WITHOUT = re.compile(r"\bwithout\b|不用|不需要|无需|不买", re.I)
REQUIRED = re.compile(r"\b(?:required|mandatory|needed|necessary)\b|必须|必需|需要", re.I)
# A sentence that opens by pointing back at the one before it: "It is free on orders of $150 or more."
POINTS_BACK = re.compile(r"^\s*(?:it|this|that|they|these|those)\b(?!\s+(?:is|are)\s+(?:possible|not possible|important|best|easy)\b)|^\s*(?:它|这些|这项|该)", re.I)
# What to do instead, after a No: "Place a second order instead."
INSTEAD = re.compile(r"\binstead\b|\brather\b|\balternatively\b|^\s*(?:you can|you may|however)\b|改为|可以另|另行|另外下单|^\s*您可以",
                     re.I)
# "X normally can't be returned, but Y lets you ...": a general rule and, after "but", the exception to it.
USUAL_RULE_BUT = re.compile(r"\b(?:normally|usually|generally|typically|ordinarily)\b[^;]*?\b(?:not|can't|cannot|won't|isn't|aren't)\b"
                            r"[^;]*?,\s*but\s+([^;]+)$|通常不[^；]*?，但([^；]+)$", re.I)
# Words that place a case in time; saying one of them is not speaking to the shopper's case.
TIME_CONNECTIVES = frozenset("after before until once when while during 之后 以后 之前 以前".split())
RESTRICTION = re.compile(r"\bonly\b|\bexclusively\b|\bonce per\b|仅|只", re.I)
# "Klarna is available to shoppers with a billing address in the UK, Ireland, ...": offered in those places alone.
AVAILABLE_IN = re.compile(r"\bavailable (?:only )?(?:to|in|for)\b|\boffered (?:to|in)\b|仅限|适用于", re.I)
# Regions that leave out places inside the country they belong to.
EXCLUDING_REGIONS: dict[str, frozenset[str]] = {
    "contiguous united states": frozenset({"Alaska", "Hawaii", "Puerto Rico"}),
    "contiguous states": frozenset({"Alaska", "Hawaii", "Puerto Rico"}),
    "lower 48": frozenset({"Alaska", "Hawaii", "Puerto Rico"}),
    "contiguous us": frozenset({"Alaska", "Hawaii", "Puerto Rico"}),
    "contiguous u.s.": frozenset({"Alaska", "Hawaii", "Puerto Rico"}),
    "continental us": frozenset({"Alaska", "Hawaii", "Puerto Rico"}),
    "continental united states": frozenset({"Alaska", "Hawaii", "Puerto Rico"}),
    "美国本土": frozenset({"Alaska", "Hawaii", "Puerto Rico"}),
    "mainland uk": frozenset({"Northern Ireland"}),
}


def excluded_places(text: str) -> frozenset[str]:
    """Places a text's region leaves out: "the contiguous United States" leaves out Alaska and Hawaii."""
    lowered = text.lower()
    return frozenset(p for region, places in EXCLUDING_REGIONS.items() if region in lowered for p in places)

# Numbers with the units that make them an amount or a duration.
MONEY = re.compile(r"[$€£¥]\s?\d|\d\s?(?:usd|eur|gbp|dollars?|美元|元|欧元|英镑)|\bfree\b|免费|免运费|interest-free|\d\s?%\s?off\b|\d\s?% discount", re.I)
# Values a shopper states about their own case ("on Nov 28", "4 months ago", "a $1,250 cart", "12月10号"): they are
# checked against a policy's conditions, not searched for as words.
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
STATED_VALUES = re.compile(
    rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号號]"
    r"|[$€£¥]\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\s*(?:usd|dollars?|bucks)\b|\d[\d,]*(?:\.\d+)?\s*(?:美元|元)"
    r"|\b(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s*(?:days?|weeks?|months?|years?|yrs?)"
    r"(?:\s+ago)?\b", re.I)
DURATION = re.compile(
    r"\d+\s*(?:to|-|–|至|到)?\s*\d*\s*(?:business |working |calendar )?(?:days?|weeks?|months?|years?|hours?|hrs?|minutes?|mins?)\b"
    r"|\d+\s*(?:个)?(?:工作日|天|周|星期|个月|月|年|小时|分钟)|\bsame (?:business )?day\b|\bnext (?:business )?day\b"
    r"|\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\b|当天|次日", re.I)

# Sentences written for staff, not shoppers: internal notes, back-office steps, "tell the customer".
STAFF_HEADING = re.compile(r"\b(?:staff|internal|agents?|employees?|back[- ]office|admin(?:istrator)?s?)\b|员工|内部|客服人员", re.I)
STAFF_SENTENCE = re.compile(
    r"^\s*(?:staff|internal|agents?|note to (?:staff|agents))\s*(?:note)?\s*:"
    r"|^\s*(?:share|issue|give|tell|ask|send|offer|inform|remind|escalate|click|select|open|enter|log|tag|mark|check)\b"
    r"[^.]*\b(?:the customer|the shopper|the caller|the client|back office|admin panel|dashboard|ticket|button)\b"
    r"|\b(?:in|from) the (?:back office|admin panel|helpdesk|dashboard)\b|告知顾客|告诉顾客|后台", re.I)

# Planted instructions (rag/planted.py): who a sentence addresses, and whether it tries to steer an answer.
# An AI by name: a sentence addressed to one is never store information.
AI_ADDRESSEE = re.compile(
    r"(?-i:\bA\.?I\.?s?\b)|\b(?:chat ?bots?|bots?|llms?|gpts?|chatgpt|claude|gemini|copilot|language models?|"
    r"(?:automated|virtual|digital|robotic|autonomous|machine|artificial)\s+(?:\w+\s+)?(?:assistants?|agents?|helpers?|"
    r"systems?|responders?|readers?|representatives?|reps?|advisors?|clerks?|staff)|machine readers?|crawlers?|"
    r"(?:ai|assistant|model|agent|robot|system|program|tool|engine|software)s?\s+(?:that (?:reads?|process(?:es)?|answers?) |which |who )?"
    r"(?:reading|processing|summari[sz]ing|answering|handling|parsing|scanning|indexing|generating|writing)|whoever (?:generates|writes|"
    r"answers|replies|responds|reads|summari[sz]es|processes)|(?:answering|responding|replying|summari[sz]ing) (?:models?|assistants?|"
    r"agents?|bots?|systems?|programs?|ai)|(?:anyone|anybody|whoever|someone|somebody) (?:replying|responding|answering|writing|"
    r"talking|chatting) (?:to|with) (?:shoppers|customers|users|buyers|people|visitors)|when (?:summari[sz]ing|reading|processing) "
    r"(?:this|the) (?:page|document|text|faq|answer|section|listing))\b|\b(?:assistant|ai|bot|agent|model|llm|system)_(?:directives?|instructions?|prompt|notes?|rules?|commands?|override)\b"
    r"|人工智能|机器人|智能(?:客服|助手|助理|体|代理|系统)|(?-i:(?<![A-Za-z])AI(?![a-z]))|大模型|语言模型|自动(?:回复|应答|客服)|虚拟(?:客服|助手|助理)|聊天程序"
    r"|(?:生成|撰写|自动)(?:回答|回复|答复|内容)的(?:系统|程序|模型|工具)|(?:读取|阅读|处理|总结|抓取)(?:本|这个|此|该)?.{0,8}的(?:模型|系统|程序|工具)"
    r"|(?:回答|回复|答复|处理|阅读|读取)(?:此|这个|本|该)?.{0,6}的(?:助手|助理|客服|模型|系统|程序|机器人|智能体)"
    r"|(?:总结|概括|摘要|归纳)(?:本|这|此|该)(?:页|篇|段|文|份)|(?:作答|答题|应答|回答|回复)的?(?:模型|助手|程序|系统|机器人)",
    re.I)
# Words that may name an AI or a person; they count together with other signs.
HELPER_ADDRESSEE = re.compile(
    r"\b(?:assistants?|agents?|helpers?|responders?|readers? of this)\b|助手|助理|客服|代理|模型|程序|你们?(?!的订单)", re.I)
# Attempts to change how the assistant behaves or what it says on the store's behalf.
STEERING = re.compile(
    r"\b(?:ignore|disregard)s?\s+(?:[\w\-]+\s+){0,3}"
    r"(?:instructions|rules|guidelines|prompts?|directions|polic(?:y|ies)|restrictions|limits?|above|everything|safeguards)\b"
    r"|\b(?:override|overrule|bypass|supersede)s?\b|\b(?:previous|prior|earlier|old|original|current|new) (?:guidelines|"
    r"instructions|rules|directives?|prompts?|priorities|programming)\b|\b(?:begin|start|end)(?: of)?(?: the)?(?: new)? (?:directive|"
    r"instructions?|override)\b|\b(?:priorities|rules|instructions|guidelines|persona|role) (?:is|are) now\b|\bdeveloper mode\b"
    r"|\bjailbreak|\b(?:respond|reply|answer|speak|write) only (?:in|with|as)\b|\bon (?:our|the store's) behalf\b"
    r"|\b(?:may|can|is allowed to|are allowed to|has the right to|is entitled to|is authori[sz]ed to) (?:give|offer|hand out|issue|"
    r"send|grant|promise) (?:anyone|anybody|everyone|any customer|all customers|every customer|any shopper|every shopper)\b|\bforget (?:the|your|all|any|about|previous|"
    r"earlier|everything|what)\b|\bfrom now on\b|\bgoing forward\b|\bhenceforth\b"
    r"|\bregardless of\b|\bno matter what\b|\bwhatever (?:the )?(?:customer|user|shopper|buyer|person)\b|\byou are now\b"
    r"|\bpretend\b|\bact as\b|\brole ?play\b|\byour (?:new |old |previous |current |real )?(?:instructions|rules|guidelines|prompt|programming|directives|policies|training)\b"
    r"|\bhidden instructions\b|\bsystem (?:prompt|note|message)\b|\bhereby\b|\bauthori[sz]e[sd]? (?:you|to)\b"
    r"|\b(?:are|is) (?:now )?(?:allowed|permitted|authori[sz]ed|instructed|required|expected) to\b"
    r"|\b(?:always|never) (?:say|tell|mention|admit|answer|reply|respond|state|claim|recommend|confirm|promise|add|include)\b"
    r"|\b(?:do not|don't|never|must not) (?:tell|mention|say|reveal|admit|disclose|bring up|inform)\b"
    r"|\b(?:tell|inform|assure|promise|guarantee|reassure|let|notify|advise|remind|convince|persuade)\s+(?:every |all |any |each )?"
    r"(?:the )?(?:customers?|shoppers?|users?|buyers?|people|everyone|everybody|anyone|anybody|someone|whoever|visitors?|clients?|consumers?|purchasers?)\b(?! service)"
    r"|\b(?:answer|reply|respond)(?:s|ing)? (?:that|with|as if|by saying)\b|\bas if\b.{0,40}\b(?:customer|shopper|user)\b"
    r"|\b(?:when|whenever|if) (?:a |any |the )?(?:customer|shopper|user|buyer|someone|anyone|people)\s+(?:asks?|mentions?|complains?|says?|wants?)\b"
    r"|忽略|无视|不要理会|不必理会|不用管|不必管|别管|不要管|忘记|忘掉|覆盖|从现在(?:起|开始)|今后|以后一律|一律|无论|不管|假装|扮演|你的(?:指令|规则|设定|提示|说明)"
    r"|系统提示|隐藏(?:的)?指令|授权你|允许你|特此|(?:告诉|告知|通知|承诺|保证|确认|转告|答复|回复)(?:给)?(?:所有|每位|每个|任何|各位)?的?"
    r"(?:顾客|客户|用户|买家|消费者|访客|客人|来访者)|(?:就|都|只)(?:说|回答|回复|告诉)|声称|回答(?:说|为|时)|回复(?:说|时)"
    r"|(?:顾客|客户|用户|买家|有人)(?:问|询问|提到|投诉|咨询)"
    r"|(?:向|跟|对)(?:所有|每位|任何|每个)?.{0,6}(?:人|顾客|客户|用户|买家)(?:保证|承诺|表示|声明)"
    r"|新指令|指令(?:开始|结束)|(?:优先级|规则|设定)现(?:在)?(?:为|是)|开发者模式|(?:有权|可以|允许)(?:向|给)(?:任何人|所有人|每位|每个人|任何顾客)"
    r"|(?:应|要|须|必须)(?:要求|让|请)(?:顾客|客户|用户)|你现在是|你已(?:经)?(?:进入|成为)|之前的(?:准则|指令|规则|设定|说明)"
    r"|(?:准则|规则|指令|规定)(?:已经?)?过时|现行规定"
    r"|^\s*[\[【(（<]\s*(?:system|sys|admin|developer|assistant|系统|管理员|开发者|指令)\s*[\]】)）>]", re.I)

# Words that mean the same thing to a shopper, across both languages. Each group is one concept.
SYNONYM_GROUPS: tuple[frozenset[str], ...] = tuple(frozenset(group.split("|")) for group in (
    "return|returns|returned|returning|send back|bring back|退货|退回|退",
    "refund|refunds|refunded|money back|reimburse|reimbursement|退款|退钱",
    "ship|ships|shipping|shipped|transit|arrive|arrives|arrival|deliver|delivers|delivery|delivered|send|sends|sent|sending|post|postage|mail|courier|发货|配送|寄|寄送|运送|快递|送货|邮寄|运费",
    "expire|expires|expired|expiry|expiration|valid|validity|过期|有效期",
    "shop|shops|store|stores|retailer|retailers|merchant|merchants|商店|商家",
    "trekking pole|trekking poles|hiking pole|hiking poles|walking pole|walking poles|登山杖|徒步杖",
    "life|lifespan|last|lasts|longer|durability|runtime|run time|寿命|耐用|续航",
    "battery|batteries|charge|charging|rechargeable|runtime|电池|充电|续航|充一次电|能撑",
    "fill|fill power|filled|蓬|蓬数|蓬松度|填|填充", "meat|main protein|肉|什么肉", "load|max load|maximum load|weight limit|承重|最大承重|载重",
    "min|minimum", "max|maximum|up to|最多|最多能|最大", "whenever|any time|anytime|随时",
    "contract|commitment|minimum term|lock-in|合约|合同",
    "faa|aircraft|airplane|airplanes|plane|planes|flight|flights|飞机|航班",
    "origin|made in|country of origin|manufactured in|产地|原产地",
    "commercial|business|cafe|café|restaurant|bakery|catering|商用|餐厅|咖啡店",
    "hardness|harder|hrc|硬度",
    "binoculars|binocular|binos|binocs|双筒望远镜|望远镜",
    "length|lengths|longer|shorter|长度",
    "thick|thickness|厚|厚度", "wide|width|宽|宽度", "deep|depth|深度", "tall|height|高度",
    "tick|ticks|蜱虫|蜱",
    "long|加长|加长款",
    "cost|costs|price|prices|priced|fee|fees|charge|charges|pay|paid|expensive|cheap|cheaper|cheapest|pricier|penalty|penalties|"
    "费用|价格|价钱|收费|多少钱|钱|便宜|贵|付费|承担",
    "warranty|warranties|guarantee|guaranteed|保修|质保|保修期",
    "exchange|exchanges|exchanging|exchanged|swap|swaps|swapping|swapped|换货|更换|换|换成|兑换",
    "cash|现金",
    "rain cover|raincover|防雨罩|防雨套|背包罩",
    "transcript|transcripts|log|logs|record|records|history|记录",
    "cancel|cancels|cancelled|canceled|cancellation|quit|取消",
    "payment|payments|pay|paying|付款|支付|付钱",
    "duty|duties|customs|import tax|import taxes|tariff|关税|进口税|税费",
    "gift card|gift cards|礼品卡",
    "base layer|base layers|打底衫|打底衣|打底",
    "pitcher|pitchers|milk pitcher|milk pitchers|milk jug|milk jugs|奶缸|拉花缸|拉花杯",
    "watch|watches|手表|腕表", "duvet|duvets|quilt|quilts|comforter|comforters|被子|羽绒被|被芯",
    "pillow|pillows|枕头|枕芯", "towel|towels|毛巾|浴巾", "rug|rugs|地毯", "curtain|curtains|窗帘",
    "grinder|grinders|coffee grinder|磨豆机", "kettle|kettles|烧水壶|手冲壶",
    "espresso machine|espresso machines|coffee machine|coffee machines|咖啡机|意式咖啡机",
    "coffee beans|coffee bean|beans|bean|咖啡豆",
    "puffer|puffers|insulated jacket|insulated jackets|parka|parkas|棉服|棉衣|羽绒服",
    "merino|美利奴",
    "upf|防晒指数|防晒系数",
    "quick-dry|quick dry|quick-drying|速干",
    "marketplace|marketplaces|third-party|third party|第三方|第三方卖家",
    "harness|harnesses|安全带",
    "charged|billed|扣款|扣费",
    "stove|stoves|炉头|炉子|炉具",
    "sleeping pad|sleeping pads|sleeping mat|camp mat|mat|防潮垫|睡垫",
    "gift|gifts|present|presents|礼品|礼物",
    "size|sizes|sizing|尺码|码",
    "colour|colours|color|colors|shade|shades|颜色|色号",
    "weight|weigh|weighs|heavy|light|lighter|lightest|heavier|heaviest|重量|多重|重|轻|重不重|沉不沉|多少公斤",
    "temperature|temp|temperature rating|rated|rating|r value|warm|warmer|warmest|cold|colder|r-value|insulation|insulated|温度|保暖|暖和|温标|多冷|多低|多少度",
    "capacity|volume|bigger|larger|roomier|biggest|largest|litres|liters|ml|容量|容积|更大|多大",
    "waterproof|water-proof|water|rain|wet|underwater|deep|depth|ip rating|water rating|防水|防雨",
    "ip rating|ipx|water rating|waterproof rating|防水等级|防水指数",
    "amount|amounts|denomination|denominations|value|values|面额|面值",
    "capacity|sleeps|seats|seat|seating|people|persons|players|player|人|几人|双人|容量",
    "stock|in stock|available|availability|sold|sold out|right now|currently|有货|库存|现货|还有货|货",
    "days|day|天|日",
    "year|years|a year|12 months|twelve months|annual|annually|yearly|一年|每年",
    "business days|business day|working days|weekday|weekdays|工作日|monday|tuesday|wednesday|thursday|friday|mondays|tuesdays|wednesdays|thursdays|fridays|周一|周二|周三|周四|周五|星期一|星期二|星期三|星期四|星期五",
    "free|免费|免运费|包邮",
    "combine|combined|combining|stack|stacked|stacking|叠加|同时使用",
    "perfume|perfumes|fragrance|fragrances|parfum|eau de parfum|scent|scents|香水",
    "cleanser|cleansers|cleansing|洁面|洗面奶", "serum|serums|精华", "toner|toners|爽肤水",
    "moisturiser|moisturisers|moisturizer|moisturizers|面霜|乳液", "sunscreen|sunscreens|防晒霜",
    "smell|smells|scent|scents|aroma|notes|fragrance family|香味|气味",
    "international|abroad|overseas|worldwide|国际|海外|境外",
    "order|orders|ordered|cart|carts|订单|下单|购物车",
    "subscription|subscriptions|sub|subs|订阅",
    "watt|watts|wattage|功率|瓦",
    "die|dies|died|dying|dead",
    # store services and policy words a Chinese shopper asks about where the store writes only in English
    "pickup|pick up|pick-up|collect|collection|click and collect|自提|取货|到店自提|门店自提|到店取货",
    "held|保留|留", "install|installation|installed|安装",
    "trade-in|trade in|trade-ins|trade ins|以旧换新|折价换新|置换", "rent|rental|rentals|renting|hire|租|租赁|租用",
    "deposit|deposits|押金|定金", "insurance|insured|保险", "student|students|学生", "teacher|teachers|educator|教师|老师",
    "repair|repairs|repaired|servicing|维修|修理", "cleaning|clean|清洁|清洗", "appointment|appointments|booking|book|booked|预约",
    "recall|recalls|recalled|召回", "points|loyalty|rewards|积分",
    "oversize|oversized|bulky|超大件|大件", "surcharge|surcharges|附加费", "freight|货运", "lost|missing|丢失|丢件",
    "po box|p.o. box|邮政信箱", "same day|same-day|当天|当日", "next day|next-day|次日|第二天",
    "vat|增值税", "invoice|invoices|发票", "receipt|receipts|收据|小票",
    "unopened|sealed|unused|未开封|没开封|未拆封|没拆封|没拆", "tags|tag|吊牌", "original packaging|original box|原包装|原盒",
    "coupon|coupons|promo code|discount code|优惠券|优惠码|折扣码", "gift wrap|gift wrapping|礼品包装",
    "engraving|engraved|personalised|personalized|personalisation|personalization|monogram|刻字|个性化",
    "custom|made to order|made-to-order|bespoke|定制|定做", "pre-order|preorder|pre-orders|preorders|预售|预订",
    "mattress|mattresses|床垫", "trial|trials|试用|试睡", "handling fee|processing fee|手续费",
    "recycle|recycling|recycled|回收", "donate|donation|donations|捐赠", "demo|demonstration|display model|演示|样机",
    "restock|restocked|back in stock|补货|到货通知", "price adjustment|price protection|价格保护|退差价|差价",
    "customer service|support team|客服", "opening hours|opening times|营业时间|开门",
    "noon|midday|lunch|lunchtime|中午",
    "track|tracking|追踪|跟踪|物流",
    "address|addresses|地址",
    "shipping address|delivery address|收货地址|送货地址|寄送地址",
    "change|changes|changed|changing|modify|modified|alter|改|修改|更改|改动",
    "shoe|shoes|footwear|boot|boots|hiker|hikers|trainer|trainers|sneaker|sneakers|鞋|鞋子|靴",
    "used|worn|wore|opened|使用过|用过|穿过|已使用|已开封",
    "clearance|final sale|clearance items|清仓|最终销售",
    "sale|on sale|reduced|reduced price|discounted|marked down|markdown|打折|特价|促销",
    "discount|discounts|% off|percent off|折扣|优惠",
    "rash|reaction|reactions|allergic|allergy|irritation|breakout|过敏|红疹|不良反应",
    "damaged|broken|defective|defect|faulty|损坏|坏了|破损|质量问题",
    "holiday|christmas|xmas|holidays|节日|圣诞",
    "express|expedited|fast|faster|quick|加急|快速",
    "standard|regular|普通|标准",
    "account|账户|账号",
    "privacy|personal data|data|隐私|个人信息|数据",
    "price match|match|比价|价格匹配",
    "instalments|installments|instalment|installment|klarna|分期|分期付款",
    "contact|reach|call|phone|email|联系|电话|邮件",
    "jacket|jackets|coat|shell|parka|夹克|外套|冲锋衣",
    "run|running|runner|runners|跑步|跑鞋",
    "backpack|backpacks|pack|daypack|背包|双肩包",
    "tent|tents|帐篷",
    "pants|trousers|裤|裤子|长裤",
    "top|tops|crew|shirt|shirts|tee|t-shirt|hoodie|上衣|t恤|打底上衣",
    "sun hoodie|sun shirt|防晒衣|防晒服",
    "accessory|accessories|配件|小配件|周边",
    "headlamp|headlamps|头灯",
    "bottle|bottles|flask|水壶|水瓶|保温瓶|保温杯|水杯",
    "filter|filters|净水器|滤水器|过滤器",
    "sleeping bag|sleeping bags|睡袋",
    "long|how long|多久|多长时间",
    "lumens|lumen|brightness|bright|brighter|流明|亮度|亮",
    "rating|rated|grade|等级|级别",
    "players|player|play|plays|game|games|几个人|人数|玩家|玩|一局",
    "pieces|piece|片|块",
    "puzzle|puzzles|jigsaw|拼图",
    "keep|kept|retain|retained|store|stored|保存|保留|存储",
    "parcel|parcels|package|packages|shipment|包裹",
    "label|labels|标签|面单", "print|printed|printing|打印", "drop off|drop it off|drop the parcel|寄出|寄出去|交给快递",
    "deadline|window|until|截止|期限|来不及",
    "history|records|record|记录",
    "receive|received|receiving|receipt of|收到|签收|收货|到货",
    "weekend|weekends|saturday|saturdays|sunday|sundays|周末|周六|周日|星期六|星期天",
    "expire|expires|expired|expiry|expiration|过期|有效期|使用期限|期限",
    "break|breaks|broke|broken|snap|snaps|snapped|crack|cracked|断|断了|坏了",
    "information|info|details|data|资料|信息",
    "delete|deleted|deletion|erase|erased|wipe|wiped|remove|removed|删除|清除|删掉",
    "difference|gap|差价|差别|相差",
    "overnight|next-day|next day|next business day|隔夜|次日达",
    "transcripts|transcript|chat|chats|chat logs|聊天记录|聊天|对话记录",
    "wood|wooden|木头|木制|木质",
    "assemble|assembly|assembled|assembling|组装|安装",
    "vegan|纯素|素食",
    "pao|period after opening|开封后|开封后使用期限",
    "pet|pets|cat|cats|dog|dogs|pet-friendly|宠物|猫|狗",
    "bed|beds|pet bed|dog bed|cat bed|窝|狗窝|猫窝|宠物窝", "cat litter|litter|猫砂", "cat food|猫粮", "dog food|狗粮",
    "treat|treats|零食", "toy|toys|玩具", "harness|harnesses|胸背带|背带", "lead|leads|leash|leashes|牵引绳|狗绳",
    "aquarium|aquariums|fish tank|鱼缸", "flea|fleas|跳蚤", "tick|ticks|蜱虫",
    "swim|swimming|atm|游泳",
    # kinds of product, in both languages: a Chinese request names the kind an English catalog sells
    "camera|cameras|相机|照相机|摄像机", "drone|drones|无人机|航拍机", "lens|lenses|镜头", "tripod|tripods|三脚架|脚架",
    "camera bag|camera bags|camera backpack|相机包|摄影包", "memory card|memory cards|sd card|sd cards|存储卡|内存卡",
    "ring|rings|戒指|钻戒|婚戒|对戒", "necklace|necklaces|pendant|pendants|项链|吊坠", "earring|earrings|studs|耳环|耳钉",
    "bracelet|bracelets|bangle|bangles|手链|手镯", "strap|straps|band|bands|表带",
    "guitar|guitars|吉他", "piano|pianos|钢琴", "bicycle|bicycles|bike|bikes|自行车|单车",
    "chair|chairs|椅子|折叠椅", "table|tables|桌子|折叠桌", "plant|plants|植物|绿植", "grow light|grow lights|植物灯|补光灯", "flour|面粉",
    "bodysuit|bodysuits|onesie|onesies|romper|rompers|连体衣|包屁衣|哈衣", "breast pump|breast pumps|吸奶器",
    "stroller|strollers|pushchair|婴儿车|推车", "car seat|car seats|安全座椅", "crib|cribs|婴儿床",
    "headphones|earbuds|耳机", "power bank|power banks|充电宝|移动电源",
    "used|pre-owned|preowned|second-hand|secondhand|二手",
    "film|films|film roll|film rolls|胶卷|胶片|菲林", "develop|developing|development|冲洗|冲印|冲扫", "scan|scans|scanning|扫描",
    "black and white|black-and-white|black & white|b&w|黑白", "video|videos|视频|录像", "fps|frame rate|frames per second|帧|帧率",
    "quote|quotes|quoted|报价|估价", "flight time|flight times|续航|续航时间", "grade|graded|成色|品相",
))

# Words that ask about one product fact ("does it come in blue?", "多少钱"): a follow-up without a subject.
PRODUCT_FACT_CUES = re.compile(
    r"\b(?:price|cost|how much|expensive|cheap|in stock|available|availability|stock|sold out|size|sizes|fit|colou?rs?"
    r"|waterproof|rain|wet|warranty|guarantee|weight|weigh|heavy|grams|material|made of|fabric|capacity|litre|liter"
    r"|how big|how many people|sleeps|temperature|rated|warm|battery)\b"
    r"|多少钱|价格|价钱|有货|库存|现货|尺码|码|颜色|防水|保修|质保|重量|多重|材料|材质|容量|几个人|温度|电池|续航", re.I)


# A question whether something can be bought now ("got any in black?", "can I order it in a 10?", "还有货吗").
ASKS_STOCK = re.compile(
    r"\b(?:in stock|available|availability|got any|(?:got|have|has)\b.{0,60}?\bin|have any|do you have|sold out"
    r"|(?:can|could) i (?:order|buy|get)|any left|still have)\b|有货|有没有货|还有吗|现货|库存|缺货|能买|能下单"
    r"|有[^，,。？?]{1,6}的吗", re.I)  # "有黄色的吗？"


# "are all sizes in stock?", "现在都有货吗": every variant asked about at once
ASKS_ALL = re.compile(r"\b(?:all|every|each)\b|都|全部|所有", re.I)


def asks_for_product_fact(question: str) -> bool:
    """Does the question ask for a product fact (price, colour, size, ...)?"""
    lowered = question.lower()
    return bool(PRODUCT_FACT_CUES.search(lowered)) or any(
        re.search(rf"(?<![a-z]){re.escape(alias)}(?![a-z])", lowered) for name, aliases in COLOURS.items()
        for alias in (name, *aliases) if len(alias) > 1)


# Colour names, with their Chinese: a colour asked about is in a text that names it, or that lists colours.
COLOURS: dict[str, tuple[str, ...]] = {
    "black": ("黑色", "黑"), "blue": ("蓝色", "蓝"), "navy": ("藏青色", "深蓝色"), "red": ("红色", "红"),
    "green": ("绿色", "绿"), "grey": ("灰色", "灰", "gray"), "white": ("白色", "白"), "yellow": ("黄色", "黄"),
    "orange": ("橙色", "橙"), "teal": ("青绿色",), "sand": ("沙色", "卡其色"), "pink": ("粉色", "粉红色"),
    "purple": ("紫色",), "brown": ("棕色", "咖啡色"), "olive": ("橄榄绿",), "forest green": ("墨绿色",),
}
COLOUR_CONCEPT = frozenset({"colour", "colours", "color", "colors", "颜色"})
# "Do you take credit cards?" is answered by the card brands a store lists ("We accept Visa, Mastercard, ...").
CARD_WORDS = frozenset({"credit", "debit", "信用卡", "借记卡"})
# "is it quicker to drop them off or mail them in?": said by how long each takes
SPEED_WORDS = frozenset("quicker faster sooner slower quickest fastest soonest 更快 更慢".split())
CARD_BRANDS = re.compile(r"\b(?:visa|mastercard|master card|american express|amex|discover|unionpay|union pay|jcb|maestro)\b"
                         r"|银联|维萨|万事达", re.I)
_COLOUR_NAMES_LONGEST_FIRST = sorted((n for name, aliases in COLOURS.items() for n in (name, *aliases)), key=len, reverse=True)
# Colour words that name no colour: "white-glove delivery", "Black Friday", "a green light".
COLOUR_IDIOMS = re.compile(r"\bwhite[- ]glove\b|\bblack friday\b|\bgreen (?:light|card)\b|白手套", re.I)


def named_colour(text: str) -> str | None:
    """The colour a text names, as written ("red", "黑色", "forest green"); the longest name wins."""
    lowered = COLOUR_IDIOMS.sub(" ", text.lower())
    for name in _COLOUR_NAMES_LONGEST_FIRST:
        if (name in lowered) if has_cjk(name) else re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", lowered):
            return name
    return None


# "is the 54 in stock in that colour?": the colour the conversation named before
THAT_COLOUR = re.compile(r"\b(?:that|this|the same) colou?r\b|(?:那个|这个|同样的?|那种)颜色", re.I)
# Words of a follow-up that names only another variant: "size M?", "and the black one?", "绿色XL码呢"
VARIANT_FILLER = frozenset({"size", "sizes", "colour", "color", "one", "ones", "码", "号", "吗", "呢", "那", "那个", "还", "也", "款"})


def colour_names(word: str) -> frozenset[str]:
    """Every way to write the colour ``word`` names (English and Chinese); empty if it names none."""
    for name, aliases in COLOURS.items():
        if word == name or word in aliases:
            return frozenset((name, *aliases))
    return frozenset()


# Named places and payment methods: what a question is about, and what a passage must be about to answer it.
# canonical name -> aliases (lower-case English, or Chinese).
COUNTRIES: dict[str, tuple[str, ...]] = {
    "United States": ("united states", "us", "u.s.", "usa", "america", "american", "contiguous states", "lower 48", "the states",
                      "stateside", "美国", "美国本土"),
    "Canada": ("canada", "canadian", "加拿大"),
    "United Kingdom": ("united kingdom", "uk", "u.k.", "britain", "great britain", "england", "scotland", "wales",
                       "英国"),
    "European Union": ("european union", "eu", "europe", "欧盟", "欧洲"),
    "Australia": ("australia", "australian", "澳大利亚", "澳洲"),
    "Japan": ("japan", "japanese", "日本"),
    "China": ("china", "chinese mainland", "mainland china", "中国", "中国大陆", "国内"),
    "Mexico": ("mexico", "墨西哥"), "Brazil": ("brazil", "巴西"), "India": ("india", "印度"),
    "Russia": ("russia", "俄罗斯"), "New Zealand": ("new zealand", "新西兰"), "South Korea": ("south korea", "korea", "韩国"),
    "Hong Kong": ("hong kong", "香港"), "Taiwan": ("taiwan", "台湾"), "Singapore": ("singapore", "sg", "新加坡"),
    "Norway": ("norway", "挪威"), "Switzerland": ("switzerland", "swiss", "瑞士"), "Ireland": ("ireland", "irish", "爱尔兰"),
    "Germany": ("germany", "german", "德国"), "France": ("france", "french", "法国"), "Italy": ("italy", "意大利"),
    "Spain": ("spain", "西班牙"), "Netherlands": ("netherlands", "holland", "荷兰"), "Sweden": ("sweden", "瑞典"),
    "Poland": ("poland", "波兰"), "Belgium": ("belgium", "比利时"), "Austria": ("austria", "奥地利"),
    "Denmark": ("denmark", "丹麦"), "Portugal": ("portugal", "葡萄牙"), "Finland": ("finland", "芬兰"),
    "Alaska": ("alaska", "阿拉斯加"), "Hawaii": ("hawaii", "夏威夷"), "Puerto Rico": ("puerto rico", "波多黎各"),
    "South Africa": ("south africa", "南非"), "Israel": ("israel", "以色列"), "Turkey": ("turkey", "土耳其"),
    "Philippines": ("philippines", "菲律宾"), "Thailand": ("thailand", "泰国"), "Vietnam": ("vietnam", "越南"),
    "Malaysia": ("malaysia", "马来西亚"), "Indonesia": ("indonesia", "印度尼西亚"), "Argentina": ("argentina", "阿根廷"),
    "Chile": ("chile", "智利"), "Iceland": ("iceland", "冰岛"), "Northern Ireland": ("northern ireland", "北爱尔兰"),
    "Greece": ("greece", "greek", "希腊"), "Luxembourg": ("luxembourg", "卢森堡"), "Czechia": ("czechia", "czech republic", "捷克"),
    "Hungary": ("hungary", "匈牙利"), "Croatia": ("croatia", "克罗地亚"), "Romania": ("romania", "罗马尼亚"),
    "United Arab Emirates": ("united arab emirates", "uae", "阿联酋"),
    # States, provinces and territories, where stores set rates by them (two-letter codes count in capitals only)
    "New South Wales": ("new south wales", "nsw", "新南威尔士"), "Victoria": ("victoria", "vic", "维多利亚州"),
    "Queensland": ("queensland", "qld", "昆士兰"), "South Australia": ("south australia", "sa", "南澳"),
    "Western Australia": ("western australia", "wa", "西澳"), "Tasmania": ("tasmania", "tas", "塔斯马尼亚"),
    "Northern Territory": ("northern territory", "北领地"), "Australian Capital Territory": ("australian capital territory", "act"),
    "Ontario": ("ontario", "on", "安大略"), "Quebec": ("quebec", "québec", "qc", "魁北克"),
    "British Columbia": ("british columbia", "bc", "卑诗", "不列颠哥伦比亚"), "Alberta": ("alberta", "ab", "阿尔伯塔"),
    "Manitoba": ("manitoba", "mb", "曼尼托巴"), "Saskatchewan": ("saskatchewan", "sk", "萨斯喀彻温"),
    "Nova Scotia": ("nova scotia", "ns", "新斯科舍"), "New Brunswick": ("new brunswick", "nb", "新不伦瑞克"),
    "Newfoundland and Labrador": ("newfoundland", "labrador", "nl", "纽芬兰"),
    "Prince Edward Island": ("prince edward island", "pei", "爱德华王子岛"), "Yukon": ("yukon", "yt", "育空"),
    "Northwest Territories": ("northwest territories", "西北地区"), "Nunavut": ("nunavut", "nu", "努纳武特"),
    "Sabah": ("sabah", "沙巴"), "Sarawak": ("sarawak", "砂拉越", "砂劳越"), "Labuan": ("labuan", "纳闽"),
}
# Cities shoppers name instead of their country or state.
CITIES: dict[str, tuple[str, ...]] = {
    "Ontario": ("toronto", "ottawa", "mississauga", "hamilton", "多伦多", "渥太华"), "Quebec": ("montreal", "蒙特利尔"),
    "British Columbia": ("vancouver", "温哥华"), "Alberta": ("calgary", "edmonton", "卡尔加里", "埃德蒙顿"),
    "Sarawak": ("kuching", "miri", "古晋"), "Sabah": ("kota kinabalu", "sandakan", "亚庇"),
    "Malaysia": ("kuala lumpur", "penang", "johor bahru", "ipoh", "malacca", "melaka", "吉隆坡", "槟城", "新山"),
    "Manitoba": ("winnipeg",), "Saskatchewan": ("regina", "saskatoon"), "Nova Scotia": ("halifax",),
    "Yukon": ("whitehorse",), "Northwest Territories": ("yellowknife",), "Nunavut": ("iqaluit",),
    "United Kingdom": ("london", "manchester", "birmingham", "glasgow", "edinburgh", "leeds", "liverpool", "bristol",
                       "cardiff", "sheffield", "newcastle", "伦敦", "曼彻斯特", "爱丁堡"),
    "New South Wales": ("sydney", "newcastle nsw", "悉尼"), "Victoria": ("melbourne", "geelong", "墨尔本"),
    "Queensland": ("brisbane", "gold coast", "cairns", "布里斯班", "黄金海岸"), "Western Australia": ("perth", "broome", "珀斯"),
    "South Australia": ("adelaide", "阿德莱德"), "Tasmania": ("hobart", "launceston", "霍巴特"),
    "Northern Territory": ("darwin", "alice springs", "达尔文"), "Australian Capital Territory": ("canberra", "堪培拉"),
    "Japan": ("tokyo", "osaka", "kyoto", "东京", "大阪"),
    "China": ("beijing", "shanghai", "guangzhou", "shenzhen", "hangzhou", "chengdu", "北京", "上海", "广州", "深圳", "杭州",
              "成都", "南京", "武汉"),
    "Germany": ("berlin", "munich", "hamburg", "frankfurt", "cologne", "柏林", "慕尼黑"), "France": ("paris", "lyon", "marseille", "巴黎"),
    "New Zealand": ("auckland", "wellington", "christchurch", "queenstown", "dunedin", "奥克兰", "惠灵顿", "基督城"),
    "Ireland": ("dublin", "cork", "galway", "都柏林"), "Northern Ireland": ("belfast", "贝尔法斯特"),
    "Italy": ("rome", "milan", "罗马", "米兰"), "Spain": ("madrid", "barcelona", "马德里", "巴塞罗那"),
    "Netherlands": ("amsterdam", "rotterdam", "the hague", "utrecht", "阿姆斯特丹", "鹿特丹"), "South Korea": ("seoul", "busan", "首尔"),
    "Switzerland": ("zurich", "zürich", "geneva", "basel", "bern", "lausanne", "苏黎世", "日内瓦"),
    "Austria": ("vienna", "salzburg", "graz", "维也纳"), "Belgium": ("brussels", "antwerp", "ghent", "布鲁塞尔"),
    "Greece": ("athens", "thessaloniki", "雅典"), "Portugal": ("lisbon", "porto", "里斯本"), "Denmark": ("copenhagen", "哥本哈根"),
    "Sweden": ("stockholm", "gothenburg", "斯德哥尔摩"), "Norway": ("oslo", "bergen", "奥斯陆"), "Finland": ("helsinki", "赫尔辛基"),
    "Poland": ("warsaw", "krakow", "华沙"), "Czechia": ("prague", "布拉格"), "Hungary": ("budapest", "布达佩斯"),
    "United Arab Emirates": ("dubai", "abu dhabi", "迪拜"),
    "Singapore": ("新加坡市",), "Taiwan": ("taipei", "台北"), "Hong Kong": ("kowloon", "九龙"),
    "Hawaii": ("honolulu", "檀香山"), "Alaska": ("anchorage", "juneau", "fairbanks"),
    "United States": ("new york", "los angeles", "chicago", "seattle", "boston", "denver", "ohio", "texas", "california",
                      "miami", "houston", "dallas", "austin", "atlanta", "phoenix", "philadelphia", "san francisco",
                      "san diego", "las vegas", "detroit", "minneapolis", "nashville", "florida", "oregon", "washington state",
                      "纽约", "洛杉矶", "芝加哥", "西雅图", "旧金山", "迈阿密", "休斯顿", "波士顿", "德州", "加州"),
}
# A place inside another: a passage about the larger one speaks for it.
PART_OF: dict[str, str] = {
    **{country: "European Union" for country in (
        "Germany", "France", "Italy", "Spain", "Netherlands", "Sweden", "Poland", "Belgium", "Austria", "Denmark",
        "Portugal", "Finland", "Ireland", "Greece", "Luxembourg", "Czechia", "Hungary", "Croatia", "Romania")},
    "Alaska": "United States", "Hawaii": "United States", "Puerto Rico": "United States",
    "Northern Ireland": "United Kingdom",
    **dict.fromkeys(("New South Wales", "Victoria", "Queensland", "South Australia", "Western Australia", "Tasmania",
                     "Northern Territory", "Australian Capital Territory"), "Australia"),
    **dict.fromkeys(("Ontario", "Quebec", "British Columbia", "Alberta", "Manitoba", "Saskatchewan", "Nova Scotia",
                     "New Brunswick", "Newfoundland and Labrador", "Prince Edward Island", "Yukon", "Northwest Territories",
                     "Nunavut"), "Canada"),
    **dict.fromkeys(("Sabah", "Sarawak", "Labuan"), "Malaysia"),
}
PAYMENT_METHODS: dict[str, tuple[str, ...]] = {
    "Visa": ("visa",), "Mastercard": ("mastercard", "master card"), "American Express": ("american express", "amex"),
    "Discover": ("discover card",), "PayPal": ("paypal",), "Apple Pay": ("apple pay",), "Google Pay": ("google pay",),
    "Alipay": ("alipay", "支付宝"), "WeChat Pay": ("wechat pay", "wechat", "微信支付", "微信"), "Klarna": ("klarna",),
    "Afterpay": ("afterpay",), "Venmo": ("venmo",), "Bitcoin": ("bitcoin", "crypto", "cryptocurrency", "cryptocurrencies", "比特币", "加密货币"),
    "Union Pay": ("unionpay", "union pay", "银联"), "Cash on delivery": ("cash on delivery", "cod", "货到付款"),
    "Bank transfer": ("bank transfer", "wire transfer", "银行转账"), "Cheque": ("cheque", "check payment", "支票"),
    "Affirm": ("affirm",), "Zelle": ("zelle",), "Shop Pay": ("shop pay",), "iDEAL": ("ideal",),
}
ENTITY_KINDS: dict[str, dict[str, tuple[str, ...]]] = {"place": COUNTRIES, "payment": PAYMENT_METHODS}

# Product fact labels that state the same fact in different catalogs.
SAME_FACT: dict[str, str] = {"ip rating": "water rating", "waterproof rating": "water rating", "max load": "capacity",
                             "battery life": "runtime", "run time": "runtime", "colors": "colours", "color": "colours"}

# Templates for answers written to a Chinese shopper.
ZH_FIELD_NAMES: dict[str, str] = {
    "Play time": "游戏时长", "Players": "玩家人数", "Age": "适用年龄", "Pieces": "片数",
    "Price": "价格", "Availability": "库存", "Out of stock": "缺货", "Sizes": "尺码", "Colours": "颜色", "Waterproof": "防水",
    "Warranty": "保修", "Weight": "重量", "Material": "材质", "Capacity": "容量", "Temperature rating": "温度等级",
    "Battery life": "续航", "Rain cover": "防雨罩", "Category": "类别", "Insulation": "填充", "Waterproof rating": "防水指数",
    "Gender": "适用人群", "Use": "用途", "Seasons": "季节", "Width": "鞋楦宽度", "Drop": "前后掌落差",
    "Ip rating": "防水等级", "Water rating": "防水等级", "Volume": "容量", "Vegan": "纯素", "Fragrance free": "无香精",
    "Made in": "产地", "Country of origin": "产地", "Hardness": "硬度", "Dimensions": "尺寸", "Power": "功率",
    "Wattage": "功率", "Dishwasher safe": "可放洗碗机", "Blade length": "刃长", "Length": "长度", "Size": "尺寸",
    "Max load": "最大承重", "Runtime": "续航", "Fill": "蓬松度", "Main protein": "主要蛋白", "Species": "适用宠物",
    "Life stage": "适用阶段", "Breed size": "适用体型", "Bag weight": "包装重量", "Grain free": "无谷", "Tank volume": "容积",
    "Filter": "过滤器", "Heater": "加热棒", "Lighting": "灯光", "Washable": "清洗方式", "Brightness": "亮度",
    "Suitable dog weight": "适用狗狗体重", "Suitable cat weight": "适用猫咪体重", "Chew resistant rating": "耐咬等级",
}


# A yes-or-no field named by what the product does ("Ships to canada", "Floats"), not by what it is ("Waterproof")
LABEL_VERB = re.compile(r"(ship|float|fold|fit|include|come|work|need|require)s\b", re.I)


PARENTHESES = re.compile(r"\s*[(（][^)）]*[)）]")  # an aside in brackets: "(free from $150)"
# "in a long", "the long one": a size, not "how long"
LONG_AS_SIZE = re.compile(r"\b(?:a|in|the)\s+long\b(?!\s+(?:time|way|while|trip|weekend|day|days|drive|walk|hike))", re.I)
PLACE_QUALIFIER = r"(?:contiguous|continental|mainland|lower 48|inner|outer|metro|metropolitan|rural)"  # "the contiguous US"


def with_chinese_place(text: str) -> str:
    """"Germany" -> "德国（Germany）": a country a product fact names, said in Chinese too."""
    for country, aliases in COUNTRIES.items():
        chinese = next((a for a in aliases if has_cjk(a)), None)
        if chinese and re.search(rf"\b{re.escape(country)}\b", text) and chinese not in text:
            text = re.sub(rf"\b{re.escape(country)}\b", f"{chinese}（{country}）", text, count=1)
    return text


def detect_language(text: str) -> str:
    """'zh' when the text is mostly Chinese characters, or asks in Chinese about a product named in Latin letters
    ("Insulated Bottle 750 保冷能保多久？"), else 'en'."""
    cjk = len(CJK.findall(text))
    letters = sum(ch.isalpha() for ch in text)
    return "zh" if cjk and (cjk >= 0.3 * max(letters, 1) or ZH_ASKING.search(text)) else "en"


# Chinese words that only a question written in Chinese holds, whatever names it spells in Latin letters
ZH_ASKING = re.compile(r"[吗呢吧嘛]|多少|多久|多重|多大|几[个天年种款]|什么|怎么|哪[个些款里]|能不能|可以|有没有|是不是|请问|我|你们")


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


for _country, _cities in CITIES.items():
    COUNTRIES[_country] = COUNTRIES[_country] + _cities
CITY_NAMES = frozenset(city for cities in CITIES.values() for city in cities)


UNMISTAKABLE_ABBREVIATIONS = frozenset({"uk", "usa", "uae", "eu"})


def _alias_pattern(alias: str) -> re.Pattern:
    if has_cjk(alias):
        return re.compile(re.escape(alias))
    # "US" and "ON" only in capitals ("us" is a pronoun), but "the uk" is the UK
    case = 0 if len(alias) <= 3 and alias.isalpha() and alias not in UNMISTAKABLE_ABBREVIATIONS else re.I
    return re.compile(rf"(?<![\w.]){re.escape(alias.upper() if not case else alias)}(?![\w])", case)


_ENTITY_PATTERNS: list[tuple[str, str, re.Pattern]] = [
    (kind, name, _alias_pattern(alias))
    for kind, names in ENTITY_KINDS.items() for name, aliases in names.items() for alias in (name.lower(), *aliases)
]


def _outside_pattern(alias: str) -> re.Pattern:
    if has_cjk(alias):
        return re.compile(rf"{re.escape(alias)}(?:以外|之外|境外)")
    case = 0 if len(alias) <= 3 and alias.isalpha() else re.I
    written = alias.upper() if not case else alias
    return re.compile(rf"(?i:\boutside (?:of )?(?:the )?){re.escape(written)}(?![\w])", case)


# "Outside the United States" speaks about every place but that one.
OUTSIDE = "outside "
# "We do not currently ship to other countries" speaks about every place it does not name.
ELSEWHERE = "elsewhere"
_ELSEWHERE = re.compile(r"\b(?:to |in )?(?:any |all )?other (?:countries|country|destinations)\b|\belsewhere\b"
                        r"|\brest of the world\b|其他国家|其他地区|其它国家", re.I)
_OUTSIDE_PATTERNS = [(name, _outside_pattern(alias)) for name, aliases in COUNTRIES.items() for alias in (name.lower(), *aliases)]
# "... like it is for US customers": a place named to compare with is not the place asked about.
_REFERENCE_PLACE = re.compile(
    r"\b(?:another|other|a different|some)\s+(?:[A-Z][\w.]*\s+){1,2}(?:shops?|stores?|retailers?|websites?|sites?|sellers?"
    r"|competitors?)\b|\b(?:like|as|unlike|same as)\s+(?:it\s+is\s+|it's\s+|they\s+are\s+|you\s+do\s+)?(?:for|in|with|to)\s+(?:the\s+)?"
    r"(?:[A-Z][\w.]*\s*){1,3}(?:customers|shoppers|orders|people|residents|buyers)?|(?:像|和|跟)[^，,。？?]{1,8}一样", re.U)


def without_references(text: str) -> str:
    """The text without the places it names only to compare with ("... like it is for US customers")."""
    return _REFERENCE_PLACE.sub(" ", text)


def entities(text: str) -> dict[str, set[str]]:
    """Places and payment methods named in ``text``, by kind: {"place": {"Canada"}}; a place the text names only
    to compare with is left out, and "outside Canada" is the place "outside Canada"."""
    return {kind: set(names) for kind, names in _entities(text)}


@lru_cache(maxsize=65_536)  # the same passage sentences are read for many questions
def _entities(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    text = without_references(text)
    found: dict[str, set[str]] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    for kind, name, pattern in _ENTITY_PATTERNS:
        for match in pattern.finditer(text):
            found.setdefault(kind, set()).add(name)
            spans.setdefault(name, []).append(match.span())
    # "Western Australia" names a state, not the whole country its name holds
    inside = {name for name, own in spans.items() if all(any(o != name and a <= start and end <= b and (a, b) != (start, end)
                                                             for o, others in spans.items() for a, b in others)
                                                         for start, end in own)}
    for names in found.values():
        names -= inside
    for name, pattern in _OUTSIDE_PATTERNS:
        if pattern.search(text):
            found.setdefault("place", set()).add(OUTSIDE + name)
    if _ELSEWHERE.search(text):
        found.setdefault("place", set()).add(ELSEWHERE)
    return tuple((kind, frozenset(names)) for kind, names in found.items())


# The places a word names ("manchester" -> United Kingdom): a text covers the word when it speaks about the place.
PLACES_OF_WORD: dict[str, set[str]] = {}
for _name, _aliases in COUNTRIES.items():
    for _alias in (_name.lower(), *_aliases):
        if " " not in _alias and _alias != "us":  # "us" is a pronoun as often as a country
            PLACES_OF_WORD.setdefault(_alias, set()).add(_name)
        elif " " in _alias and not has_cjk(_alias):  # "puerto rico", one key term of a question (see place_names)
            PLACES_OF_WORD.setdefault(_alias, set()).add(_name)
_PLACE_OF_WORDS = re.compile(rf"(?<![a-z])(?:{'|'.join(sorted((re.escape(a) for a in PLACES_OF_WORD if ' ' in a), key=len, reverse=True))})(?![a-z])")


def place_names(text: str) -> list[str]:
    """The names of places of more than one word a text holds: "puerto rico" of "and to Puerto Rico?"."""
    return _PLACE_OF_WORDS.findall(text.lower())


# A model code: letters and digits together ("z5", "x-m2", "dp-300"); it names a product line on its own.
MODEL_CODE = re.compile(r"(?=[a-z-]*\d)(?=\d*[a-z])[a-z\d-]{2,8}")


def place_aliases(text: str) -> set[str]:
    """The words a text names places with, as written ("amsterdam", not the Netherlands it lies in)."""
    return {alias for kind, _, pattern in _ENTITY_PATTERNS if kind == "place" for match in pattern.finditer(text)
            for alias in (match.group(0).lower(),)}


def names_entity(word: str) -> bool:
    """Is the word a name of a place or payment method ("amex", "toronto", "支付宝")?"""
    return bool(_entities(word))


def covers_entity(named: set[str], wanted: str) -> bool:
    """Does a text naming ``named`` speak about ``wanted`` (itself, the region it belongs to, or everywhere
    outside a place it is not in)?"""
    if wanted in named or PART_OF.get(wanted) in named:
        return True
    if ELSEWHERE in named:
        return True
    return any(n.startswith(OUTSIDE) and n[len(OUTSIDE):] not in (wanted, PART_OF.get(wanted)) for n in named)


INTERNATIONAL = re.compile(r"\binternational\b|\boverseas\b|\babroad\b|国际|海外|境外", re.I)
# Words that deny each other: "free" is not answered yes by "paid by the customer".
# Settings, ends and sides that exclude each other: "on its highest setting" is not answered by "60 hours on low".
CONTRARIES: dict[str, re.Pattern] = {
    word: re.compile(rf"\b(?:{other})\b", re.I) for word, other in (
        ("high", "low|lowest"), ("highest", "low|lowest"), ("low", "high|highest|max"), ("lowest", "high|highest|max"),
        ("max", "low|lowest|min|minimum"), ("maximum", "low|lowest|min|minimum"), ("minimum", "max|maximum|high|highest"),
        ("front", "rear|back"), ("rear", "front"), ("summer", "winter"), ("winter", "summer"),
        ("men", "women|women's|womens"), ("mens", "women|women's|womens"), ("women", "men|men's|mens"),
        ("womens", "men|men's|mens"), ("adult", "kids|kids'|children|child|youth"), ("adults", "kids|kids'|children|youth"),
        ("kids", "adult|adults|men's|women's"), ("children", "adult|adults"),
        ("already", "before|until"),  # "if it already shipped" is not "... before it ships"
    )
}
OPPOSITES: dict[str, re.Pattern] = {
    "free": re.compile(r"\b(?:paid|pays?|charged?|charges|costs?|fees?)\b", re.I),
    "免费": re.compile(r"承担|支付|收取|自付|自理|费用由"),
    # "is there a fee to swap sizes?" against "Exchanges for another size are free"
    **dict.fromkeys(("fee", "fees", "charge", "charged"), re.compile(r"\bfree\b|\bno (?:charge|fee)\b", re.I)),
    **dict.fromkeys(("收费", "收钱", "要钱"), re.compile(r"免费")),
    # "are duties already included?" against "Import duties are paid by the recipient on delivery"
    **dict.fromkeys(("included", "include", "includes"), re.compile(
        r"\b(?:paid|payable) by the (?:recipient|customer|buyer|shopper)\b|\bnot included\b|\bextra\b", re.I)),
    **dict.fromkeys(("包含", "包括", "含"), re.compile(r"由收件人|收件人支付|由买家|另付|不含|不包括|不包含")),
    # "will I have to pay duties in Vancouver?" against "Canadian orders include duties at checkout"
    **dict.fromkeys(("pay", "pays", "交", "缴", "另付"), re.compile(r"\b(?:include|includes|included)\b|\bnothing (?:is|to) (?:due|pay)\b"
                                                            r"|已含|已包含|包含", re.I)),
    "twice": re.compile(r"\bonce\b", re.I), "both": re.compile(r"\bonce per\b|\bonly one\b", re.I),
    "两次": re.compile(r"一次"),
    # "I opened it" against "... as long as it is unopened": the condition is not met.
    "opened": re.compile(r"\bunopened\b|\bunused\b|\bsealed\b", re.I), "used": re.compile(r"\bunused\b|\bunopened\b", re.I),
    "worn": re.compile(r"\bunworn\b|\bunused\b", re.I), "已开封": re.compile(r"未开封|未拆封|未使用"),
    "拆封": re.compile(r"未开封|未拆封|未使用"),
}


_SYNONYMS: dict[str, frozenset[str]] = {}
for _group in SYNONYM_GROUPS:
    for _word in _group:
        _SYNONYMS[_word] = _SYNONYMS.get(_word, frozenset()) | _group


# Terms of several words a shopper uses as one ("gift card", "rain cover", "price match")
_TERM_OF_WORDS = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(
    (w for w in _SYNONYMS if " " in w and w.isascii()), key=len, reverse=True))) + r")(?!\w)", re.I)


def words_only_in_terms(text: str, besides: str) -> set[str]:
    """The words ``text`` says only inside a term of several words that ``besides`` does not say ("gift" of "Gift cards
    cannot be returned" beside "bought it as a Christmas gift")."""
    said = set(re.findall(r"[\w']+", besides.lower())) | {m.group(0).lower() for m in _TERM_OF_WORDS.finditer(besides)}
    terms = [m.group(0).lower() for m in _TERM_OF_WORDS.finditer(text) if not synonyms(m.group(0).lower()) & said]
    outside = set(re.findall(r"[\w']+", _TERM_OF_WORDS.sub(" ", text.lower())))
    return {word for term in terms for word in term.split()} - outside


def _place_names(name: str) -> frozenset[str]:
    # Two- and three-letter aliases ("us", "eu") are left out: as plain words they are pronouns and more.
    return frozenset(a for a in (name.lower(), *COUNTRIES[name]) if len(a) > 3 or has_cjk(a))


for _method, _aliases in PAYMENT_METHODS.items():  # "bitcoin" is answered by a sentence about cryptocurrency
    _names_of_method = frozenset(a for a in (_method.lower(), *_aliases) if len(a) > 3 or has_cjk(a))
    for _word in _names_of_method:
        _SYNONYMS[_word] = _SYNONYMS.get(_word, frozenset()) | _names_of_method

for _place in COUNTRIES:  # a place is named in either language, and a region speaks for the places inside it
    _names_of_place = _place_names(_place) | (_place_names(PART_OF[_place]) if _place in PART_OF else frozenset())
    for _word in _place_names(_place):
        _SYNONYMS[_word] = _SYNONYMS.get(_word, frozenset()) | _names_of_place


ENGLISH_WAYS = 3  # English words searched for each Chinese term


def english_words(term: str) -> frozenset[str]:
    """The single English words that say a term ("发货" -> ship, shipped, delivery ...); a compound like "sd card" is
    left out."""
    return frozenset(w for w in synonyms(term) if w.isascii() and " " not in w)


def in_english(terms: Iterable[str]) -> str:
    """The English words that say a Chinese question's terms ("礼品卡 退款" -> "gift card refund"), for a search of a
    store whose policies are English; words without a known English one are left out."""
    said = [sorted((w for w in synonyms(t) if w.isascii()), key=lambda w: (" " in w, -general_frequency(w), w))[:ENGLISH_WAYS]
            for t in terms if has_cjk(t)]
    return " ".join(dict.fromkeys(w for ways in said for w in ways))


def synonyms(word: str) -> frozenset[str]:
    """The word and every word that means the same to a shopper, in either spelling ("jewelry", "jewellery")."""
    return _SYNONYMS.get(word, frozenset()) | {word} | spelling_variants(word)


# British and American spellings of one word: "-ise"/"-ize", "-our"/"-or", "-tre"/"-ter", "-elled"/"-eled",
# "-ogue"/"-og", "-ellery"/"-elry". A variant counts only where it is a word in its own right (so "detour" has none).
_SPELLINGS = (
    (r"(?<=\w{4})is(e|es|ed|ing|ation|ations)$", r"iz\1"), (r"(?<=\w{4})iz(e|es|ed|ing|ation|ations)$", r"is\1"),
    (r"(?<=\w{2})our(s|ed|ing|ite|ites|able|ful)?$", r"or\1"), (r"(?<=\w{2}[^aeiou])or(s|ed|ing|ite|ites|able|ful)?$", r"our\1"),
    (r"(?<=\w{2}[tb])re(s|d)?$", r"er\1"), (r"(?<=\w{2}[tb])er(s|ed)?$", r"re\1"),
    (r"(?<=\w{2})ell(ed|ing|er|ers)$", r"el\1"), (r"(?<=\w{2}[^l])el(ed|ing|er|ers)$", r"ell\1"),
    (r"(?<=\w{3})ogue(s)?$", r"og\1"), (r"(?<=\w{3})og(s)?$", r"ogue\1"),
    (r"ellery$", "elry"), (r"elry$", "ellery"), (r"^grey$", "gray"), (r"^gray$", "grey"),
    (r"^aluminium$", "aluminum"), (r"^aluminum$", "aluminium"), (r"^instalment(s?)$", r"installment\1"),
    (r"^installment(s?)$", r"instalment\1"), (r"^pyjamas$", "pajamas"), (r"^pajamas$", "pyjamas"),
)
SPELLING_WORD = 3.0  # Zipf: a variant this common is a word people write ("instalment" 3.0; "flor" 2.7 is none)


@lru_cache(maxsize=16_384)
def spelling_variants(word: str) -> frozenset[str]:
    """The other spelling of an English word, where it has one: "jewelry" -> "jewellery", "color" -> "colour"."""
    if not word.isascii() or not word.isalpha() or len(word) < 4:
        return frozenset()
    found = {re.sub(pattern, replacement, word) for pattern, replacement in _SPELLINGS if re.search(pattern, word)}
    return frozenset(v for v in found if v != word and general_frequency(v) >= SPELLING_WORD)


_WH = re.compile(r"\b(?:what|what's|whats|which|how|where|when|why|who|whom|whose)\b|什么|哪|怎么|如何|多少|几|谁", re.I)
_AUX_SUBJECT = re.compile(r"\b(?:can|could|do|does|did|is|are|will|would|should|am|may|has|have)\s+(?:i|you|we|they|it|he|she|my"
                          r"|the|this|that|these|those|there|u)\b", re.I)
_TAG = re.compile(r"\b(?:right|correct|ok|okay|yes or no|true)\s*\?\s*$|\bis that (?:ok|okay|right|true|allowed)\b", re.I)


def is_yes_no(question: str) -> bool:
    """"Can I ...?", "If I return them, can I ...?", "klarna for a $35 headlamp?", "..., right?", "可以退吗？"."""
    if YES_NO_EN.search(question) or YES_NO_ZH.search(question) or _TAG.search(question) or ZH_QUESTION_TAIL.search(question):
        return True
    if _WH.search(question) or has_cjk(question) or _FACT_OF.match(question):
        return False  # a Chinese question without 吗 ("那退货呢？"); "R value of the camp mat?" asks for the value
    return bool(_AUX_SUBJECT.search(question)) or question.rstrip().endswith("?")


_FACT_OF = re.compile(r"\s*(?:the\s+)?(?:price|cost|weight|r[- ]?value|size|sizes|capacity|warranty|dimensions|length|height"
                      r"|width|rating|battery life|colou?rs?|material|temp(?:erature)? rating)\s+(?:of|on|for)\s+(?:the|your|this|that)\b", re.I)
_NO_COST = re.compile(r"\b(?:at )?no (?:cost|charge|extra|additional|fee|fees)\b|\bno more than\b|\bnot only\b", re.I)


def is_negative(sentence: str) -> bool:
    """Does the sentence deny? "at no cost" and "no more than" do not."""
    return bool(NEGATION.search(_NO_COST.sub(" ", sentence)))


def addressed_to_staff(sentence: str, heading: str = "") -> bool:
    return bool(STAFF_SENTENCE.search(sentence) or (heading and STAFF_HEADING.search(heading)))


@lru_cache(maxsize=65_536)
def general_frequency(word: str) -> float:
    """How common a word is in everyday language, on the Zipf scale (about 1 = rare to 7 = "the")."""
    return zipf_frequency(word, "zh" if has_cjk(word) else "en")


COMPOUND_TAIL = 5  # the fewest letters of the everyday word a compound ends in ("houseplants" -> "plants")


@lru_cache(maxsize=1024)  # asked per category word of every named product
def compound_tail(word: str) -> str | None:
    """The everyday word a longer, rarer word ends in: "houseplants" -> "plants" (none for "guitars")."""
    for start in range(2, len(word) - COMPOUND_TAIL + 1):
        tail = word[start:]
        if general_frequency(tail) >= COMMON_WORD and general_frequency(tail) > general_frequency(word):
            return tail
    return None


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
MISSPELLING_GAIN = 1.5  # a spelling one edit away is this much commoner (Zipf scale): the word is a typo of it
COMMON_WORD = 4.0  # ... and an everyday word: "resole" is no typo of "resolve"


@lru_cache(maxsize=4096)
def misspelt(word: str) -> bool:
    """"seperately", "recieve": an English word one edit away from a far commoner one."""
    if len(word) < 5 or not word.isalpha() or not word.isascii():
        return False
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {a + b[1:] for a, b in splits if b} | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1} \
        | {a + c + b[1:] for a, b in splits if b for c in _LETTERS} | {a + c + b for a, b in splits for c in _LETTERS}
    edits.discard(word)
    own = general_frequency(word)
    return any(general_frequency(e) >= max(own + MISSPELLING_GAIN, COMMON_WORD) for e in edits if e[:1] == word[:1])


def specificity(word: str) -> float:
    """0.15 for everyday words ("getting", "exactly") up to 1.0 for specific ones ("clearance", "wrapping")."""
    return max(0.15, min(1.0, (6.5 - general_frequency(word)) / 3))

# Words before a kind of product that say what it is for ("winter camping sleeping pad"), not what it has: a product
# that does not say them may still do, and the reply says the use was not checked.
USE_WORDS = frozenset("winter summer spring autumn fall camping backpacking hiking trekking travel travelling everyday "
                      "outdoor outdoors festival beach".split())
# A question for more choices than the one in view: "does it come in any other colours?", "还有别的颜色吗".
OTHER_CHOICES = re.compile(r"\b(?:any other|other|another|different|more)\s+(?:colou?rs?|sizes?|options?|versions?|lengths?"
                           r"|styles?)\b|(?:其他|其它|别的)(?:颜色|尺码|款式)", re.I)
# A shopper past a time window ("if I miss that window", "it's been 3 hours since I ordered") and a sentence for
# that case ("If more than 60 minutes have passed, ...").
LATE_CASE = re.compile(r"\bmiss(?:ed)?\b|\btoo late\b|\b(?:it'?s|it has|its) been\b|错过|超过了|过了", re.I)
STATES_LATE = re.compile(r"\bhave passed\b|\bhas passed\b|\bmore than \d+\s*\w+ (?:have|has)\b|\bafter (?:that|the \w+)\b"
                         r"|\bonce .{0,30}\bexpired?\b|超过|过了", re.I)
# A word before a kind of product that asks for a feature by another name: a "rain jacket" is a waterproof one.
QUALIFIER_MEANS = {"rain": "waterproof"}
# Conditions a product must be rated for, in the grade stores list: a tent "that can handle snow" is a 4-season one.
RATED_FOR = ((re.compile(r"\bsnow(?:y|fall)?\b|\bblizzards?\b|抗雪|雪地|下雪", re.I), "4-season"),)
# Measures that grade a product rather than bound it: "a 4.5 tog duvet" asks for that warmth, not 4.5 or more.
GRADES = frozenset({"tog"})
# English phrases that ask for a feature by another name: "a rug I can chuck in the washing machine".
FEATURE_PHRASES = {"washing machine": "machine washable", "machine wash": "machine washable",
                   "in the dishwasher": "dishwasher safe"}
# "safe for my dog", "my cats chew everything", "对猫安全": a product a pet may live with, which a store calls
# "pet safe" or "pet friendly"
PET_SAFETY = re.compile(rf"\bsafe (?:for|with|around) (?:my |our |the |your )?{_PETS}\b"
                        rf"|\b{_PETS} (?:chew|chews|eat|eats|nibble|nibbles)\b"
                        r"|对(?:猫|狗|宠物)(?:咪|狗)?(?:也)?安全|宠物安全", re.I)
# Who a shopper goes with ("a tent to share with friends"): company, not a feature of the product.
COMPANY_WORDS = frozenset("friends friend family kids partner partners people others buddies".split())
# Who a product is for, as shoppers say it.
AUDIENCE_WORDS: dict[str, re.Pattern] = {
    "kids": re.compile(r"\b(?:kids?|kid's|child|children|children's|boys?|girls?|son|daughter|toddlers?|youth|junior"
                       r"|nephew|niece|grandson|granddaughter|grandkids?)\b|\b\d{1,2}\s*(?:yo|y/o|yrs? old)\b"
                       # "my 6 year old" is a child; "my 7 yr old pack" is an old pack
                       r"|\b\d{1,2}[- ]?(?:years?|yrs?)[- ]?old\b(?!\s+(?!(?:for|who|and|to|at|in|is|that|on|needs|wants|has|loves|likes|will|would|can|does|gets|goes)\b)[a-z])"
                       r"|儿童|孩子|小孩|小朋友|童装|童鞋|\d+\s*岁", re.I),
    "women": re.compile(r"\b(?:women|woman|women's|womens|ladies|lady|gal|wife|girlfriend|mom|mother)\b|女士|女款|女式|女生|女朋友|老婆|妻子|妈妈", re.I),
    "men": re.compile(r"\b(?:men|man|men's|mens|guy|guys|husband|boyfriend|dad|father)\b|男士|男款|男式|男生|男朋友|老公|丈夫|爸爸", re.I),
}
# Measures a shopper may bound, and how to read them: unit words -> (measure, factor to the base unit).
UNITS: dict[str, tuple[str, float]] = {
    "l": ("volume", 1.0), "litre": ("volume", 1.0), "litres": ("volume", 1.0), "liter": ("volume", 1.0),
    "liters": ("volume", 1.0), "升": ("volume", 1.0), "ml": ("volume", 0.001), "毫升": ("volume", 0.001),
    "g": ("mass", 1.0), "grams": ("mass", 1.0), "gram": ("mass", 1.0), "克": ("mass", 1.0), "kg": ("mass", 1000.0),
    "公斤": ("mass", 1000.0), "°c": ("temperature", 1.0), "c": ("temperature", 1.0), "度": ("temperature", 1.0),
    "lumens": ("light", 1.0), "lumen": ("light", 1.0), "流明": ("light", 1.0), "mah": ("charge", 1.0),
    "hours": ("hours", 1.0), "hour": ("hours", 1.0), "小时": ("hours", 1.0), "r-value": ("r-value", 1.0),
    "person": ("people", 1.0), "people": ("people", 1.0), "persons": ("people", 1.0), "人": ("people", 1.0),
    "tog": ("tog", 1.0), "togs": ("tog", 1.0), "托": ("tog", 1.0), "gsm": ("gsm", 1.0),
    "year": ("years", 1.0), "years": ("years", 1.0), "yr": ("years", 1.0), "yrs": ("years", 1.0), "年": ("years", 1.0),
    "oz": ("ounces", 1.0), "lb": ("mass", 453.6), "lbs": ("mass", 453.6), "pounds": ("mass", 453.6),
    "gb": ("storage", 1.0), "tb": ("storage", 1000.0),
}
# Words after a number that make it a measure, not a price.
_MEASURES_AFTER_NUMBERS = {
    *UNITS, "lumen", "grams", "g", "kg", "mm", "cm", "m", "km", "inch", "inches", "ft", "feet", "oz", "lb", "lbs", "%",
    "°", "days", "day", "weeks", "week", "months", "month", "years", "year", "yr", "yrs", "minutes", "min", "mins",
    "seconds", "players", "player", "pieces", "piece", "pcs", "ppl", "people", "percent", "天", "片", "岁", "年", "个月",
    "分钟", "周",
}
MEASURE_WORDS = "|".join(re.escape(w) for w in sorted(_MEASURES_AFTER_NUMBERS, key=len, reverse=True))
# What a superlative sorts by, and which way: "the cheapest" is the lowest price first, "the warmest" the coldest rating.
SUPERLATIVE_ORDER: dict[str, tuple[tuple[str, bool], ...]] = {  # the measures that rank, in turn; True: highest first
    "cheapest": (("price", False),), "最便宜": (("price", False),), "lightest": (("mass", False),), "最轻": (("mass", False),),
    "warmest": (("temperature", False), ("r-value", True)), "最暖和": (("temperature", False), ("r-value", True)),
    "smallest": (("volume", False),), "biggest": (("volume", True),), "brightest": (("light", True),),
    "最亮": (("light", True),),
}
SUPERLATIVE = re.compile(r"\b(?:cheapest|lightest|warmest|smallest|biggest|brightest|best|toughest)\b|最便宜|最轻|最暖和|最亮|最好",
                         re.I)
# Activities a product is made for: a request names one, the product's name, description or use must too.
ACTIVITIES: dict[str, tuple[str, str]] = {
    # what the shopper says -> what the product says
    "hiking": (r"\bhik(?:e|es|ing)\b|徒步|登山", r"hik(?:e|ing)|trek|徒步|登山"),
    "trail running": (r"\btrail[- ]?run(?:ning|ner|ners)?\b|越野跑", r"trail[- ]?run|越野跑"),
    "running": (r"(?<!trail )(?<!trail-)\brunn(?:ing|ers?)\b|(?<!越野)跑步|(?<!越野)跑鞋|路跑|慢跑", r"\brunn(?:ing|er)|\bracing\b|\bracer\b|跑"),
    "climbing": (r"\bclimb(?:ing|ers?)\b|攀岩", r"climb|攀岩"),
}
# What a store question is about when it is not about products: "tent warranty", "backpack return policy" name a
# kind of product without asking for one.
POLICY_TOPICS = re.compile(
    r"\b(?:warrant(?:y|ies)|guarantee|returns?|refunds?|exchanges?|shipping|ship|postage|dispatch|delivery|deliver|policy|policies"
    r"|price match|payment|pay|orders?|cancel|privacy|gift cards?|discounts?|coupons?|repairs?|claims?|freight|parcels?"
    r"|delivered|assembly|assembled|pick ?up|send (?:\w+ )?back|trade[- ]?ins?|rent(?:al|als|ing)?|hire)\b"
    r"|保修|质保|退货|退款|换货|能退|可以退|退吗|运费|配送|发货|政策|付款|订单|下单|取消|隐私|礼品卡|优惠|送货|安装|修改|更改"
    r"|寄(?:过来|过去|到|往|回)|能寄|可以寄|发到|运到"
    r"|以旧换新|置换|租", re.I)
# The words that make a question one about the store's rules (narrower than POLICY_TOPICS: in "12月初下单的" the
# ordering tells the shopper's case, it is not what is asked)
POLICY_WORDS = re.compile(r"\b(ship|shipping|send|deliver|delivery|return|refund|exchange|swap|warranty|setup|pay|payment"
                          r"|cancel|order)\w*|运费|配送|寄|退货|换货|退款|保修|付款|订单", re.I)
# A Chinese reference to one product: "青山那款双人四季帐篷", "这款头灯".
THAT_ONE = re.compile(r"那款|这款|那一款|这一款")
# "made in Japan", "日本产的刀", "加拿大本地生产的": where a product must come from (the place is read by entities()).
MADE_IN = re.compile(r"\b(?:made|manufactured|produced|built)(?: here| locally)? in\b|(?:产|生产|制造|制)的|原产|本地生产", re.I)
# How the shopper paid: "paid for my boots with a gift card", "用礼品卡付的钱" (the method, not an item bought).
PAID_WITH = re.compile(r"\bpaid (?:for (?:it|them|my [\w ]+?) )?(?:with|by|using|on) (?:a |an |my |the )?([\w ]+?)(?=[,.?!;]|$| and\b| if\b)"
                       r"|用([\u4e00-\u9fff]{2,6}?)(?:付款|支付|付的|付钱|买的|结账)", re.I)
# Where a refund goes ("back to my visa", "refunded to a new gift card", "退回到原支付方式"): one kind per entry.
REFUND_DESTINATIONS: dict[str, tuple[str, ...]] = {
    "gift card": ("gift card", "gift-card", "礼品卡"),
    "store credit": ("store credit", "credit note", "account credit", "店铺积分", "积分", "余额"),
    "card": ("bank card", "credit card", "debit card", "card", "visa", "mastercard", "amex", "银行卡", "信用卡", "借记卡", "卡"),
    "paypal": ("paypal",),
    "original payment": ("original payment", "original method", "same payment", "原支付方式", "原付款方式", "原路"),
}
_REFUNDED_TO = re.compile(r"\b(?:back to|refunded to|refunds? (?:go|goes|went) (?:back )?to|go(?:es)? (?:back )?to|credited to"
                          r"|returned to|issued (?:as|to)|onto)\s+([^.?!;,]{2,40})|(?:退回到?|退到|退至|回到|返还到?)([^。？！；，]{2,12})", re.I)


def refund_destination(text: str) -> str | None:
    """Where the text says a refund goes: "gift card", "store credit", "card", "paypal", "original payment"."""
    for match in _REFUNDED_TO.finditer(text):
        said = next(g for g in match.groups() if g).lower()
        found = [(said.find(alias), kind) for kind, aliases in REFUND_DESTINATIONS.items() for alias in aliases
                 if re.search(rf"(?<![a-z]){re.escape(alias)}(?![a-z])", said)]
        if found:
            return min(found)[1]  # the one said first: "a new gift card" is no card
    return None


# "Do I get all my money back?" asks for the whole amount; "refunded minus a 10% restocking fee" gives less.
FULL_ASKED = re.compile(r"\bfull (?:refund|amount|price)\b|\ball (?:of )?(?:my|the) money\b|\bevery (?:cent|penny)\b"
                        r"|\bwhole amount\b|全额|全款|全部退", re.I)
DEDUCTED = re.compile(r"\bminus\b|\bless (?:a|an|the)\b|\bdeduct\w*|\brestocking fee\b|\bpartial\b"
                      r"|(?<![\d.])(?:[1-9]\d?)\s?% (?:refund|of the)\b|扣除|部分退款", re.I)
# A question about one product the shopper has in mind, not a request for products: "is the Kaito santoku stainless
# steel?", "what temp is the half sheet pan oven safe up to?", "Brenner 那把主厨刀是哪国产的？".
ASKS_ABOUT_ONE = re.compile(r"^\s*(?:is|are|does|can|will|what|what's|whats|how|where|do(?! you (?:have|sell|carry|stock)))"
                            r"\b[^?]*?\bthe\b|那把|这把|那台|这台", re.I)
# The shopper's own order, spoken of: "into my order", "我的订单".
OWN_ORDER = re.compile(r"\b(?:my|our) (?:order|purchase)s?\b|我的订单", re.I)
# A request that names a kind of product and what it is for or like: "lightweight backpack for day hikes".
DESCRIBED_WANT = re.compile(r"\b(?:for|that(?:'s| is| are)?|with|enough)\b|适合|用来|用于", re.I)


# "A bag for below freezing", "零下温度能用的睡袋": rated under 0 °C.
BELOW_ZERO = re.compile(r"\b(?:below|under) (?:zero|freezing)\b|\bsub-?zero\b|零下(?!\s*-?\d)", re.I)
# "A warm jacket": a product is warm when it is insulated, or says it is warm.
WARMTH_ASKED = re.compile(r"\bwarm\b|保暖", re.I)  # not "the warmest": that ranks, it does not filter
WARMTH_SAID = re.compile(r"\b(?:warm|insulated|insulation|down|fleece|puffer|thermal)\b|保暖|羽绒|抓绒|加绒", re.I)

# Words for what kind of product a shopper wants; the product's name, description or category must say it.
PRODUCT_KINDS = ("headlamp", "lantern", "jacket", "tent", "tarp", "backpack", "daypack", "sandal", "boot", "shoe", "sock",
                 "sleeping bag", "sleeping pad", "stove", "bottle", "filter", "watch", "mug", "hoodie", "vest", "parka",
                 "poncho", "gaiter", "glove", "hat", "tee", "shirt", "base layer", "harness", "helmet", "rope", "chalk",
                 "top", "pants", "trekking pole", "手表", "头灯", "帐篷", "睡袋", "背包", "水壶", "冲锋衣", "手套", "帽子", "防晒衣", "裤", "鞋", "炉头", "登山杖",
                 "打底衫", "打底衣", "打底上衣", "打底", "安全带", "睡垫", "棉服", "羽绒服", "外套", "夹克",
                 "duvet cover", "duvet", "pillow", "towel", "rug", "curtain", "被子", "枕头", "浴巾", "地毯", "窗帘",
                 "kettle", "grinder", "scale", "pitcher", "espresso machine", "coffee machine", "奶缸", "磨豆机",
                 "咖啡机", "手冲壶", "t恤", "上衣", "衬衫", "水杯", "保温杯", "双肩包", "净水器", "leash", "speaker",
                 # Chinese names of kinds an English catalog sells (their English words are in SYNONYM_GROUPS)
                 "相机", "照相机", "无人机", "镜头", "三脚架", "相机包", "摄影包", "存储卡", "内存卡", "戒指", "钻戒", "项链",
                 "耳环", "耳钉", "手链", "手镯", "表带", "吉他", "钢琴", "自行车", "椅子", "折叠椅", "桌子", "折叠桌", "植物", "植物灯", "补光灯",
                 "绿植", "面粉", "连体衣", "包屁衣", "吸奶器", "婴儿车", "安全座椅", "婴儿床", "耳机", "充电宝", "移动电源", "玩具")


# Short forms shoppers write for kinds of product: "a practice amp", "a uke for my son"
SHORT_FORMS = {"amp": "amplifier", "mic": "microphone", "uke": "ukulele", "sax": "saxophone", "tv": "television",
               "fridge": "refrigerator", "bike": "bicycle"}
_SHORT_FORM = re.compile(rf"(?<![a-z])({'|'.join(SHORT_FORMS)})(s?)(?![a-z])")


def full_forms(lowered: str) -> str:
    """"a practice amp" -> "a practice amplifier"; the short form stays beside it."""
    return _SHORT_FORM.sub(lambda m: f"{m.group(0)} {SHORT_FORMS[m.group(1)]}{m.group(2)}", lowered)


# "a digital piano with speakers built in": what comes after "with" is a feature of the kind asked for
_WITH_FEATURE = re.compile(r"\b(?:with|(?:that|which) (?:has|have)|including)\s+(?:[a-z-]+\s+){0,3}(?:(?:and|&)\s+(?:[a-z-]+\s+)?)?$"
                           r"|(?:带|带有|自带|配有)\s*$")


# Chinese nouns that end a compound name of another kind: a "植物灯" is a lamp, not a plant.
COMPOUND_HEADS = "包灯架袋套盒罩膜垫绳贴桌椅杯壶线器箱扣夹座镜布刷"


def product_kinds(request: str) -> list[str]:
    lowered = request.lower()
    found = [kind for kind in PRODUCT_KINDS if any(
        not _WITH_FEATURE.search(lowered[:m.start()])
        for m in (re.finditer(rf"{re.escape(kind)}(?![{COMPOUND_HEADS}])", lowered) if has_cjk(kind)  # "gps手表"
                  else re.finditer(rf"(?<![a-z]){re.escape(kind)}(?:e?s)?(?![a-z])", lowered)))]
    # "duvet cover" is one kind, not a duvet too (unless a duvet is asked for elsewhere)
    return [kind for kind in found if not any(kind != other and kind in other and lowered.count(kind) == lowered.count(other)
                                              for other in found)]


# Follow-ups that name only a new subject: "and express?", "ok and on headlamps?", "what about the 65?", "那退货呢？".
FOLLOW_UP_SUBJECT = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|so|but|hmm|oh|right)[,\s]+)?(?:and what about|and how about|what about|how about|and|also|or"
    r"|(?:and )?what(?: happens)?(?=\s+if\b))"
    r"\s+(?P<en>.+?)\s*[?？]?\s*$|^\s*(?:那|那么)?\s*(?P<zh>[^，,。？?]+?)\s*呢\s*[？?]?\s*$"
    r"|^\s*(?P<bare>[a-z][\w-]*(?:\s+[\w-]+)?)\s*\?\s*$", re.I)  # "express?": a bare subject, if it fills a slot
# A "subject" that is a question of its own: "and how long does one game take?"
OWN_QUESTION = re.compile(r"^(?:how|what|what's|whats|when|where|which|who|why|can|could|do|does|did|is|are|will|would"
                          r"|should|may|has|have)\b|什么|哪|怎么|如何|多少|几|吗", re.I)
# Messages that ask nothing: a greeting, thanks, goodbye or a plain "ok". They get a short reply, not an answer.
_ACKNOWLEDGED = r"(?:ok(?:ay)?|cool|great|nice|perfect|awesome|alright|got it|sounds good|好的|好|嗯|明白了|知道了)"
SMALL_TALK: dict[str, re.Pattern] = {
    "greeting": re.compile(r"(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening))(?: there)?|你好|您好|嗨|哈喽|在吗"),
    "thanks": re.compile(rf"(?:{_ACKNOWLEDGED}[,，\s]*)?(?:thanks|thank you|thx|ty|cheers|many thanks|much appreciated"
                         r"|谢谢|多谢|感谢)(?:\s*(?:so much|a lot|very much|again|您|你|啦|了))?"),
    "goodbye": re.compile(rf"(?:{_ACKNOWLEDGED}[,，\s]*)?(?:(?:thanks|thank you|谢谢)[,，\s]*)?(?:bye|goodbye|bye bye|see you"
                          r"|再见|拜拜)"),
    "acknowledgement": re.compile(_ACKNOWLEDGED),
}


def small_talk(text: str) -> str | None:
    """The kind of a message that asks nothing ("hi", "ok thanks!", "谢谢", "bye"), or None."""
    said = re.sub(r"[\s!.?,~。！？，、😀-🙏👍🙂]+$|^[\s!.?,~。！？，、]+", "", text.lower().strip())
    return next((kind for kind, pattern in SMALL_TALK.items() if pattern.fullmatch(said)), None)


# What a shopper says before a question, which is not part of it: "cool, and is return shipping free?".
LEADING_INTERJECTION = re.compile(rf"^\s*(?:(?:{_ACKNOWLEDGED}|thanks|thank you|right|hmm+|oh|wow|哦)(?:[,.!，。！\s]+|$))+",
                                  re.I)
# "and how long does it take?", "cool, and is return shipping free?" (after LEADING_INTERJECTION): a joining word
LEADING_AND = re.compile(r"^\s*(?:and|also|so|but|plus)\b[,\s]+", re.I)
# A subject that adds a condition to the last question: "what about (for) a preorder?", "and (if) I'm in Canada?"
CONDITION_LEAD = re.compile(r"^(?:for|on|to|in|with|by|via|from|during|after|before|if|when|while|under|over)\b", re.I)
ZH_CASE_WORDS = r"(?:如果|要是|假如|万一|若是)"  # "if": a case the shopper puts before what they ask
ZH_CONDITION_LEAD = re.compile(rf"^{ZH_CASE_WORDS}")  # "如果已经发货了呢？": a case for the last question
# How a bare subject joins the last question when nothing there fills its slot: "express?" after "can I ship to
# a PO box?" -> "can I ship to a PO box by express?".
SLOT_PREPOSITIONS: dict[str, str] = {"service": "by", "payment": "with"}
# Words before a subject that are no part of it: "and (on) headlamps?", "and (if I'm in) Canada?"
SUBJECT_LEAD = re.compile(r"^(?:(?:on|to|for|in|into|with|by|via|from|the|a|an|if|i'm|im|i am|we're|we are)\s+)+", re.I)
# "the big one", "anything bigger in that line?", "a waterproof version of it", "有大一点的吗": another product of the
# line in focus, better by a measure or with a mark the product in focus lacks.
SIBLING_BY_QUALITY = re.compile(
    r"\bthe\s+(?P<one>big|large|small|light|cheap)\s+(?:one|version|model)\b"
    r"|\b(?:anything|something|one|any|a|the)\s+(?P<more>bigger|larger|roomier|smaller|lighter|cheaper)\b"
    r"|\b(?P<article>an?|the)\s+(?P<mark>[a-z][\w-]+(?:\s+(?!version\b)[a-z][\w-]+)?)\s+version\b|(?P<zh>大一点|更大|小一点|更小|轻一点|更轻|便宜一点|更便宜)", re.I)
# The measure each word compares by, and whether more of it is better.
QUALITY_MEASURES = {("big", "large", "bigger", "larger", "roomier", "大一点", "更大"): ("volume", True),
                    ("small", "smaller", "小一点", "更小"): ("volume", False),
                    ("light", "lighter", "轻一点", "更轻"): ("mass", False),
                    ("cheap", "cheaper", "便宜一点", "更便宜"): ("price", False)}
QUALITY_WORDS = frozenset(word for words in QUALITY_MEASURES for word in words)
# A sibling of the product in focus, told by a mark in its name: "the GTX version", "the pro one", "the 65",
# "65升那款", "那个2000片的".
VARIANT_REFERENCE = re.compile(
    r"\bthe\s+(?P<en>[\w-]+(?:\s+[\w-]+)?)\s+(?:version|model|edition|variant|one)\b"
    r"|^\s*(?:and\s+)?the\s+(?P<num>\d[\w-]*|[a-z][\w-]*)\s*[?？]?\s*$"  # "and the 65?", "and the Pro?"
    # "三人的那款", "那个Pro版呢", "那GTX防水那款呢"
    r"|(?:那个|那款)?(?P<zh>\d+[^\s的那呢？?]*|[A-Za-z]+)\s*(?:[\u4e00-\u9fff]{0,4}?(?:的那款|的那个|那款|那个)|的|版本?)", re.I)


# Delivery services a store may offer side by side: a question about one is not answered by another's rates, when
# the store names both ("Expedited: 2 business days" beside "Express: next business day").
DELIVERY_SERVICES = re.compile(r"\b(standard|expedited|express|economy|priority|overnight|ground)\b", re.I)


def services_named(text: str) -> set[str]:
    return {m.lower() for m in DELIVERY_SERVICES.findall(text)}


# Slots a follow-up fills anew: "and sleeping bags?" after a question on backpacks replaces the product kind.
SLOTS: dict[str, frozenset[str]] = {
    "service": frozenset("standard express expedited ground overnight international 加急 标准 普通".split()),
    "policy": frozenset("return returns refund refunds exchange exchanges warranty shipping delivery 退货 退款 换货 保修 运费 配送".split()),
    "payment": frozenset("instalments installments instalment installment 分期 分期付款 信用卡 借记卡".split()),  # how one pays, unnamed
    # Kinds of goods a store's policy names by group ("那电子产品呢？" after backpacks' warranty)
    "product": frozenset("electronics clothing apparel footwear furniture accessories 电子产品 服装 衣服 鞋类 家具 配件".split()),
}


# Chinese words of store policies that jieba should keep whole ("退货运费": 退货 + 运费, not 退 + 货运费).
SEGMENTATION_WORDS = ("退货", "换货", "退款", "运费", "礼品卡", "保修", "配送", "关税", "发货", "防水指数", "防水等级", "跑鞋", "炉头", "免运费", "包邮", "防晒指数", "速干", "T恤", "充一次电", "货到付款", "蜱虫", "加长款", "多冷", "多低",
                      "比特币", "加密货币", "信用卡", "重不重", "背着", "安全座椅", "自提", "以旧换新", "超大件", "附加费",
                      "邮政信箱", "未开封", "原包装", "礼品包装", "优惠码", "手续费", "营业时间", "门店自提", "到店自提", "登山杖", "多少度",
                      "人在", "续航", "无人机", "相机包", "吸奶器", "连体衣", "冲洗", "胶卷", "报价", "置换", "成色", "植物灯", "补光灯", "另外")


def slot_of(term: str) -> str | None:
    """Which slot a word fills: a place, a payment method, a kind of product, a shipping service, a policy."""
    if entities(term) or any(term in names for names in (_place_names(p) for p in COUNTRIES)):
        return "place" if any(term in _place_names(p) for p in COUNTRIES) else "payment"
    singular = term[:-1] if term.endswith("s") else term
    if any(singular == kind or term == kind or (has_cjk(kind) and kind in term) for kind in PRODUCT_KINDS) \
            or term in ("backpacks", "bags", "pads"):  # "鞋子" holds the kind "鞋"
        return "product"
    return next((slot for slot, words in SLOTS.items() if term in words), None)


# Words after a product kind that make it an accessory of that kind ("bottle holster", "tent footprint").
ACCESSORY_HEADS = frozenset("holster holsters sack sacks kit kits footprint footprints case cases cover covers pump pumps "
                            "strap straps repair stuff liner liners clip clips mount mounts".split())
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "a hundred": 100, "hundred": 100}


_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# A Chinese numeral before a unit of measure: "零下十度", "三十升", "二十五公斤".
_ZH_NUMBER_BEFORE_UNIT = re.compile(r"([一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])(?=\s*(?:度|升|公斤|克|岁|流明|小时))")


def _zh_number(numeral: str) -> int:
    """"十" -> 10, "二十五" -> 25, "三" -> 3."""
    if "十" not in numeral:
        return _ZH_DIGITS[numeral]
    tens, _, ones = numeral.partition("十")
    return _ZH_DIGITS.get(tens, 1) * 10 + _ZH_DIGITS.get(ones, 0)


def numbers_in_words(text: str) -> str:
    """"two people" -> "2 people", "one-person" -> "1-person", "零下十度" -> "-10度"."""
    text = _ZH_NUMBER_BEFORE_UNIT.sub(lambda m: str(_zh_number(m.group(1))), text)
    text = re.sub(r"零下\s*(\d)", r"-\1", text)
    text = re.sub(r"\b(one|two|three|four|five|six|seven|eight|nine|ten)(?=[- ](?:person|people|players?|season|litres?|liters?))",
                  lambda m: str(_NUMBER_WORDS[m.group(1).lower()]), text, flags=re.I)
    text = re.sub(r"\ban?(?= (?:litre|liter|kilo|kilogram|pound|gallon)s?\b)", "1", text, flags=re.I)  # "a litre or more"
    return re.sub(r"([一两二三四])(?=人|个人|季)", lambda m: str(_ZH_DIGITS[m.group(1)]), text)


def activities(request: str) -> list[str]:
    """Patterns a product's own text must match for each activity the request names."""
    return [product for said, product in ACTIVITIES.values() if re.search(said, request, re.I)]
AT_LEAST = re.compile(r"\b(?:at least|min(?:imum)?|over|more than|above)(?:\s+an?)?\s*$|(?:至少|不少于|不低于|(?<!不)超过|高于)\s*$"
                      r"|^\s*(?:or (?:more|higher|above|bigger|larger|warmer)|\+|plus)\b|^\s*以上", re.I)
# "a scale that can handle 8 kg", "holds up to 20 litres": what it must take at least.
HOLDS = re.compile(r"\b(?:handle|hold|carry|support)s?(?:\s+up\s+to)?\s*$|(?:承重|能装|装得下)\s*$", re.I)
ABOUT = re.compile(r"\b(?:about|around|roughly|approximately|approx\.?)\s*$|~\s*$|(?:大约|大概|差不多)\s*$|^\s*(?:左右|上下|-?ish)", re.I)
ABOUT_SHARE = 0.2  # "about 40 litres" takes 32 to 48, "around $70" $56 to $84
AT_MOST = re.compile(r"\b(?:under|below|less than|at most|max(?:imum)?|up to|lighter than)\s*$|(?:不超过|不到|低于|少于|最多)\s*$"
                     r"|^\s*(?:or (?:less|lower|under|lighter|colder)|max)\b|^\s*(?:以下|以内|之内)", re.I)

# Clothing and shoe sizes as shoppers say them: words -> the size as catalogs write it.
SIZE_WORDS: dict[str, str] = {
    "extra small": "XS", "x-small": "XS", "small": "S", "medium": "M", "large": "L", "extra large": "XL",
    "x-large": "XL", "xx-large": "XXL", "小码": "S", "中码": "M", "大码": "L", "加大码": "XL",
}
# A size word counts as a size only where a size is being stated: "she wears a medium", "men's medium jacket",
# ", medium" at the end; "a small tent" is no size.
SIZE_BEFORE = re.compile(r"(?:\bsize|\bwears?(?: an?| size)?|\b(?:she|he|i|they)(?:'s| is|'m| am|'re| are)(?: (?:actually|now|usually|normally|really))? (?:an?|size)"
                         r"|\b(?:women|men|kid)'?s?'?|\bin (?:an? )?|\bfits? (?:an?)?|[,;(]|^)\s*$", re.I)
SIZE_AFTER = re.compile(r"^\s*(?:[,.;!?)—–-]|$|(?:and|in|now|these days|please|pls|plz|if|or)\b|(?:jacket|top|shirt|tee|hoodie|vest|"
                        r"pants|trousers|shorts|layer|base layer|coat|parka|shell)s?\b|(?:that|which)\b)", re.I)
# Words that make an amount of money the shopper's own budget.
BUDGET_CUES = re.compile(r"\bbudget\b|\bspend\b|\bafford\b|\bmy (?:limit|max)\b|预算|最多花|不想花", re.I)
# A shopper taking back a stated preference: "any colour is fine", "budget doesn't matter", "颜色不限".
_ANY = r"(?:any|whatever|whichever|no particular|no specific|doesn'?t matter|does not matter|don'?t care|not fussed)"
CLEARS: dict[str, re.Pattern] = {
    "color": re.compile(rf"\b{_ANY}\s+colou?rs?\b|\bcolou?rs? (?:is|are)? ?(?:fine|ok|okay|doesn'?t matter|does not matter)"
                        r"|\bcolou?r doesn'?t matter\b|颜色不限|不限颜色|颜色都(?:行|可以)|什么颜色都(?:行|可以)|颜色无所谓", re.I),
    "size": re.compile(rf"\b{_ANY}\s+sizes?\b|\bsize doesn'?t matter\b|尺码不限|不限尺码|尺码都(?:行|可以)|什么尺码都(?:行|可以)", re.I),
    "price": re.compile(rf"\b{_ANY}\s+(?:price|budget)\b|\bno budget\b|\b(?:price|budget|cost) doesn'?t matter\b"
                        r"|\bmoney is no object\b|预算不限|不限预算|价格不限|不限价格|多少钱都(?:行|可以)", re.I),
    "audience": re.compile(r"\bfor (?:anyone|anybody|everyone)\b|\b(?:unisex|any gender)\b|男女(?:都可以|不限|通用)|不限男女", re.I),
    "activity": re.compile(r"\bany activity\b|\bfor (?:everyday|general) use\b|用途不限|日常用", re.I),
}


def cleared_slots(text: str) -> list[str]:
    """Which stated preferences a message takes back ("any colour is fine" -> ["color"])."""
    return [slot for slot, pattern in CLEARS.items() if pattern.search(text)]


# "a jacket both men and women can wear": not one cut for either.
# "cut for women (not a unisex one)"; "womens cut", "a men's fit": made for that audience, not for everyone
NOT_UNISEX = re.compile(r"\bnot (?:an? )?unisex\b|\b(?:wo)?men'?s (?:cut|fit)\b|\b(?:cut|fitted) for (?:wo)?men\b|不要男女通用|不要中性"
                        r"|(?:女|男)款版型|(?:女|男)士版型", re.I)
UNISEX = re.compile(r"(?<!not )(?<!not a )(?<!not an )\bunisex\b|\b(?:both|either) (?:men and women|women and men|genders?)\b|男女(?:都|皆|通用|同款|款)|不分男女", re.I)


_NOT_FOR = re.compile(r"\bnot (?:an? |the |for )?(?:\w+'s )?(?:kids?|children|child|women|men)(?:'s)?(?: ones?)?\b|不要儿童|不是儿童", re.I)


_NAME_FORMS = {"womens": "women", "mens": "men", "kid": "kids", "childrens": "children"}


def name_word(word: str) -> str:
    """"Women's", "womens" and "women" are one word of a product's name; so are "hp-20" and "hp20"."""
    word = re.sub(r"'s?$", "", word)
    if re.search(r"\d", word) and re.search(r"[a-z]", word):
        word = word.replace("-", "")
    return _NAME_FORMS.get(word, word)


def audiences(text: str) -> list[str]:
    """Who the shopper says a product is for: kids, women, men ("for me, not a kids one" names nobody)."""
    text = _NOT_FOR.sub(" ", text)
    return [name for name, pattern in AUDIENCE_WORDS.items() if pattern.search(text)]


def activity_names(text: str) -> list[str]:
    """The activities (keys of ACTIVITIES) a request names."""
    return [name for name, (said, _) in ACTIVITIES.items() if re.search(said, text, re.I)]

# Words of a shopper who is upset with the store or the assistant: they are offered a person.
COMPLAINT_CUES = re.compile(
    r"\b(?:(?:make|file|lodge) a complaint|i (?:want to|wish to|would like to) complain|ridiculous|unacceptable|terrible|"
    r"awful|horrible|pathetic|worst|fed up|frustrat(?:ed|ing)|furious|angry|so annoyed|very disappointed|"
    r"really disappointed|waste of (?:my )?time|rip-?off|you people|this is a joke)\b"
    r"|投诉|太差|很差|差劲|太失望|很失望|生气|气死|不满意|垃圾|破店|坑人|受够了|废话|什么态度", re.I)

# Chinese words for a feature a product must have, and the English word its description uses.
# A listed value that takes in every other ("all skin types").
ALL_OF_THEM = re.compile(r"\ball\b|\bevery\b|\bany\b|所有|全部|任何")
FEATURE_WORDS_ZH: dict[str, str] = {"填充棉": "insulation", "拉链": "zip", "防晒": "upf", "可拆": "convertible",
                                    "不含香精": "fragrance free", "无香精": "fragrance free", "无香": "fragrance free",
                                    "纯素": "vegan", "干性": "dry", "油性": "oily", "混合性": "combination", "敏感": "sensitive",
                                    "意式": "espresso", "手冲": "pour-over", "防雨罩": "rain cover", "防猫抓": "pet friendly", "宠物友好": "pet friendly", "养猫": "pet friendly",
                                    "养狗": "pet friendly", "可机洗": "machine washable", "户外": "outdoor",
                                    "羽绒": "down", "美利奴": "merino", "抓绒": "fleece", "路跑": "road", "越野跑": "trail", "定时": "timer",
                                    "洗衣机": "machine washable", "无谷": "grain free", "笔记本电脑": "laptop"}
# The English of Chinese words for whom or what a product is for, read against the values the store's attributes list
# ("小猫" -> "Life stage: Kitten", "猫" -> "Species: Cat"); they are no features a product's text must say.
VALUE_WORDS_ZH: dict[str, str] = {"小猫": "kitten", "幼猫": "kitten", "幼犬": "puppy", "小奶狗": "puppy", "老年": "senior",
                                  "猫": "cat", "狗": "dog", "犬": "dog", "成年": "adult", "成犬": "adult dog", "成猫": "adult cat"}
_MONEY_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_MONEY_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}


def money_in_words(text: str) -> str:
    """"under a hundred bucks" -> "under 100 bucks", "fifty dollars" -> "50 dollars"."""
    text = re.sub(r"\b(a|one|two|three|four|five)\s+(hundred|thousand|grand)\b",
                  lambda m: str(_MONEY_NUMBERS[m.group(1).lower()] * (100 if m.group(2).lower() == "hundred" else 1000)),
                  text, flags=re.I)
    text = re.sub(r"(\$\s?)?(\d+(?:\.\d+)?)(?:\s*grand\b|k\b)",  # "4 grand", "$4k": thousands
                  lambda m: f"{m.group(1) or ''}{float(m.group(2)) * 1000:g}" if m.group(1) or "grand" in m.group(0).lower()
                  else m.group(0), text, flags=re.I)
    return re.sub(rf"\b({'|'.join(_MONEY_TENS)})(?=\s+(?:bucks|dollars|euros|pounds)\b)",
                  lambda m: str(_MONEY_TENS[m.group(1).lower()]), text, flags=re.I)

# Words that make a message a request for products, not a question about one.
# A request for products that names no kind of product: "anything waterproof for kids?", "有什么适合孩子的".
ANYTHING_FOR = re.compile(r"^\s*(?:(?:do you have|have you got|got|any)\s+)?(?:anything|something)\b|有什么|有没有什么", re.I)
# "bought hiking boots as a gift for my dad ... can he return them?": about what was bought, not a search for more.
# The shopper has the thing already: bought it, or owns it ("an old lens of mine")
ALREADY_BOUGHT = re.compile(r"\b(?:bought|purchased|ordered|of mine|my old|i own)\b|买了|已经买|我的旧", re.I)
RECOMMEND_CUES = re.compile(
    r"\b(?:recommend|suggest|show me|looking for|shopping for|i need an?|i want an?|i'd like an?|need an?|want an?"
    r"|do you (?:have|sell|carry) (?:any|an?)|ideas?|gift (?:for|ideas?)"
    r"|present for|what should i (?:get|buy))\b|^\s*(?:have you |you )?got (?:any|an?)\b(?=[^.!?]*\?)|推荐|想买|想要一|想找|找(?:个|一个|一款|款|一件|件|一双|双|一把|把|一台|台)|有没有.{0,12}(?:的|款)|送给|礼物",
    re.IGNORECASE,
)
# "how much to resize a 14k gold ring?", "what does it cost to ship a tent?": the price of a service done to a product,
# not a search for one
ASKS_SERVICE_PRICE = re.compile(r"\b(?:how much|what(?: does| would|'s|s)? it cost|what do you charge|costs?|charge|fee)\s+"
                                r"(?:is it\s+|does it cost\s+|would it (?:be|cost)\s+)?to\s+(?!buy\b|get\b|order\b|purchase\b)"
                                r"[a-z]+", re.I)
SHOPPING_CUES = re.compile(
    r"\b(recommend|suggest|show me|looking for|i need|i want|any|anything|which|options?|cheapest|best)\b"
    r"|推荐|有没有|想要|想买|哪款|哪个|有哪些",
    re.IGNORECASE,
)


# Services a shopper may ask a store for, and the words a passage must use to speak of each. A question that asks
# for one is answered only by a sentence that names it: "Do you do a student discount?" is not answered by "Only
# one discount code can be used per order". Each: (name, how a question asks for it, how a passage names it).
_SERVICES = (
    ("a student discount", r"\bstudents?\b|学生", r"\bstudents?\b|学生"),
    ("a military discount", r"\bmilitary\b|\bveterans?\b|军人", r"\bmilitary\b|\bveterans?\b|军人"),
    ("a teacher discount", r"\bteachers?\b|教师", r"\bteachers?\b|教师"),
    ("a points programme", r"\bloyalty\b|\b(?:points?|rewards?) (?:program|programme|progam|scheme|club|card)\b|积分",
     r"\bpoints?\b|\bloyalty (?:program|programme|scheme|club)\b|\brewards? (?:program|programme|club)\b|积分"),
    ("paid repairs", r"\b(?:paid|out[- ]of[- ]warranty) repairs?\b|\brepairs?\b.*\bout of warranty\b|\brepair service|付费维修|维修服务",
     r"\brepair service|\bpaid repairs?\b|\bout[- ]of[- ]warranty\b|付费维修|维修服务"),
    ("late fees", r"\blate (?:fee|fees|charge|charges|payment)\b|\bmiss(?:ed)? (?:a |one of my |my )?(?:\w+ )?payments?\b|滞纳金|逾期",
     r"\blate\b|\bmissed\b|滞纳金|逾期"),
    ("gift card balances", r"\bbalance\b|\bhow much is left\b|\btop[- ]?up\b|\breload\b|余额|充值", r"\bbalance\b|\btop[- ]?up\b|\breload|余额|充值"),
    ("sizing advice", r"\btrue to size\b|\bruns? (?:small|large|big|narrow)\b|\bsize (?:up|down)\b|\bgo up (?:a |half a )?size\b"
     r"|\bwhich size\b|\bwhat size should\b|\bus or (?:eu|uk|european)\b|尺码偏|偏大|偏小",
     r"\btrue to size\b|\bruns? (?:small|large|big)\b|\bsize (?:up|down|guide|chart)\b|\bfit guide\b|尺码表|偏大|偏小"),
    ("weekend delivery", r"\b(?:deliver\w*|arriv\w*)\b.*\b(?:saturdays?|sundays?|weekends?)\b|\b(?:saturday|sunday|weekend) deliver"
     r"|周末.{0,4}(?:派送|送货|配送)|(?:周六|周日)(?!.{0,3}(?:上班|营业|开门|工作|在线))",  # not "客服周六上班吗"
     r"\bdeliver\w*\b[^.;]*\b(?:saturdays?|sundays?|weekends?)\b|\b(?:saturdays?|sundays?|weekends?)\b[^.;]*\bdeliver|周末(?:派送|送货|配送)"),
    ("delivery times of day", r"\b(?:evening|morning|time[- ]slot|specific time)\b.*\bdeliver|\bdeliver\w* (?:in the )?(?:evening|morning)"
     r"|指定(?:时间|晚上|早上)|晚上送", r"\b(?:evening|time[- ]?slots?)\b|指定时间"),
    ("signatures on delivery", r"\bsignature\b|\bsign for\b|签名", r"\bsignature\b|\bsign for\b|签名"),
    ("a choice of courier", r"\b(?:which|what) (?:carrier|courier)s?\b|\b(?:ups|fedex|usps|canada post|royal mail|ems)\b.*\bor\b"
     r"|哪家快递|什么快递|顺丰|\bems\b", r"\b(?:ups|fedex|dhl|usps|canada post|royal mail|dpd|evri|ems|australia post|asendia)\b"
     r"|顺丰|邮政"),
    ("gift wrapping", r"\bgift[- ]?wrap|\bwrap (?:it|them)\b|礼品包装", r"\bgift[- ]?wrap|\bwrapping\b|礼品包装"),
    ("collection or a shop to visit", r"\bpickup\b|\bpick\w*(?:\s+\w+){0,3}\s+up\b|\bclick (?:and|&) collect\b"
     r"|\b(?:your|a physical|an? actual|a real) (?:shop|store|showroom)s?\b|\b(?:shop|store|showroom) (?:in|near)\b.{0,30}\bvisit\b"
     r"|\bvisit (?:your|a|the) (?:shop|store|showroom|warehouse)\b|\b(?:have|got) an? (?:shop|store|showroom|retail store)s? in\b"
     r"|实体店|门店|自提|到店",
     r"\bpick ?up\b|\bcollect(?:ion)?\b|\bshowroom\b|\bvisit\b|\bopening hours\b|实体店|门店|自提"),
    ("invoices", r"\binvoices?\b|\bvat receipt\b|发票", r"\binvoices?\b|\bvat receipt\b|发票"),
    ("a sign-up discount", r"\bnewsletter\b|\bsign(?:ing)? up\b.*\b(?:discount|code|coupon)\b|首单|新用户|新人",
     r"\bnewsletter\b|\bfirst order\b|\bwelcome (?:code|discount|offer)\b|首单|新用户"),
    ("trade-ins", r"\btrade[- ]?ins?\b|\bbuy[- ]?back\b|\brefurbished\b|\bopen[- ]box\b|以旧换新|回收",
     r"\btrade[- ]?ins?\b|\bbuy[- ]?back\b|\brefurbished\b|\bopen[- ]box\b|以旧换新|回收"),
    ("bulk discounts", r"\bbulk\b|\bwholesale\b|\bvolume discount|批发|团购", r"\bbulk\b|\bwholesale\b|\bvolume discount|批发|团购"),
    ("back-in-stock alerts", r"\b(?:email|notify|tell|alert|text) me when\b|\brestock|到货通知",
     r"\bnotif\w*\b|\balerts?\b|\bemail you when\b|\brestock|到货通知"),
    ("price matching", r"\bprice[- ]?match|\bmatch (?:the|a|their|another|that) (?:\w+ )?price|比价|保价",
     r"\bprice[- ]?match|\bmatch\w*\b[^.;]*\bprice|保价"),
    ("appointments", r"\bbook (?:a |an )?(?:fitting|appointment|consultation)\b|\bappointments?\b|预约",
     r"\bfittings?\b|\bappointments?\b|\bconsultations?\b|预约"),
)
SERVICES: tuple[tuple[str, re.Pattern, re.Pattern], ...] = tuple(
    (name, re.compile(asked, re.I), re.compile(named, re.I)) for name, asked, named in _SERVICES)


def services_asked(text: str) -> list[tuple[str, re.Pattern]]:
    """The services a question asks for, each with the pattern a passage must match to speak of it."""
    text = normalise_phrases(text)
    return [(name, named) for name, asked, named in SERVICES if asked.search(text)]
