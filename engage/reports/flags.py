"""Which comments a person should read and follow up: the rules, as a list of patterns.

A comment that reads like a crime report (someone was hurt, robbed or burgled, drugs are sold
at a place, a weapon was seen, a time or address of an incident) or like a safeguarding concern
(a child or a vulnerable adult at risk, self-harm, domestic abuse, someone afraid to go home) is
flagged with the reason, so staff can follow it up: the consultation is not the way to report a
crime, but people use it anyway.

The rules are deliberately wide. A person reads every flag, so a false flag costs a minute; a
missed one can cost much more. Every pattern is case-insensitive and anchored on word
boundaries ("therapist" is not "rapist"). Safeguarding rules come first: when a comment matches
both kinds, it is the safeguarding concern that is recorded, as the more urgent. Each rule is
tested with an example that must match (tests/reports/test_comments.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engage.reports.comments_models import FlagCategory

# Up to this many words may sit between the two halves of a two-part rule ("my son is being
# groomed"): near enough to be about the same thing, without crossing into the next sentence.
_NEAR = r"[^.!?\n]{0,60}?"
_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_CHILD = (r"(?:child|children|kids?|son|daughter|boy|girl|grandson|granddaughter|niece|nephew|"
          r"teenagers?|teens?|pupils?|young\s+people|youngsters?|schoolchildren|baby|toddler|"
          r"\d{1,2}[\s-]*years?[\s-]*old)")
_ADULT = (r"(?:elderly|older|old|vulnerable|disabled|frail)\s+(?:man|men|woman|women|lady|ladies|"
          r"neighbou?rs?|person|people|residents?|mother|mum|father|dad|relatives?|adults?|"
          r"parents?)")
_HARMED = (r"(?:abused|abusing|abuse|neglected|neglect|beaten|beating|hit|hurt|groomed|grooming|"
           r"exploited|exploiting|in\s+danger|at\s+risk|unsafe|missing|ran\s+away|running\s+away|"
           r"recruited|targeted|taken\s+advantage|scammed|cuckooed|sexual(?:ly)?|locked\s+in|"
           r"left\s+alone|starving|(?:selling|dealing|carrying|running)\s+drugs)")
_PARTNER = (r"(?:partner|husband|wife|boyfriend|girlfriend|ex|ex-partner|ex-husband|ex-wife|"
            r"fianc[eé]e?)")


@dataclass(frozen=True)
class Rule:
    category: FlagCategory
    reason: str  # what staff read beside the comment
    pattern: re.Pattern
    example: str  # a comment the rule must flag (the tests check each one)


def _rule(category: FlagCategory, reason: str, pattern: str, example: str) -> Rule:
    return Rule(category, reason, re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), example)


SAFE = FlagCategory.SAFEGUARDING
CRIME = FlagCategory.CRIME

RULES: tuple[Rule, ...] = (
    # Safeguarding ------------------------------------------------------------------------
    _rule(SAFE, "Mentions suicide or self-harm",
          r"suicid(?:e|al)|self[\s-]?harm(?:ing|ed)?|(?:kill|killing|hurt|hurting|harm|harming|"
          r"cut|cutting)\s+(?:myself|himself|herself|themselves)|end\s+(?:it\s+all|my\s+life)|"
          r"want(?:ed|s)?\s+to\s+die|no\s+reason\s+to\s+live|overdos(?:e|ed|ing)",
          "Some days I think about ending it all, I want to die"),
    _rule(SAFE, "Says they are afraid at home or of someone close to them",
          r"(?:scared|afraid|frightened|terrified)\s+(?:to\s+go\s+(?:back\s+)?home|of\s+going\s+"
          r"home|to\s+be\s+at\s+home|at\s+home|of\s+(?:my\s+)?" + _PARTNER + r")|"
          r"(?:not|never)\s+(?:feel\s+)?safe\s+(?:at|in\s+my|in\s+our)\s+(?:own\s+)?home",
          "I'm scared to go home most nights"),
    _rule(SAFE, "Mentions domestic abuse",
          r"domestic\s+(?:abuse|violence)|coercive\s+control|" + _PARTNER +
          r"\s+(?:hits|hit|beats|beat|hurts|hurt|threatens|threatened|controls|abuses|abused|"
          r"chokes|choked|strangled|kicked|punched)\s+(?:me|her|him|us)",
          "My partner hits me when he drinks"),
    _rule(SAFE, "Mentions a child or young person who may be at risk",
          _CHILD + _NEAR + _HARMED + "|" + _HARMED + _NEAR + r"(?:a|the|my|our|some|these|those|"
          r"local)\s+" + _CHILD + r"|county\s+lines|child\s+(?:abuse|exploitation|sexual)|"
          r"paedophiles?|grooming|groomed",
          "My daughter is being groomed by older men"),
    _rule(SAFE, "Mentions a vulnerable or older adult who may be at risk",
          _ADULT + _NEAR + _HARMED + "|cuckoo(?:ing|ed)",
          "The elderly lady next door is being taken advantage of by dealers"),
    _rule(SAFE, "Mentions sexual violence",
          r"raped?|rapist|sexual(?:ly)?\s+(?:assault(?:ed)?|abuse[ds]?|harass(?:ed|ment))|"
          r"molest(?:ed|ing|er)?|groped|flash(?:ed|er)\s+at",
          "I was sexually assaulted on the night bus"),
    _rule(SAFE, "Mentions bullying or someone going missing",
          r"(?:being|been|getting|gets|get|got)\s+bullied|"
          r"missing\s+(?:child|person|girl|boy|daughter|son|teenager)|went\s+missing",
          "My son is being bullied on the way to school"),
    _rule(SAFE, "Asks for help",
          r"please\s+help(?:\s+me|\s+us)?|help\s+me|need\s+help|i\s+need\s+someone",
          "Please help me, I don't know who else to tell"),
    # Crime reports -------------------------------------------------------------------------
    _rule(CRIME, "Describes someone being attacked, robbed or threatened",
          r"(?:was|were|got|been|being|am|is|are|get|gets)\s+(?:stabbed|mugged|robbed|attacked|"
          r"assaulted|beaten(?:\s+up)?|punched|kicked|shot(?:\s+at)?|threatened|burgled|"
          r"carjacked|slashed|glassed|spat\s+at|chased|followed|harassed|stalked|abused)|"
          r"(?:stabbed|mugged|robbed|attacked|assaulted|punched|kicked|threatened|hit|followed|"
          r"harassed|stalked|chased|spat\s+at|shot\s+at)\s+(?:me|my|us|our|him|her|them)",
          "Two men assaulted me outside the station"),
    _rule(CRIME, "Describes a break-in, theft or damage",
          r"bro(?:ke|ken)\s+into|break(?:ing|s)?\s+into|break-?in|burgl(?:ed|ary\s+at)|"
          r"stole|stolen|nicked\s+(?:my|our)|smashed\s+(?:my|our|the)|set\s+(?:fire\s+to|alight)|"
          r"arson|vandalised\s+(?:my|our)",
          "Someone broke into our shed on Friday"),
    _rule(CRIME, "Says drugs are being sold, or names a place for it",
          r"(?:selling|sell|sells|sold|dealing|deal|deals|dealt|supplying|pushing)\s+(?:drugs|"
          r"crack|heroin|cocaine|coke|weed|cannabis|skunk|spice|ketamine|pills|gear)|"
          r"drug\s+deal(?:er|ers|ing|s)?|dealers?\s+(?:at|on|in|outside|from)|trap\s+house|"
          r"crack\s+house|drugs?\s+den",
          "They are selling drugs from the flat above the chip shop"),
    _rule(CRIME, "Mentions a weapon being carried or used",
          r"(?:has|have|had|carrying|carries|carry|carried|with|pulled|waving|brandishing|"
          r"holding)\s+(?:a\s+|an\s+)?(?:knife|knives|gun|guns|machete|blade|weapon|firearm|"
          r"zombie\s+knife)|gunshots?|shots?\s+fired",
          "A boy pulled a knife on my friend"),
    _rule(CRIME, "Says they know who did something, or saw it happen",
          r"i\s+know\s+who|i\s+saw\s+(?:him|her|them|someone|a\s+man|a\s+woman)|"
          r"(?:i|we)\s+witnessed|crime\s+(?:reference|ref|number)|hate\s+crime|"
          r"racially\s+(?:abused|attacked|assaulted)",
          "I know who did it, he lives on my road"),
    _rule(CRIME, "Gives a time or place of an incident",
          r"yesterday|last\s+(?:night|week|weekend|month|" + _DAYS + r")|this\s+(?:morning|"
          r"afternoon|evening)|on\s+" + _DAYS + r"(?:\s+(?:night|morning|evening))?|"
          r"at\s+(?:about|around)\s+\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)?|"
          r"\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:january|february|march|april|may|june|july|"
          r"august|september|october|november|december)|"
          r"\d{1,4}[a-z]?\s+(?:[a-z']+\s+){1,3}(?:road|street|avenue|lane|close|gardens|estate|"
          r"way|place|drive|court|square|terrace|crescent|hill|grove|park|mews|row|walk)|"
          r"[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}",
          "It happened at about 11pm outside 24 Acacia Road"),
)


@dataclass(frozen=True)
class Flag:
    category: FlagCategory
    reason: str
    matched: str  # the words that matched, as written


def normalise(text: str) -> str:
    """Curly quotes and dashes as plain ones, so "I’m" reads as "I'm"."""
    return (text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
            .replace("\u2014", "-"))


def flag_for(text: str | None) -> Flag | None:
    """The first rule a comment matches (safeguarding before crime), or None."""
    if not text:
        return None
    plain = normalise(text)
    for rule in RULES:
        found = rule.pattern.search(plain)
        if found:
            return Flag(rule.category, rule.reason, found.group(0)[:200])
    return None
