"""Intent routing: is a message a question the store's information can answer, or does a person need
to see it (the shopper's own order, account or payment; an explicit request for a person)? A complaint
is answered as usual and the shopper is offered a person.

Rules catch the unmistakable (an order number, "talk to a human", 转人工); the rest is decided by the
nearest exemplars in the multilingual vector space. Exemplars live in a JSON Lines file a store can extend.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag import language

DEFAULT_EXEMPLARS = Path(__file__).parent / "data" / "intents.jsonl"
HANDOFF_INTENTS = ("own_order", "person")
UPSET_INTENTS = ("complaint",)  # answered as usual, and offered a person
NEIGHBOURS = 3
# "What happens if my order gets lost?" asks how things work; "my order is lost" reports a problem.
_HOW_TO = re.compile(r"^\s*(?:how (?:do|can|long|much)|what (?:happens|if|do i do|should i do)|can i|could i|if\b|is it|do you|does)"
                     r"|怎么(?!回事|突然|就|又|没|不见|少|变)|如何|能不能|可以.{0,10}吗|是否", re.I)  # "怎么突然少了" asks why

# "如果已经发货了呢", "what if it gets lost?": how things work in a case, not a report of the shopper's own problem
_HYPOTHETICAL = re.compile(rf"^\s*(?:(?:and|so|but|ok(?:ay)?),?\s+)?(?:what if|if|suppose|say)\b|^\s*那?{language.ZH_CASE_WORDS}",
                           re.I)

_SENTENCES = re.compile(r"(?<=[?？:：;；])\s*")  # questions and their lead-ins ("... the full amount. please fix" is one)
_PERSON = re.compile(
    r"\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|some\s*)?(?:real\s+|live\s+|actual\s+)?"
    r"(?:person|human|agent|one|body|representative|rep|manager|staff)\b|\breal person\b|\blive agent\b|\bhuman agent\b"
    r"|^\s*(?:agent|human|person|representative|operator)\s*[.!?]*\s*$|\b(?:HUMAN|AGENT)\b|\bbot is (?:useless|stupid|not helping)\b"
    r"|\b(?:escalate|transfer|connect) (?:this |me )?to (?:an? |a real |a live )?(?:agent|human|person|manager|supervisor)"
    r"|转人工|人工客服|真人|找个人|不想跟机器人",
    re.I)
_ORDER_NUMBER = re.compile(
    r"\b(?:order|ord)\s*(?:number|no\.?|#|num)?\s*[:#]?\s*[A-Z]{0,3}-?\d{3,}\b|#\s?\d{4,}\b|订单(?:号)?\s*[:：]?\s*[A-Z]{0,3}\d{3,}",
    re.I)
_OWN = re.compile(
    r"\bmy (?:order|package|parcel|delivery|refund|return|shipment|account|card|payment|gift card|email|password|"
    r"tracking|box|item|purchase|point|reward|balance|store credit)s?\b.{0,60}\b(?:hasn't|has not|haven't|didn't|did not|never|"
    r"late|missing|wrong|broken|damaged|failed|declined|locked|hacked|stuck|lost|isn't|is not|wasn't|disappeared|vanished|"
    r"(?:shows(?: as)?|was|got|has been) cancell?ed)\b"
    r"|\b(?:took|taken|charged|debited)\b.{0,20}\b(?:my|the) (?:\w+ )?(?:money|payment|card)\b"
    r"|\b(?:where(?:'s| is)|status of)\b.{0,30}\bmy (?:order|package|parcel|delivery|refund|shipment)\b"
    r"|\b(?:cancel|change|update)\s+(?:the\s+\w+(?:\s+\w+)?\s+(?:on|of|for)\s+)?my (?:\w+\s+)?(?:order|account|address|email)\b|\bcharged (?:me )?twice\b|\bdouble[- ]charged\b|\bcan(?:'t|not) (?:log|sign) ?in\b"
    r"|\b(?:charged|billed|shows?|debited)\b.{0,30}\btwice\b|\blocked out\b|\breset (?:link|email)\b.{0,30}\bnever\b"
    r"|我的(?:订单|包裹|快递|退款|账户|账号)|我的(?:积分|余额|礼品卡).{0,6}(?:突然|不见|没了|少了|清零)|重复扣款|扣了两次|两次款|没收到|还没(?:退|到账|收到)|登录不了|登录不上|登不上|无法登录"
    r"|收不到.{0,8}(?:邮件|验证码)"
    # "the page timed out ... was I charged or not?", "did my payment go through?": what happened to their own payment
    r"|\bwas i (?:charged|billed)\b|\bdid (?:my|the) (?:payment|order|card)\b.{0,20}\bgo through\b"
    r"|\b(?:can't|cannot|can not) find my order\b|(?:扣款|扣钱|付款成功)了(?:吗|没)"
    # "can you cancel it for me?": the store is asked to act on the shopper's own order
    r"|\b(?:can|could|would) you (?:please )?(?:cancel|change|update|modify|refund|fix)\b.{0,40}\bfor me\b"
    r"|帮我(?:取消|修改|更改|改一下|退款)"
    # "change the delivery address on the order I placed an hour ago", "我账户里的积分少了"
    r"|\b(?:cancel|change|update|modify)\b.{0,40}\b(?:the|my|an?) order (?:i|we) (?:just )?(?:placed|made|put in)\b"
    r"|我(?:账户|账号|订单)"
    # "... my Affirm balance still shows the full amount. please fix": the shopper's own account, to be put right
    r"|\bmy\b.{0,80}\b(?:please fix|fix (?:it|this|that)|sort (?:it|this|that) out|put (?:it|this|that) right)\b",
    re.I)


@dataclass
class IntentDecision:
    intent: str  # own_order, person, complaint or question
    score: float
    reason: str

    @property
    def hands_off(self) -> bool:
        return self.intent in HANDOFF_INTENTS

    @property
    def upset(self) -> bool:
        return self.intent in UPSET_INTENTS


def load_exemplars(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [(row["intent"], row["text"]) for row in rows]


class IntentRouter:
    """Decides the intent of a message: rules first, then the nearest exemplars."""

    def __init__(self, embedder, exemplars: list[tuple[str, str]], min_similarity: float = 0.45, margin: float = 0.05):
        self.embedder = embedder
        self.intents = [intent for intent, _ in exemplars]
        self.vectors = embedder.embed([text for _, text in exemplars])
        self.min_similarity = min_similarity
        self.margin = margin

    def route(self, message: str) -> IntentDecision:
        if _PERSON.search(message):
            return IntentDecision("person", 1.0, "asks for a person")
        if _ORDER_NUMBER.search(message):
            return IntentDecision("own_order", 1.0, "names an order number")
        # each sentence on its own: "Two things: can I change my address after ordering, ...?" and "When does my card
        # get charged? And if my order comes in two boxes, do I get charged twice?" ask how things work
        if any(_OWN.search(said) and not (_HOW_TO.search(said) or _HYPOTHETICAL.search(said))
               for said in _SENTENCES.split(message)):
            return IntentDecision("own_order", 1.0, "describes a problem with the shopper's own order or account")
        if _HYPOTHETICAL.search(message):
            return IntentDecision("question", 1.0, "asks what happens in a case")
        similarities = np.asarray(self.vectors @ self.embedder.embed([message])[0], dtype=float)
        best: dict[str, float] = {}
        for intent in set(self.intents):  # the mean of the closest few examples of each intent
            mine = np.sort(similarities[[i for i, name in enumerate(self.intents) if name == intent]])[::-1]
            best[intent] = float(mine[:NEIGHBOURS].mean())
        handoff = max(HANDOFF_INTENTS, key=lambda i: best.get(i, -1.0))
        score, question = best.get(handoff, -1.0), best.get("question", -1.0)
        if score >= self.min_similarity and score >= question + self.margin:
            return IntentDecision(handoff, round(score, 3), f"closest to {handoff} examples ({score:.2f} vs {question:.2f})")
        if language.COMPLAINT_CUES.search(message):
            return IntentDecision("complaint", 1.0, "the shopper complains")
        complaint = best.get("complaint", -1.0)
        if complaint >= self.min_similarity and complaint >= question + self.margin:
            return IntentDecision("complaint", round(complaint, 3),
                                  f"closest to complaint examples ({complaint:.2f} vs {question:.2f})")
        return IntentDecision("question", round(question, 3), "a question for the store's information")
