"""English patterns, over lower-cased tokens joined by spaces. Bounded gaps only: no catastrophic regexes."""

from __future__ import annotations

from airwarn.domain.reports import RegimeKind, ReportKind
from airwarn.extract.lexicon import GAP as _GAP
from airwarn.extract.lexicon import KindRule, Lexicon, either_order, rx

DRONE = (
    r"(?:drones?|uavs?|unmanned (?:aerial )?(?:vehicles?|aircraft)|shaheds?|gerans?|kamikaze|missiles?|rockets?|"
    r"(?:aerial |air )?targets?|threats?|projectiles?|loitering munitions?|quadcopters?|copters?)"
)
_AIRPORT = r"(?:airports?|flights?|air traffic|departures|arrivals|runways?|air harbou?r)"
_SUSPEND = (
    r"(?:suspend\w*|halt\w*|closed|closure|clos(?:es|ing)|restrict\w*|stopp?\w*|paus\w*|grounded|delay\w*|"
    r"not (?:accepting|receiving|operating)|cancel\w*|divert\w*|shut)"
)
_RESUME = (
    r"(?:resum\w*|reopen\w*|restrictions" + _GAP % 3 + r" (?:lifted|removed|eased)|lift\w* (?:the )?(?:\S+ )?"
    r"restrictions|back to normal|normal operations?|operating normally|restor\w*)"
)
_INTERNET = r"(?:mobile (?:internet|data|communications?|network|connection)|cellular (?:internet|data)|internet)"
_CUT = (
    r"(?:restrict\w*|limit\w*|shut\w*|cut|cuts|disabl\w*|slow\w*|outages?|switched off|turned off|throttl\w*|"
    r"block\w*|disrupt\w*|unavailable|down)"
)
_BUILDING = (
    r"(?:houses?|homes?|buildings?|roofs?|windows?|cars?|vehicles?|garages?|facilit\w+|depots?|warehouses?|"
    r"plants?|refiner\w+|substations?|infrastructure|apartments?|sheds?|structures?|power lines?|enterprises?)"
)

