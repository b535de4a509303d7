"""The extractive answer: the direct answer first, then the sentences the reader chose, each cited.

Nothing here invents a fact: every sentence is a passage's own sentence or product fact, framed by a
fixed template (Yes/No, the product's name). Parts the passages do not answer are said to be unknown.
Templates exist in English and Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag import language
from rag.models import Passage
from rag.reader import Finding, Reading, Sentence

DIRECT = {"en": {"yes": "Yes", "no": "No", "free": "Free", "no_free": "No, it's free"},
          "zh": {"yes": "是的", "no": "不", "free": "免费", "no_free": "不用，免费"}}
UNKNOWN_PART = {
    "en": "I couldn't find anything in our store information about: {part}",
    "zh": "关于“{part}”，我在商店资料中没有找到答案。",
}
ENGLISH_ONLY = {"zh": "以下信息来自我们的英文资料："}


_OPENING_ANSWER = re.compile(r"^(Yes|No)[.,!]\s+", re.I)


@dataclass
class Composition:
    """A draft with [n] markers (verified before anyone reads it) and the frames around it."""

    draft: str
    preface: str = ""  # says where the quotes come from: no fact, so not verified
    unknown: list[str] = field(default_factory=list)  # one line per part nobody answered


def _finish(text: str) -> str:
    text = text.strip().rstrip("；;，,:：")
    if text and text[-1] in ".!?。！？":
        return text
    return text + ("。" if text and language.has_cjk(text[-1]) else ".")


def _product_fact(sentence: Sentence, title: str, lang: str) -> str:
    label, _, value = sentence.text.partition(":")
    value = value.strip().rstrip(".")
    if value.lower() in ("yes", "no"):  # "Waterproof: no" -> "... is not waterproof."
        if lang == "zh" and label in language.ZH_FIELD_NAMES:
            return f"{title}{'' if value.lower() == 'yes' else '不'}{language.ZH_FIELD_NAMES[label]}。"
        if lang == "zh":  # a label without a Chinese name keeps its own words: "Vegan：是"
            return f"{title} 的 {label}：{'是' if value.lower() == 'yes' else '否'}。"
        if verb := language.LABEL_VERB.match(label):  # "Ships to canada: no" -> "... does not ship to canada."
            said = label.lower() if value.lower() == "yes" else f"does not {verb.group(1).lower()}{label[verb.end():].lower()}"
            return f"{title} {said}."
        return f"{title} is {'' if value.lower() == 'yes' else 'not '}{label.lower()}."
    if lang == "zh":
        return f"{title} 的{language.ZH_FIELD_NAMES.get(label, label)}：{language.with_chinese_place(value)}。"
    return f"{title} — {label.lower()}: {value}."


def _direct_word(question: str, direct: str, lang: str) -> str:
    """Yes or No; in Chinese the question's own verb answers: "能退吗？" - "不能", "有货吗？" - "有的"."""
    if lang == "zh" and direct in ("yes", "no") and (verb := language.ZH_ANSWER_VERB.search(question)):
        return language.ZH_ANSWER_WORDS[verb.group(0)][direct == "yes"]
    return DIRECT[lang][direct]


def _yes_no_first(findings: list[Finding]) -> list[Finding]:
    """"那换货呢？换个尺码要收钱吗": when a yes/no part is answered by the sentence an earlier open part quotes, it
    goes first, so the quote comes with its Yes or No (a sentence is quoted once)."""
    ordered = list(findings)
    for finding in findings:
        if not (finding.answerable and finding.direct and finding.evidence):
            continue
        opening = finding.evidence[0].sentence
        earlier = next((i for i, f in enumerate(ordered[:ordered.index(finding)]) if f.answerable and not f.direct
                        and f.evidence and f.evidence[0].sentence is opening), None)
        if earlier is not None:
            ordered.insert(earlier, ordered.pop(ordered.index(finding)))
    return ordered


class ExtractiveComposer:
    """Turns a Reading into an answer draft in the shopper's language."""

    def compose(self, reading: Reading, passages: list[Passage], lang: str | None = None) -> Composition:
        """``lang`` is the shopper's language when the question read was rewritten ("65升那款呢？" asked as
        "Summit 65 Backpack 背包多少钱？")."""
        lang = lang or reading.question.language
        parts: list[str] = []
        quoted: set[tuple[int, int]] = set()
        unknown: list[str] = []
        english_quoted = False
        findings = _yes_no_first(reading.findings)
        first = next((f for f in findings if f.answerable), None)
        for finding in findings:
            if not finding.answerable:
                if len(reading.findings) > 1:
                    unknown.append(UNKNOWN_PART[lang].format(part=finding.part.text.strip()))
                continue
            # A Chinese question answered only by English text: the Yes or No goes before the note that says so.
            seen = set(quoted)
            plain = self._render(finding, passages, lang, seen, say_direct=False)
            english = lang == "zh" and bool(plain) and not language.has_cjk(plain)
            if english:
                rendered = language.DIRECT_FRAME.sub("", plain)  # the Yes or No is said in Chinese
                quoted |= seen
                if finding.direct and finding is not first:  # the first part's goes before the note
                    rendered = f"{_direct_word(finding.part.text, finding.direct, lang)}，{rendered}"
            else:
                rendered = self._render(finding, passages, lang, quoted)
            if rendered:
                parts.append(rendered)
                english_quoted |= english
        preface = ENGLISH_ONLY.get(lang, "") if english_quoted else ""
        direct = first.direct if first else None
        if preface and direct:  # "会过期吗？": 不。 before the note that the quote is English
            preface = f"{_direct_word(first.part.text, direct, lang)}。{preface}"
        return Composition(" ".join(parts), preface, unknown)

    def _render(self, finding: Finding, passages: list[Passage], lang: str, quoted: set[tuple[int, int]],
                say_direct: bool = True) -> str:
        pieces: list[str] = []
        for number, scored in enumerate(finding.evidence):
            sentence = scored.sentence
            key = (sentence.passage, sentence.position)
            if key in quoted:
                continue
            quoted.add(key)
            chunk = passages[sentence.passage].chunk
            if chunk.kind == "product" and sentence.field_label:
                text = _product_fact(sentence, chunk.title, lang)
            else:
                text = _finish(sentence.readable)
            if (finding.part.kind != "yes_no" or number > 0) and _OPENING_ANSWER.match(text):
                # the FAQ's "No." answers its own question; after the first sentence the Yes or No is said
                text = _OPENING_ANSWER.sub("", text)
                text = text[:1].upper() + text[1:]
            text = _OPENING_ANSWER.sub(lambda m: f"{m.group(1)} — ", text)  # "No. Fuel ..." stays one sentence
            if number == 0 and finding.direct != "yes" and language.AFFIRMATION_START.search(text):
                text = language.AFFIRMATION_START.sub("", text).lstrip(" ,.—–。，、！!")  # the FAQ's "Yes," is qualified
                text = text[:1].upper() + text[1:]
            if number == 0 and finding.direct and say_direct and not (language.AFFIRMATION_START.search(text)
                                                       or language.NEGATION_START.search(text)):
                joiner = "，" if lang == "zh" else " — "
                text = f"{_direct_word(finding.part.text, finding.direct, lang)}{joiner}{text}"
            pieces.append(f"{text} [{sentence.passage + 1}]")
        return " ".join(pieces)