KINDS = (
    KindRule(
        ReportKind.INTERCEPTION,
        rx(
            r"\b(?:intercept\w*|shot down|shoot(?:s|ing)? down|downed|brought down|air defen[cs]es?"
            + _GAP % 3
            + r" (?:destroy\w*|repel\w*|repuls\w*|neutrali[sz]\w*|engag\w*|work\w*|activ\w*|respond\w*))\b"
        ),
    ),
    KindRule(
        ReportKind.INTERCEPTION,
        rx(
            r"\b" + DRONE + _GAP % 4 + r" (?:were|was|been|being|are|is)(?: \S+){0,2} (?:neutrali[sz]\w*|destroy\w*|"
            r"eliminat\w*|suppress\w*|repel\w*|repuls\w*|thwart\w*|foil\w*|jammed|downed|stopped)\b"
        ),
    ),
    KindRule(
        ReportKind.INTERCEPTION,
        rx(
            r"\b(?:neutrali[sz]\w*|destroy\w*|eliminat\w*|suppress\w*|repel\w*|repuls\w*|thwart\w*|foil\w*)"
            + _GAP % 3
            + r" "
            + DRONE
            + r"\b"
        ),
    ),
    KindRule(
        ReportKind.DRONE_ATTACK,
        rx(
            r"\b"
            + DRONE
            + _GAP % 3
            + r" (?:attack\w*|target\w*|struck|strikes?|hit|raid\w*|slammed|crashed into|dropp\w*)\b"
        ),
    ),
    KindRule(ReportKind.DRONE_ATTACK, rx(r"\b(?:attack\w*|targeted|struck|hit) by" + _GAP % 2 + r" " + DRONE)),
    KindRule(
        ReportKind.DRONE_ATTACK,
        rx(r"\b(?:attack\w*|struck|hit|targeted)" + _GAP % 5 + r" with" + _GAP % 1 + r" " + DRONE),
    ),
    KindRule(
        ReportKind.DRONE_ATTACK,
        rx(
            r"\b(?:drone|uav|missile|kamikaze drone|massive|combined|(?:guided|glide|aerial) bomb) "
            r"(?:attacks?|strikes?|raids?)\b"
        ),
        weak=True,
    ),
    KindRule(
        ReportKind.EXPLOSION,
        rx(r"\b(?:explosions?|blasts?|bangs?|detonations?|loud (?:sounds?|noises?|booms?)|booms)\b"),
    ),
    KindRule(
        ReportKind.DRONES_EN_ROUTE,
        rx(
            r"\b" + DRONE + _GAP % 6 + r" (?:en route|heading|headed|flying|moving|approaching|on (?:a |their |its )?"
            r"(?:way|course)|in the direction|toward|towards|bound for|making (?:their|its) way)\b"
        ),
    ),
    KindRule(
        ReportKind.AIRPORT_RESUMED,
        either_order(_AIRPORT, _RESUME, 6, 6),
    ),
    KindRule(
        ReportKind.AIRPORT_SUSPENDED,
        either_order(_AIRPORT, _SUSPEND, 6, 5),
        negatable=False,
    ),
    KindRule(
        ReportKind.INTERNET_RESTRICTED,
        either_order(_INTERNET, _CUT, 5, 5),
    ),
    KindRule(
        ReportKind.CASUALTIES,
        rx(
            r"\b(?:killed|killing|died|injured|injuring|wounded|wounding|hurt|hospitali[sz]ed|casualties|victims?|"
            r"fatalit\w+|lost (?:his|her|their) lives)\b"
        ),
    ),
    KindRule(
        ReportKind.DAMAGE,
        rx(
            r"\b(?:damaged|damaging|caught fire|fire broke out|set" + _GAP % 1 + r" on fire|blown out|shattered|"
            r"burn(?:ed|t|ing) down|ablaze|on fire|(?:caus|start|spark|trigger)(?:ed|ing) (?:a )?fires?|set fire to|"
            r"destroyed" + _GAP % 4 + r" " + _BUILDING + r"|" + _BUILDING + _GAP % 3 + r" (?:were|was) destroyed)\b"
        ),
    ),
    KindRule(
        ReportKind.SHELTER_INCIDENT,
        rx(
            r"\b(?:shelters?" + _GAP % 8 + r" (?:fail\w*|falling short|fell short|short of|couldn't|could not|"
            r"unable|didn't|did not|locked|closed|trampl\w*|crush\w*|stampede|died|killed|injured)|(?:fail\w*|"
            r"short of|couldn't|could not|unable to|didn't|did not|locked|closed|trampl\w*|crush\w*|stampede|"
            r"died|killed|injured)" + _GAP % 6 + r" shelters?)\b"
        ),
        negatable=False,
    ),
)

REGIMES = (
    (
        RegimeKind.DRONE_HAZARD,
        rx(
            r"\b(?:(?:drone|uav)(?: attack)? (?:hazard|danger|threat|alert|alarm)|threat of (?:an? )?(?:drone|uav) "
            r"attacks?|threat of (?:attack|strike|kamikaze) (?:drones?|uavs?))\b"
        ),
    ),
    (
        RegimeKind.MISSILE_HAZARD,
        rx(
            r"\b(?:missile (?:hazard|danger|threat|alert|alarm)|rocket (?:hazard|danger)|"
            r"threat of (?:a )?missile (?:attack|strike)s?)\b"
        ),
    ),
    (
        RegimeKind.AIRSPACE_CLOSED,
        rx(
            r"\b(?:closed sk(?:y|ies)|airspace" + _GAP % 3 + r" closed|closure of (?:the )?"
            r"airspace|closed airspace)\b"
        ),
    ),
)

LEXICON = Lexicon(
    kinds=KINDS,
    regimes=REGIMES,
    declare=rx(
        r"\b(?:declar\w*|introduc\w*|announc\w*|impos\w*|in effect|in force|issued|activated|sounded|went off|"
        r"raised|remains|put in place|enacted|triggered|is on|was on|closed)\b"
    ),
    lift=rx(
        r"\b(?:lift\w*|cancel\w*|ended|end of|is over|was over|all[ -]clear|called off|revoked|stood down|"
        r"withdrawn|no longer)\b"
    ),
    plan=rx(r"\b(?:carpet|kovyor|kover|kovior)\b"),
    plan_verb=rx(
        r"\b(?:activat\w*|introduc\w*|declar\w*|launch\w*|implement\w*|in effect|in force|enacted|"
        r"impos\w*|put into effect|triggered|invoked|initiat\w*)\b"
    ),
    casualties_zero=rx(
        r"\b(?:(?:no|without|zero|nor)(?: \S+){0,2} (?:casualties|injuries|victims|deaths|fatalities|injured|"
        r"dead)|(?:no one|nobody|none)(?: \S+){0,2} (?:hurt|injured|killed|harmed))\b"
    ),
    damage_none=rx(r"\b(?:(?:no|without|nor)(?: \S+){0,3} (?:damage|destruction)|nothing was damaged)\b"),
    background=rx(
        r"(?:^(?:earlier|previously|in the past|as a reminder|recall|last (?:week|month|year)|meanwhile ,? "
        r"experts)\b|\b(?:investigations? into|debates?|conversation about|broader conversation|is a regime|"
        r"is a plan|is a procedure|means that|refers to|designed to prevent)\b)"
    ),
    negators=frozenset(
        [
            "no",
            "not",
            "never",
            "none",
            "nothing",
            "neither",
            "nor",
            "without",
            "nobody",
            "didn't",
            "wasn't",
            "weren't",
            "hasn't",
            "haven't",
            "isn't",
            "aren't",
            "don't",
            "doesn't",
            "failed",
            "zero",
            "unable",
        ]
    ),
    not_negation_after=frozenset(["fewer", "less", "later", "only", "more", "than"]),
    post_negators=frozenset(),
    anchors={
        ReportKind.INTERCEPTION: frozenset(
            [
                "drone",
                "uav",
                "unmanned",
                "missile",
                "rocket",
                "shahed",
                "geran",
                "target",
                "aerial",
                "projectile",
                "kamikaze",
                "quadcopter",
            ]
        ),
        ReportKind.EXPLOSION: frozenset(["explosion", "blast", "bang", "detonation", "loud", "boom"]),
        ReportKind.CASUALTIES: frozenset(
            [
                "people",
                "person",
                "civilian",
                "resident",
                "men",
                "man",
                "women",
                "woman",
                "child",
                "boy",
                "girl",
                "injured",
                "wounded",
                "killed",
                "dead",
            ]
        ),
        ReportKind.DAMAGE: frozenset(
            [
                "house",
                "home",
                "building",
                "car",
                "vehicle",
                "window",
                "garage",
                "apartment",
                "roof",
                "facilit",
                "warehouse",
            ]
        ),
    },
    list_joiners=frozenset(["and", ",", "as", "well", "&", "also"]),
    resume=rx(r"\b(?:lift\w*|resum\w*|reopen\w*|removed|eased|back to normal|restor\w*|normal operations?)\b"),
    suspend_verb=rx(r"\b(?:suspend\w*|halt\w*|closed|shut|stopp\w*|introduced|imposed)\b"),
    alert=rx(
        r"\b(?:air[- ]?raid (?:alert|warning|alarm|siren)s?|air[- ]raids? alerts?|air alerts?|air alarms?|sirens?)\b"
        r"|^all[ -]clear (?:in|for)\b"
    ),  # noqa: E501
    person_singular=frozenset(
        ["man", "woman", "child", "boy", "girl", "person", "resident", "driver", "mayor", "teenager", "pensioner"]
    ),
)
