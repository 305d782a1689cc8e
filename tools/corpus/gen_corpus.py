#!/usr/bin/env python3
"""Writes griffin's tokenizer training corpus: original English text made from
templates and the tables in words.py, with a fixed seed.

    python3 tools/corpus/gen_corpus.py --out build/corpus/corpus.txt [--bytes N]

The same Python 3 (3.2 or later: random.Random's choice/randint/random have
kept their algorithms since then) and the same tables give the same bytes.
Documents are separated by a blank line; SentencePiece's trainer reads one
sentence per line, so a document's lines are its sentences.

Genres, weighted toward what the models are evaluated on: everyday prose,
dialogue, science, invented history and geography, numbers and dates,
arithmetic word problems with worked answers, multiple-choice and short-answer
questions, lists and recipes, code-like lines, letters, news, glossaries.
Only the standard library is used.
"""

import argparse
import os
import random
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import words as W  # noqa: E402

SEED = 20240611
DEFAULT_BYTES = 4_000_000


# ---------------------------------------------------------------- grammar
def plural(n):
    irregular = {"mouse": "mice", "sheep": "sheep", "deer": "deer", "fish": "fish", "salmon": "salmon",
                 "trout": "trout", "cod": "cod", "tuna": "tuna", "knife": "knives", "shelf": "shelves",
                 "wolf": "wolves", "person": "people", "child": "children", "tooth": "teeth", "foot": "feet",
                 "leaf": "leaves", "loaf": "loaves", "potato": "potatoes", "tomato": "tomatoes",
                 "goldfish": "goldfish", "octopus": "octopuses", "cactus": "cacti", "scarf": "scarves",
                 "headphones": "headphones", "series": "series", "hero": "heroes", "bus": "buses"}
    if n in irregular:
        return irregular[n]
    if n.endswith(("s", "x", "z", "ch", "sh")):
        return n + "es"
    if n.endswith("y") and n[-2] not in "aeiou":
        return n[:-1] + "ies"
    return n + "s"


def a_an(word):
    return ("an " if word[0].lower() in "aeiou" and not word.startswith(("uni", "use", "eu")) else "a ") + word


def past(v):
    if v in W.IRREGULAR_MAP:
        return W.IRREGULAR_MAP[v][0]
    if v.endswith("e"):
        return v + "d"
    if v.endswith("y") and v[-2] not in "aeiou":
        return v[:-1] + "ied"
    if v in W.DOUBLING:
        return v + v[-1] + "ed"
    return v + "ed"


def participle(v):
    if v in W.IRREGULAR_MAP:
        return W.IRREGULAR_MAP[v][1]
    return past(v)


def ing(v):
    special = {"be": "being", "see": "seeing", "lie": "lying", "die": "dying", "tie": "tying"}
    if v in special:
        return special[v]
    if v in W.DOUBLING:
        return v + v[-1] + "ing"
    if v.endswith("e") and not v.endswith("ee"):
        return v[:-1] + "ing"
    return v + "ing"


def third(v):
    special = {"be": "is", "have": "has", "do": "does", "go": "goes"}
    if v in special:
        return special[v]
    if v.endswith(("s", "x", "z", "ch", "sh")):
        return v + "es"
    if v.endswith("y") and v[-2] not in "aeiou":
        return v[:-1] + "ies"
    return v + "s"


def cap(s):
    return s[:1].upper() + s[1:]


ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
       "sixteen seventeen eighteen nineteen".split()
TENS = "zero ten twenty thirty forty fifty sixty seventy eighty ninety".split()


def num_words(n):
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else "-" + ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + num_words(rest))
    if n < 1_000_000:
        rest = n % 1000
        head = num_words(n // 1000) + " thousand"
        if rest == 0:
            return head
        return head + (" and " if rest < 100 else " ") + num_words(rest)
    return str(n)


def ordinal(n):
    if 10 <= n % 100 <= 20:
        suf = "th"
    else:
        suf = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return "%d%s" % (n, suf)


ORD_WORDS = "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split()


def commas(n):
    return "{:,}".format(n)


# ---------------------------------------------------------------- generator
class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    # small pickers
    def c(self, seq):
        return self.r.choice(seq)

    def n(self, lo, hi):
        return self.r.randint(lo, hi)

    def p(self, prob):
        return self.r.random() < prob

    def pick(self, seq, k):
        """k distinct items, in a random order (no random.sample: keep to stable calls)."""
        pool = list(seq)
        out = []
        for _ in range(k):
            out.append(pool.pop(self.n(0, len(pool) - 1)))
        return out

    def name(self):
        return self.c(W.FIRST_NAMES)

    def full_name(self):
        return self.c(W.FIRST_NAMES) + " " + self.c(W.SURNAMES)

    def person(self):
        k = self.n(0, 9)
        if k < 6:
            return self.name()
        if k == 6:
            return self.c(W.TITLES) + " " + self.c(W.SURNAMES)
        if k == 7:
            return "my " + self.c("sister brother aunt uncle cousin neighbour friend grandmother grandfather".split())
        if k == 8:
            return "the " + self.c(W.JOBS)
        return self.full_name()

    def invented(self):
        s = self.c(W.SYL_START)
        if self.p(0.5):
            s += self.c(W.SYL_MID)
        return s + self.c(W.SYL_END)

    def money(self, lo=1, hi=200, cents=True):
        sym, _, _ = self.c(W.CURRENCIES)
        v = self.n(lo, hi)
        if cents and self.p(0.6):
            return "%s%d.%02d" % (sym, v, self.c([0, 5, 25, 49, 50, 75, 95, 99, self.n(0, 99)]))
        return "%s%d" % (sym, v)

    def clock(self):
        h, m = self.n(0, 23), self.c([0, 5, 10, 15, 20, 30, 40, 45, 50, 55, self.n(0, 59)])
        k = self.n(0, 2)
        if k == 0:
            return "%02d:%02d" % (h, m)
        if k == 1:
            return "%d:%02d %s" % ((h % 12) or 12, m, "am" if h < 12 else "pm")
        return "%d:%02d" % (h, m)

    def date(self):
        y, mo, d = self.n(1850, 2035), self.n(1, 12), self.n(1, 28)
        k = self.n(0, 6)
        if k == 0:
            return "%d %s %d" % (d, W.MONTHS[mo - 1], y)
        if k == 1:
            return "%s %d, %d" % (W.MONTHS[mo - 1], d, y)
        if k == 2:
            return "%04d-%02d-%02d" % (y, mo, d)
        if k == 3:
            return "%02d/%02d/%d" % (d, mo, y)
        if k == 4:
            return "%s %s" % (ordinal(d), W.MONTHS[mo - 1])
        if k == 5:
            return "%s, %d %s" % (self.c(W.DAYS), d, W.MONTH_ABBR[mo - 1])
        return "%s %d" % (W.MONTHS[mo - 1], y)

    def food_phrase(self):
        if self.p(0.6):
            f = self.c(W.FOODS_COUNT)
            k = self.n(1, 12)
            return "%s %s" % (num_words(k) if self.p(0.5) else str(k), f if k == 1 else plural(f))
        f = self.c(W.FOODS_MASS)
        return "%s %s" % (self.c(["some", "a bag of", "a jar of", "a kilo of", "a little", "a lot of", "two packets of"]), f)

    # ------------------------------------------------------------ genres
    def story(self):
        who = self.person()
        other = self.name()
        pron, obj, poss = self.c([("she", "her", "her"), ("he", "him", "his"), ("they", "them", "their")])
        place = self.c(W.TOWN_PLACES)
        s = []
        s.append("%s %s, %s %s to the %s." % (cap(self.c(W.TIMES_OF_DAY)), "on " + self.c(W.DAYS) if self.p(0.5) else "last " + self.c(W.SEASONS),
                                             who, past(self.c(["go", "walk", "drive", "ride", "run", "travel", "hurry", "wander"])), place))
        pool = [
            lambda: "The weather was %s, so %s took %s %s." % (self.c(W.WEATHER), pron, poss, self.c(W.OBJECTS)),
            lambda: "At the %s, %s bought %s and %s." % (place, pron, self.food_phrase(), self.food_phrase()),
            lambda: "%s met %s near the %s, and they talked about %s %s." % (cap(pron), other, self.c(W.TOWN_PLACES), self.c(["the", "an old", "a new", poss]), self.c(W.ABSTRACT)),
            lambda: "%s felt %s because %s %s had %s." % (cap(pron), self.c(W.FEELINGS), poss, self.c(W.OBJECTS), participle(self.c(["break", "disappear", "arrive", "change", "vanish", "return"]))),
            lambda: "After %s, %s %s %s." % (self.c(["an hour", "two hours", "a while", "a few minutes", "lunch", "a long wait", "half an hour"]), pron, past(self.c(W.VERBS_INTRANS)), self.c(W.ADVERBS)),
            lambda: "On the way home, %s noticed %s %s %s beside the %s." % (pron, a_an(self.c(W.ADJ)), self.c(W.ANIMALS)[0], ing(self.c(["sleep", "eat", "run", "wait", "hide", "sit", "play"])), self.c(W.NATURE + W.TOWN_PLACES)),
            lambda: "It was the %s time this %s that %s had %s %s." % (self.c(ORD_WORDS[2:]), self.c(W.SEASONS), pron, participle(self.c(W.VERBS_OBJECT)), a_an(self.c(W.OBJECTS))),
            lambda: "By %s, the %s was %s and %s." % (self.clock(), self.c(W.TOWN_PLACES), self.c(W.ADJ), self.c(W.ADJ)),
            lambda: "\"%s,\" %s %s." % (self.c(["What a day", "I should have known", "Not again", "That was easier than I thought", "We are nearly there", "Maybe tomorrow", "I knew it"]), pron, self.c(["thought", "said quietly", "muttered", "laughed"])),
            lambda: "%s %s %s %s to %s, who %s it %s." % (cap(pron), past(self.c(["give", "lend", "send", "show", "bring", "throw"])), a_an(self.c(W.ADJ)), self.c(W.OBJECTS), other, past(self.c(["take", "hold", "keep", "check", "put"])), self.c(W.ADVERBS)),
            lambda: "The %s said the %s would open again on %s." % (self.c(W.JOBS), self.c(W.TOWN_PLACES), self.c(W.DAYS)),
            lambda: "%s had never seen so many %s in one place." % (cap(pron), plural(self.c([a[0] for a in W.ANIMALS] + W.OBJECTS))),
            lambda: "There were %s people in the queue, and each of them held %s." % (num_words(self.n(2, 40)), a_an(self.c(W.OBJECTS))),
            lambda: "%s remembered %s %s: %s." % (cap(pron), poss, self.c(["grandmother's advice", "teacher's words", "old rule", "promise"]), self.c(["always carry a spare key", "never rush a good meal", "be kind to strangers", "check the map twice", "leave early when it rains", "say thank you"])),
            lambda: "When %s finally got home, %s %s %s and %s %s." % (pron, pron, past(self.c(["make", "cook", "eat", "have"])), a_an(self.c(["hot", "cold", "quick", "simple", "warm", "late", "small", "big", "fresh"])) + " " + self.c(["meal", "snack", "cup of tea", "bowl of soup", "sandwich", "plate of " + plural(self.c(W.FOODS_COUNT))]), past(self.c(["sit", "sleep", "read", "rest"])), self.c(["by the window", "on the sofa", "for an hour", "until dinner", "in the garden"])),
        ]
        for _ in range(self.n(3, 8)):
            s.append(self.c(pool)())
        return " ".join(s)

    def dialogue(self):
        a, b = self.pick(W.FIRST_NAMES, 2)
        pairs = [
            ("Have you seen my %s?" % self.c(W.OBJECTS), "I think it's on the %s, next to the %s." % (self.c(["table", "shelf", "sofa", "bed", "desk", "counter"]), self.c(W.OBJECTS))),
            ("What time does the %s open?" % self.c(W.TOWN_PLACES), "At %s, I believe, but it closes early on %s." % (self.clock(), self.c(W.DAYS))),
            ("How much did the %s cost?" % plural(self.c(W.FOODS_COUNT)), "%s for %s. Not bad, is it?" % (self.money(1, 20), num_words(self.n(2, 12)))),
            ("Do you want to go to the %s on %s?" % (self.c(W.TOWN_PLACES), self.c(W.DAYS)), "Sure, but only after %s." % self.c(["lunch", "work", "my class", "the match", "I finish this"])),
            ("Why are you so %s today?" % self.c(W.FEELINGS), "Because my %s %s this morning." % (self.c(W.OBJECTS), self.c(["broke", "went missing", "finally arrived", "stopped working"]))),
            ("Can you help me carry these %s?" % plural(self.c(W.OBJECTS)), self.c(["Of course. Where do they go?", "Give me a minute and I'll be right there.", "Only if you carry the heavy one!"])),
            ("Did you finish the %s homework?" % self.c(W.SUBJECTS), "Almost. I'm stuck on question %d." % self.n(2, 20)),
            ("Is it going to be %s tomorrow?" % self.c(W.WEATHER), "The forecast says %s, with a high of %d degrees." % (self.c(W.WEATHER), self.n(-5, 35))),
            ("Who was that at the door?", "Just the %s with a parcel for %s." % (self.c(W.JOBS), self.name())),
            ("Which %s do you like best?" % self.c(["colour", "season", "sport", "subject", "animal"]), "Probably %s. What about you?" % self.c(W.COLORS + W.SEASONS + W.SPORTS + [x[0] for x in W.ANIMALS])),
            ("How far is it to %s?" % self.invented(), "About %d kilometres, so roughly %s by %s." % (self.n(2, 300), self.c(["an hour", "twenty minutes", "half a day", "two hours"]), self.c(W.VEHICLES))),
            ("Are you sure this is the right way?", "No, but the map says we turn left after the %s." % self.c(W.TOWN_PLACES)),
        ]
        turns = []
        for _ in range(self.n(2, 5)):
            turns.extend(self.c(pairs))
        style = self.n(0, 2)
        lines = []
        minute = self.n(8 * 60, 21 * 60)
        for i, t in enumerate(turns):
            minute += self.n(0, 4)
            who = a if i % 2 == 0 else b
            if style == 0:
                verb = self.c(W.VERBS_COMM)
                if t.endswith("?"):
                    lines.append("\"%s\" %s %s." % (t, self.c(["asked", "wondered", "said"]), who))
                else:
                    lines.append("\"%s,\" %s %s." % (t.rstrip("."), who, verb) if t.endswith(".") else "\"%s\" %s %s." % (t, who, verb))
            elif style == 1:
                lines.append("%s: %s" % (who.upper(), t))
            else:
                lines.append("[%02d:%02d] %s: %s" % (minute // 60, minute % 60, who.lower(), t))
        return "\n".join(lines)

    def science(self):
        s = []
        for _ in range(self.n(1, 3)):
            s.append(self.c(W.SCIENCE_FACTS))
        for _ in range(self.n(1, 4)):
            k = self.n(0, 6)
            if k == 0:
                an = self.c(W.ANIMALS)
                s.append("%s is %s. It is %s that lives in %s, and it has %s legs." % (
                    cap(a_an(an[0])), a_an(an[1]), a_an(an[2]), an[3], num_words(an[4]) if an[4] else "no"))
            elif k == 1:
                m = self.c(W.MATERIALS)
                s.append("%s %s electricity%s, %s attracted to a magnet, and is %s at room temperature." % (
                    cap(m[0]), "conducts" if m[1] else "does not conduct", " well" if m[1] else "",
                    "is" if m[2] else "is not", "a " + m[4] if m[4] == "liquid" else m[4] if m[4] == "solid" else "a gas"))
            elif k == 2:
                pl = self.c(W.PLANETS)
                s.append("%s is the %s planet from the Sun and is %s." % (pl[0], ORD_WORDS[pl[1]], "a " + pl[2] + " planet" if pl[2] == "rocky" else "an " + pl[2] if pl[2][0] in "aeiou" else "a " + pl[2]))
            elif k == 3:
                e = self.c(W.ELEMENTS)
                s.append("The chemical symbol for %s is %s, and its atomic number is %d." % (e[0], e[1], e[2]))
            elif k == 4:
                t = self.n(-40, 120)
                s.append("A temperature of %d °C is the same as %.1f °F." % (t, t * 9 / 5 + 32))
            elif k == 5:
                speed = self.n(2, 90)
                s.append("An object moving at %d metres per second covers %s metres in %d seconds." % (speed, commas(speed * 60), 60))
            else:
                m, v = self.n(1, 50), self.n(1, 25)
                s.append("If a block has a mass of %d g and a volume of %d cm³, its density is %s g/cm³." % (m, v, ("%.2f" % (m / v)).rstrip("0").rstrip(".")))
        if self.p(0.4):
            s.append(self.c(["Scientists test ideas like this with careful experiments.",
                             "You can check this at home with a simple experiment.",
                             "This is one reason why the result surprised early observers.",
                             "Remember to record every measurement in a table.",
                             "In short, the pattern holds in almost every case we can observe."]))
        return " ".join(s)

    def history(self):
        kingdom = self.invented()
        city = self.invented()
        river = self.invented()
        ruler = "%s %s" % (self.c(["King", "Queen", "Duke", "Duchess", "Chancellor", "Mayor", "Governor", "Empress"]), self.invented())
        year = self.n(800, 1950)
        events = [
            "built a stone bridge across the River %s" % river,
            "signed a trade agreement with %s" % self.invented(),
            "opened the first public library in %s" % city,
            "suffered a long drought that lasted %s years" % num_words(self.n(2, 7)),
            "moved the capital from %s to %s" % (city, self.invented()),
            "founded a university for %s and %s" % (self.c(W.SUBJECTS), self.c(W.SUBJECTS)),
            "began minting silver coins stamped with a %s" % self.c([a[0] for a in W.ANIMALS] + W.PLANTS),
            "lost a war against %s and gave up %s villages" % (self.invented(), num_words(self.n(3, 30))),
            "finished a canal %s kilometres long" % self.n(10, 400),
            "held the first census, which counted %s people" % commas(self.n(5000, 900000)),
            "introduced a new calendar with %s months" % num_words(self.n(10, 13)),
            "was struck by a flood that destroyed the lower town",
            "welcomed merchants selling %s, %s and %s" % (self.c(W.FOODS_MASS), self.c(["silk", "salt", "timber", "wool", "spices", "glass", "copper"]), self.c(["horses", "paper", "pottery", "tea", "iron tools"])),
            "passed a law that every child must learn to read",
        ]
        if self.p(0.5):
            s = ["%s is a %s that lies along the River %s." % (kingdom, self.c(["small kingdom", "former duchy", "coastal republic", "mountain province", "river valley", "trading city"]), river)]
            for _ in range(self.n(3, 6)):
                year += self.n(1, 60)
                s.append("%s %s, %s %s." % (self.c(["In", "Around", "By", "Early in", "Late in"]), year, ruler if self.p(0.5) else "the people of " + kingdom, self.c(events)))
            s.append("Historians still %s %s." % (self.c(["argue about", "study", "write about", "disagree about"]),
                                              self.c(["the causes of these changes", "why the capital moved", "how many people lived there", "the records from this period"])))
            if self.p(0.3):
                c1 = year // 100 + 1
                s.append("By the %s century, %s was %s." % (ordinal(c1), kingdom, self.c(["a busy centre of trade", "almost forgotten", "famous for its bridges", "part of a larger empire"])))
            return " ".join(s)
        lines = ["Timeline of %s" % kingdom]
        for _ in range(self.n(3, 7)):
            year += self.n(1, 40)
            e = self.c(events)
            lines.append("%s %d %s %s" % (self.c(["-", "*", ""]) if self.p(0.3) else "", year, self.c(["–", "-", ":", "—"]), cap(e) + "."))
        return "\n".join(x.strip() for x in lines)

    def geography(self):
        if self.p(0.45):
            c = self.c(W.COUNTRIES)
            s = ["%s is a country in %s." % (c[0], c[2]),
                 "Its capital is %s, and %s is widely spoken there." % (c[1], c[3])]
            if self.p(0.5):
                d = self.c(W.COUNTRIES)
                if d[2] == c[2] and d[0] != c[0]:
                    s.append("Like %s, %s is also in %s." % (c[0], d[0], d[2]))
                elif d[0] != c[0]:
                    s.append("%s, by contrast, is in %s, and its capital is %s." % (d[0], d[2], d[1]))
            return " ".join(s)
        country, capital, river, mount = self.invented(), self.invented(), self.invented(), self.invented()
        pop = self.n(50_000, 90_000_000)
        area = self.n(500, 2_000_000)
        s = ["%s is %s country %s." % (country, self.c(["a small", "a large", "a mountainous", "a coastal", "a landlocked", "an island"]), self.c(["in the north", "on the eastern coast", "between two seas", "south of the great desert", "in a wide river basin"])),
             "Its capital, %s, stands on the %s River, which is %s km long." % (capital, river, commas(self.n(80, 6000))),
             "The country covers about %s square kilometres and has a population of roughly %s." % (commas(area), commas(pop)),
             "The highest point is Mount %s, at %s metres above sea level." % (mount, commas(self.n(300, 8000))),
             "The climate is %s, with %s summers and %s winters." % (self.c(["temperate", "dry", "tropical", "continental", "mild", "harsh"]), self.c(["hot", "warm", "short", "long", "humid"]), self.c(["cold", "wet", "mild", "snowy", "long"])),
             "Its main exports are %s, %s and %s." % (self.c(W.FOODS_MASS + [plural(x) for x in W.FOODS_COUNT]), self.c([m[0] for m in W.MATERIALS if m[4] == "solid"]), self.c(["textiles", "machinery", "timber", "fish", "coffee", "cotton", "electronics", "tea"]))]
        if self.p(0.5):
            s.append("The population density is about %s people per square kilometre." % commas(max(1, pop // area)))
        return " ".join(s[: self.n(3, len(s))])

    def numbers(self):
        k = self.n(0, 9)
        if k == 0:
            return "The meeting is on %s at %s in room %d%s." % (self.date(), self.clock(), self.n(1, 650), self.c(["", "A", "B", "C"]))
        if k == 1:
            items = []
            total = 0
            for _ in range(self.n(2, 7)):
                cents = self.n(50, 4000)
                total += cents
                items.append("%-12s %6.2f" % (self.c(W.FOODS_COUNT + W.FOODS_MASS + W.OBJECTS), cents / 100))
            items.append("%-12s %6.2f" % ("TOTAL", total / 100))
            return "RECEIPT %s\n" % self.date() + "\n".join(items)
        if k == 2:
            return "Call %s on 0%d %03d %04d or write to %s@example.%s before %s." % (
                self.name(), self.n(10, 99), self.n(0, 999), self.n(0, 9999), self.name().lower(), self.c(["com", "org", "net"]), self.date())
        if k == 3:
            a, b = self.n(1, 999_999), self.n(0, 99)
            return "%s is written as %s in words, and %d is %s." % (commas(a), num_words(a), b, num_words(b))
        if k == 4:
            u = self.c(W.UNITS)
            v = self.n(1, 999)
            return "The %s measured %d.%d %s (%d%s), about %d percent %s than last year's %d%s." % (
                self.c(["parcel", "river", "tank", "journey", "plank", "bag", "race"]), v, self.n(0, 9), u[1], v, u[2],
                self.n(1, 60), self.c(["more", "less"]), self.n(1, 999), u[2])
        if k == 5:
            return "Temperatures ranged from %d °C at %s to %d °C by %s, with %d%% humidity and winds of %d km/h." % (
                self.n(-20, 15), self.clock(), self.n(15, 42), self.clock(), self.n(10, 100), self.n(0, 90))
        if k == 6:
            y1 = self.n(1900, 2000)
            y2 = y1 + self.n(1, 60)
            return "From %d to %d is %d years; %d was %s leap year." % (y1, y2, y2 - y1, y2,
                                                                      "a" if (y2 % 4 == 0 and (y2 % 100 != 0 or y2 % 400 == 0)) else "not a")
        if k == 7:
            n1 = self.n(2, 30)
            return "Order #%d: %d × %s at %s each, shipped %s, tracking %s%d." % (
                self.n(10000, 99999), n1, self.c(W.OBJECTS), self.money(1, 90), self.date(), self.c(["ZX", "QA", "GR", "TK"]), self.n(100000, 999999))
        if k == 8:
            a, b = self.n(1, 12), self.n(2, 12)
            pct, base = self.c([10, 20, 25, 50, 75]), self.n(1, 40) * 20
            return "%d/%d of %d is %d, and %d%% of %d is %d." % (a, b, b * 4, a * 4, pct, base, base * pct // 100)
        return "Version %d.%d.%d was released on %s; it fixed %d bugs and added %d features." % (
            self.n(0, 9), self.n(0, 30), self.n(0, 99), self.date(), self.n(1, 300), self.n(1, 40))

    def word_problem(self):
        k = self.n(0, 13)
        a = self.name()
        item = self.c(W.FOODS_COUNT + W.OBJECTS)
        items = plural(item)
        steps = []
        if k == 0:
            x, y, z = self.n(8, 60), self.n(1, 7), self.n(2, 30)
            q = "%s has %d %s. %s gives %d to a friend and then buys %d more. How many %s does %s have now?" % (a, x, items, a, y, z, items, a)
            steps = [("%d - %d" % (x, y), x - y), ("%d + %d" % (x - y, z), x - y + z)]
        elif k == 1:
            n, price = self.n(2, 9), self.n(2, 15)
            bill = ((n * price) // 10 + 1) * 10 + self.c([0, 10, 40])
            q = "%s buys %d %s for $%d each and pays with $%d. How much change does %s get?" % (a, n, items, price, bill, a)
            steps = [("%d * %d" % (n, price), n * price), ("%d - %d" % (bill, n * price), bill - n * price)]
        elif k == 2:
            sp, t = self.n(20, 110), self.n(2, 9)
            q = "A %s travels at %d km per hour for %d hours. How far does it go?" % (self.c(W.VEHICLES), sp, t)
            steps = [("%d * %d" % (sp, t), sp * t)]
        elif k == 3:
            kk = self.n(2, 9)
            each = self.n(2, 15)
            q = "%s shares %d %s equally among %d friends. How many does each friend get?" % (a, kk * each, items, kk)
            steps = [("%d / %d" % (kk * each, kk), each)]
        elif k == 4:
            l, wd = self.n(3, 40), self.n(2, 30)
            q = "A rectangular %s is %d metres long and %d metres wide. What is its %s?" % (self.c(["garden", "room", "field", "yard", "pool"]), l, wd, self.c(["area", "perimeter"]))
            steps = [("%d * %d" % (l, wd), l * wd)] if "area" in q else [("2 * (%d + %d)" % (l, wd), 2 * (l + wd))]
        elif k == 5:
            price, d = self.n(2, 40) * 10, self.c([10, 20, 25, 50])
            q = "A %s costs $%d. It is on sale for %d%% off. What is the sale price?" % (self.c(W.OBJECTS), price, d)
            steps = [("%d * %d / 100" % (price, d), price * d // 100), ("%d - %d" % (price, price * d // 100), price - price * d // 100)]
        elif k == 6:
            b = self.name()
            y, diff, z = self.n(5, 40), self.n(2, 30), self.n(1, 10)
            q = "%s is %d years older than %s, who is %d. How old will %s be in %d years?" % (a, diff, b, y, a, z)
            steps = [("%d + %d" % (y, diff), y + diff), ("%d + %d" % (y + diff, z), y + diff + z)]
        elif k == 7:
            s, wk = self.n(3, 25), self.n(3, 20)
            q = "%s saves $%d every week. How much has %s saved after %d weeks?" % (a, s, a, wk)
            steps = [("%d * %d" % (s, wk), s * wk)]
        elif k == 8:
            b, c, sold = self.n(2, 8), self.n(6, 24), 0
            sold = self.n(1, b * c)
            q = "A baker makes %d trays of %s with %d on each tray. She sells %d. How many are left?" % (b, plural(self.c(["cookie", "muffin", "roll", "bun", "pie"])), c, sold)
            steps = [("%d * %d" % (b, c), b * c), ("%d - %d" % (b * c, sold), b * c - sold)]
        elif k == 9:
            h, m, dur = self.n(6, 20), self.c([0, 10, 15, 20, 30, 45]), self.n(20, 200)
            end = h * 60 + m + dur
            q = "A train leaves at %d:%02d and the trip takes %d minutes. At what time does it arrive?" % (h, m, dur)
            steps = [("%d:%02d + %d minutes" % (h, m, dur), "%d:%02d" % ((end // 60) % 24, end % 60))]
        elif k == 10:
            pages, per = self.n(80, 600), self.n(10, 60)
            days = -(-pages // per)
            q = "A book has %d pages. If %s reads %d pages a day, how many days will it take to finish?" % (pages, a, per)
            steps = [("%d / %d rounded up" % (pages, per), days)]
        elif k == 11:
            vals = [self.n(40, 100) for _ in range(self.n(3, 5))]
            tot = sum(vals)
            while tot % len(vals):
                vals[-1] += 1
                tot += 1
            q = "%s scored %s on %s tests. What is the average score?" % (a, ", ".join(str(v) for v in vals[:-1]) + " and %d" % vals[-1], num_words(len(vals)))
            steps = [(" + ".join(str(v) for v in vals), tot), ("%d / %d" % (tot, len(vals)), tot // len(vals))]
        elif k == 12:
            d = self.n(2, 8)
            n = d * self.n(2, 12)
            q = "There are %d %s in a box, and 1/%d of them are %s. How many are %s?" % (n, items, d, self.c(W.COLORS), "that colour")
            steps = [("%d / %d" % (n, d), n // d)]
        else:
            ad, ch, pa, pc = self.n(1, 5), self.n(1, 6), self.n(8, 30), self.n(3, 15)
            q = "Tickets to the %s cost $%d for adults and $%d for children. How much do %d adults and %d children pay?" % (self.c(W.TOWN_PLACES), pa, pc, ad, ch)
            steps = [("%d * %d" % (ad, pa), ad * pa), ("%d * %d" % (ch, pc), ch * pc), ("%d + %d" % (ad * pa, ch * pc), ad * pa + ch * pc)]
        ans = steps[-1][1]
        style = self.n(0, 3)
        if style == 0:  # worked steps with calculator marks and a final line
            sol = " ".join("%s = <<%s=%s>>%s." % (e, e.replace(" ", ""), v, v) for e, v in steps if "minutes" not in e and "rounded" not in e)
            if not sol:
                sol = " ".join("%s = %s." % (e, v) for e, v in steps)
            return "Question: %s\nAnswer: %s\n#### %s" % (q, sol, ans)
        if style == 1:
            sol = " ".join("%s = %s." % (e, v) for e, v in steps)
            return "Q: %s\nA: Let's think step by step. %s The answer is %s." % (q, sol, ans)
        if style == 2:
            return "Problem: %s\nSolution: %s\nFinal answer: %s" % (q, " Then ".join("%s = %s" % (e, v) for e, v in steps) + ".", ans)
        return "%s\n%s" % (q, "The answer is %s." % ans)

    def mcq_item(self):
        """A question, four options and the index of the right one."""
        k = self.n(0, 8)
        if k == 0:
            cls = self.c(W.ANIMAL_CLASSES[:6])
            right = self.c([a for a in W.ANIMALS if a[1] == cls])[0]
            wrong = self.pick([a[0] for a in W.ANIMALS if a[1] != cls], 3)
            q = "Which of these animals is %s?" % a_an(cls)
        elif k == 1:
            c = self.c(W.COUNTRIES)
            right = c[1]
            wrong = self.pick([x[1] for x in W.COUNTRIES if x[0] != c[0]], 3)
            q = "What is the capital of %s?" % c[0]
        elif k == 2:
            pl = self.c(W.PLANETS)
            right = pl[0]
            wrong = self.pick([x[0] for x in W.PLANETS if x != pl], 3)
            q = "Which planet is %s from the Sun?" % ("the " + ORD_WORDS[pl[1]])
        elif k == 3:
            e = self.c(W.ELEMENTS)
            right = e[1]
            wrong = self.pick([x[1] for x in W.ELEMENTS if x != e], 3)
            q = "What is the chemical symbol for %s?" % e[0]
        elif k == 4:
            right = self.c([m[0] for m in W.MATERIALS if m[2]])
            wrong = self.pick([m[0] for m in W.MATERIALS if not m[2] and m[4] == "solid"], 3)
            q = "Which material is attracted to a magnet?"
        elif k == 5:
            x, y = self.n(2, 15), self.n(2, 15)
            right = str(x * y)
            cands = [str(x * y + d) for d in (-x, x, -y, y, 1, -1, 10) if x * y + d > 0]
            wrong = []
            for cnd in self.pick(cands, len(cands)):
                if cnd not in wrong and cnd != right and len(wrong) < 3:
                    wrong.append(cnd)
            q = "What is %d × %d?" % (x, y) if self.p(0.5) else "What is %d times %d?" % (x, y)
        elif k == 6:
            g = self.c(W.GLOSSARY)
            right = g[0]
            wrong = self.pick([x[0] for x in W.GLOSSARY if x[1] == g[1] and x != g] or [x[0] for x in W.GLOSSARY if x != g], 3)
            q = "Which word means \"%s\"?" % g[2]
        elif k == 7:
            c = self.c(W.COUNTRIES)
            right = c[2]
            wrong = self.pick([x for x in ["Europe", "Africa", "Asia", "North America", "South America", "Oceania"] if x != c[2]], 3)
            q = "On which continent is %s?" % c[0]
        else:
            g = self.c(W.GOALS)
            right = g[1]
            wrong = [g[2], "Ask a stranger to do it for you without explaining.", "Wait a week and hope it happens by itself."]
            q = "What is the best way to %s?" % g[0]
        opts = [right] + wrong[:3]
        order = self.pick(range(4), 4)
        opts = [opts[i] for i in order]
        return q, opts, order.index(0)

    def mcq(self):
        style = self.n(0, 3)
        out = []
        if style == 0:
            out.append("The following are multiple choice questions (with answers) about %s." % self.c(W.SUBJECTS))
            out.append("")
        for _ in range(self.n(1, 4) if style == 0 else 1):
            q, opts, ans = self.mcq_item()
            if style in (0, 1):
                out.append(q)
                for i, o in enumerate(opts):
                    out.append("%s. %s" % ("ABCD"[i], o))
                out.append("Answer: %s" % "ABCD"[ans])
            elif style == 2:
                out.append("Question: %s\nAnswer: %s" % (q, opts[ans]))
            else:
                out.append("%s (A) %s (B) %s (C) %s (D) %s" % (q, *opts))
                out.append("The correct answer is (%s) %s." % ("ABCD"[ans], opts[ans]))
            out.append("")
        return "\n".join(out).strip()

    def qa(self):
        k = self.n(0, 5)
        if k == 0:
            passage, q, yes = self.c(W.BOOLQ)
            return "%s\nQuestion: %s?\nAnswer: %s" % (passage, q, "yes" if yes else "no")
        if k == 1:
            g = self.c(W.GOALS)
            sols = [g[1], g[2]] if self.p(0.5) else [g[2], g[1]]
            return "Goal: %s\nSolution 1: %s\nSolution 2: %s\nAnswer: %d" % (cap(g[0]), sols[0], sols[1], sols.index(g[1]) + 1)
        if k == 2:
            sc = self.c(W.SOCIAL)
            a, b = self.pick(W.FIRST_NAMES, 2)
            ans = [sc[2], sc[3], sc[4]]
            order = self.pick(range(3), 3)
            ans = [ans[i] for i in order]
            return "%s\nQuestion: %s\nA: %s\nB: %s\nC: %s\nAnswer: %s" % (
                sc[0].format(a=a, b=b), sc[1].format(a=a, b=b), ans[0], ans[1], ans[2], "ABC"[order.index(0)])
        if k == 3:
            act = self.c(W.ACTIVITIES)
            return "%s: %s %s" % (act[0], act[1], act[2] if self.p(0.7) else self.c(act[3]))
        if k == 4:
            an = self.c(W.ANIMALS)
            qs = [("How many legs does %s have?" % a_an(an[0]), num_words(an[4]) if an[4] else "none" if an[0] not in ("whale", "dolphin") else "none; it has flippers"),
                  ("What kind of animal is %s?" % a_an(an[0]), cap(a_an(an[1])) + "."),
                  ("Where do %s usually live?" % plural(an[0]), "In %s." % an[3]),
                  ("What does %s eat?" % a_an(an[0]), {"herbivore": "Plants.", "carnivore": "Other animals.", "omnivore": "Both plants and animals."}[an[2]])]
            q, a = self.c(qs)
            return "Q: %s\nA: %s" % (q, cap(a))
        g = self.c(W.GLOSSARY)
        return "Q: What does \"%s\" mean?\nA: As %s, \"%s\" means %s." % (g[0], a_an(g[1]), g[0], g[2])

    def lists(self):
        k = self.n(0, 4)
        if k == 0:
            head = self.c(["Shopping list", "Groceries", "To buy", "Market list"])
            bullet = self.c(["- ", "* ", "• ", "[ ] "])
            return head + ":\n" + "\n".join(bullet + self.food_phrase() for _ in range(self.n(3, 9)))
        if k == 1:
            head = "To do (%s):" % self.c(W.DAYS)
            tasks = ["%s the %s" % (self.c(W.VERBS_OBJECT), self.c(W.OBJECTS)) for _ in range(self.n(3, 7))]
            tasks += ["call %s about %s" % (self.person(), self.c(W.ABSTRACT)), "pay the %s bill" % self.c(["water", "phone", "gas", "internet"])]
            return head + "\n" + "\n".join("%d. %s" % (i + 1, cap(t)) for i, t in enumerate(self.pick(tasks, len(tasks))))
        if k == 2:
            title, steps = self.c(W.HOWTO)
            return ("How to %s\n" % title) + "\n".join("%s %s" % ("Step %d:" % (i + 1) if self.p(0.5) else "%d." % (i + 1), st) for i, st in enumerate(steps))
        if k == 3:
            dish = "%s and %s %s" % (self.c(W.FOODS_COUNT), self.c(W.FOODS_MASS), self.c(["soup", "pie", "salad", "stew", "bake", "curry", "tart"]))
            ing_ = ["%d %s %s" % (self.n(1, 500), self.c(["g", "ml", "tbsp", "tsp", "cups"]), self.c(W.FOODS_MASS + W.FOODS_COUNT)) for _ in range(self.n(3, 8))]
            method = ["Heat the oven to %d °C." % self.c([160, 180, 200, 220]), "Chop the %s finely." % plural(self.c(W.FOODS_COUNT)),
                      "Mix everything in a large bowl.", "Cook for %d minutes, stirring now and then." % self.n(5, 60),
                      "Season with salt and pepper.", "Serve %s." % self.c(["hot", "warm", "cold", "with bread", "at once"])]
            return "Recipe: %s\nServes %d\n\nIngredients:\n%s\n\nMethod:\n%s" % (
                cap(dish), self.n(2, 8), "\n".join("- " + x for x in ing_), "\n".join("%d. %s" % (i + 1, m) for i, m in enumerate(method)))
        things = self.pick(W.OBJECTS + W.FOODS_COUNT, self.n(4, 10))
        return "Packing list for %s:\n%s" % (self.invented(), "\n".join("%s %s %s" % (self.c(["-", "*", "+"]), self.n(1, 4), x) for x in things))

    def ident(self):
        v, n = self.c(W.CODE_VERBS), self.c(W.CODE_NOUNS)
        k = self.n(0, 2)
        if k == 0:
            return "%s_%s" % (v, n)
        if k == 1:
            return v + cap(n)
        return n

    def code(self):
        k = self.n(0, 9)
        f, a, b, n = self.ident(), self.c(W.CODE_NOUNS), self.c(W.CODE_NOUNS), self.n(0, 100)
        if k == 0:
            return "\n".join([
                "def %s(%s, %s=%d):" % (f, plural(a), b, n),
                "    \"\"\"Return the %s of each %s.\"\"\"" % (b, a),
                "    result = []",
                "    for %s in %s:" % (a, plural(a)),
                "        if %s.%s > %s:" % (a, b, b),
                "            result.append(%s.%s)" % (a, b),
                "    return result",
            ])
        if k == 1:
            return "\n".join([
                "/* %s: adds up the %s that pass the test. */" % (f, plural(a)),
                "int %s(const int *%s, int n) {" % (f, plural(a)),
                "    int total = 0;",
                "    for (int i = 0; i < n; i++) {",
                "        if (%s[i] %s %d) total += %s[i];" % (plural(a), self.c(["<", ">", "==", "!=", ">=", "<="]), n, plural(a)),
                "    }",
                "    printf(\"%s: %%d\\n\", total);" % f,
                "    return total;",
                "}",
            ])
        if k == 2:
            return "\n".join([
                "function %s(%s) {" % (f, a),
                "  const %s = %s.filter((x) => x.%s !== null);" % (plural(b), a, b),
                "  console.log(`found ${%s.length} %s`);" % (plural(b), plural(b)),
                "  return %s.map((x) => x.%s * %d);" % (plural(b), b, n),
                "}",
            ])
        if k == 3:
            return "$ %s\n%s" % (self.c(["ls -la", "cd ~/projects && make -j2", "git status", "grep -rn \"%s\" src/" % a,
                                         "python3 %s.py --%s %d" % (f, b, n), "tar -xzf %s.tar.gz" % a, "mkdir -p data/%s" % plural(a),
                                         "cat %s.txt | wc -l" % plural(a), "echo $HOME"]),
                                 self.c(["total %d" % n, "On branch main", "%d" % n, "done.", "error: file not found: %s.txt" % a, ""]))
        if k == 4:
            return "SELECT %s, %s FROM %s WHERE %s %s %d ORDER BY %s %s LIMIT %d;" % (
                a, b, plural(self.c(W.CODE_NOUNS)), b, self.c(["<", ">", "=", ">="]), n, a, self.c(["ASC", "DESC"]), self.n(1, 50))
        if k == 5:
            return "{\"%s\": \"%s\", \"%s\": %d, \"%s\": %s, \"tags\": [\"%s\", \"%s\"]}" % (
                a, self.name(), b, n, self.c(W.CODE_NOUNS), self.c(["true", "false", "null", "3.14", "[]"]), self.c(W.COLORS), self.c(W.SEASONS))
        if k == 6:
            return "\n".join(["%s:" % a, "  %s: %d" % (b, n), "  name: %s" % self.invented().lower(), "  enabled: %s" % self.c(["true", "false"]),
                              "  items:", "    - %s" % self.c(W.CODE_NOUNS), "    - %s" % self.c(W.CODE_NOUNS)])
        if k == 7:
            return "<div class=\"%s\">\n  <h2>%s</h2>\n  <p>%s %s the <a href=\"https://example.com/%s\">%s</a>.</p>\n</div>" % (
                a, cap(self.c(W.ADJ)) + " " + plural(self.c(W.OBJECTS)), self.name(), past(self.c(W.VERBS_OBJECT)), plural(b), b)
        if k == 8:
            rows = ["name,age,city,score"] if self.p(0.5) else ["name\tage\tcity\tscore"]
            sep = "," if "," in rows[0] else "\t"
            for _ in range(self.n(2, 6)):
                rows.append(sep.join([self.name(), str(self.n(5, 90)), self.invented(), "%.1f" % (self.n(0, 1000) / 10)]))
            return "\n".join(rows)
        if self.p(0.3):
            return self.c([
                "The pattern ^[A-Z][a-z]+\\s\\d{%d}$ matches a capital word, a space and %s digits." % (self.n(2, 6), "some"),
                "Save it as C:\\Users\\%s\\Documents\\%s.txt and open it again." % (self.name(), plural(a)),
                "In LaTeX, write \\frac{%d}{%d} for a fraction and x^%d for a power." % (self.n(1, 9), self.n(2, 9), self.n(2, 5)),
                "The area is %d^2 = %d square metres, and 2^%d = %d." % (n, n * n, n % 20, 2 ** (n % 20)),
                "Use a backslash (\\) to escape a quote: \\\"%s\\\"." % self.c(W.CODE_NOUNS),
            ])
        lvl = self.c(["INFO", "WARN", "ERROR", "DEBUG"])
        return "%sT%02d:%02d:%02dZ %s %s: %s %s in %d ms" % (
            "%04d-%02d-%02d" % (self.n(2015, 2030), self.n(1, 12), self.n(1, 28)), self.n(0, 23), self.n(0, 59), self.n(0, 59),
            lvl, f, self.c(["loaded", "saved", "skipped", "retried", "rejected"]), plural(a), self.n(1, 5000))

    def letter(self):
        to, frm = self.c(W.TITLES) + " " + self.c(W.SURNAMES), self.full_name()
        body = [
            "Thank you for your letter of %s about the %s." % (self.date(), self.c(W.ABSTRACT)),
            "I am writing to ask whether the %s could be moved to %s." % (self.c(["meeting", "delivery", "appointment", "class", "visit"]), self.c(W.DAYS)),
            "Unfortunately, the %s we ordered arrived %s." % (self.c(W.OBJECTS), self.c(["broken", "late", "in the wrong colour", "without instructions"])),
            "Please find attached the %s for %s." % (self.c(["invoice", "report", "photos", "form", "timetable"]), self.c(W.MONTHS)),
            "We would be glad to welcome you at the %s on %s at %s." % (self.c(W.TOWN_PLACES), self.date(), self.clock()),
            "If you have any questions, do not hesitate to call me.",
            "The total comes to %s, which includes delivery." % self.money(10, 900),
        ]
        open_ = self.c(["Dear %s," % to, "Hello %s," % self.name(), "Hi %s," % self.name(), "To whom it may concern,"])
        close = self.c(["Yours sincerely,", "Best wishes,", "Kind regards,", "Thanks,", "See you soon,"])
        return "%s\n\n%s\n\n%s\n%s" % (open_, " ".join(self.pick(body, self.n(2, 5))), close, frm)

    def news(self):
        town, town2 = self.invented(), self.invented()
        k = self.n(0, 3)
        if k == 0:
            y, n = self.n(3, 11), self.n(0, 6)
            return "The %s town council voted %d to %d on %s to %s. Supporters said the plan would %s, while critics worried about the cost of %s." % (
                town, y, n, self.c(W.DAYS), self.c(["build a new library", "close the old bridge", "plant %s trees" % commas(self.n(100, 5000)), "extend the bus route", "repair the harbour wall"]),
                self.c(["save money in the long run", "help local shops", "make the streets safer", "bring more visitors"]), self.money(1000, 900000, cents=False))
        if k == 1:
            g1, g2 = self.n(0, 5), self.n(0, 5)
            return "%s %s %s %s %d–%d on %s. %s scored %s, and the crowd of %s %s." % (
                town, self.c(["Rovers", "United", "City", "Athletic", "Wanderers"]), "beat" if g1 > g2 else "drew with" if g1 == g2 else "lost to",
                town2, g1, g2, self.c(W.DAYS), self.full_name(), self.c(["twice", "in the final minute", "a penalty", "from a corner"]),
                commas(self.n(200, 60000)), self.c(["cheered", "went quiet", "sang until the end", "left early"]))
        if k == 2:
            return "Weather for %s: %s in the morning, %s later. High %d °C, low %d °C. Chance of rain: %d%%." % (
                self.date(), self.c(W.WEATHER), self.c(W.WEATHER), self.n(5, 38), self.n(-10, 10), self.c([0, 5, 10, 20, 40, 60, 80, 90]))
        return "Prices at the %s market rose by %d.%d%% in %s, led by %s (up %d%%) and %s (down %d%%)." % (
            town, self.n(0, 9), self.n(0, 9), self.c(W.MONTHS), plural(self.c(W.FOODS_COUNT)), self.n(1, 40), self.c(W.FOODS_MASS), self.n(1, 25))

    def glossary(self):
        out = []
        for g in self.pick(W.GLOSSARY, self.n(2, 5)):
            k = self.n(0, 2)
            if k == 0:
                out.append("%s (%s): %s." % (g[0], g[1], g[2]))
            elif k == 1:
                out.append("%s, %s. %s." % (g[0].upper(), g[1][:3] + ".", cap(g[2])))
            else:
                out.append("\"%s\" — %s; for example, \"%s\"" % (g[0], g[2], self.example_use(g)))
        return "\n".join(out)

    def example_use(self, g):
        if g[1] == "verb":
            return "%s will %s it tomorrow." % (self.name(), g[0])
        if g[1] == "adjective":
            return "The %s was %s." % (self.c(W.OBJECTS), g[0])
        return "We read about the %s in class." % g[0]

    def punctuation(self):
        a, b = self.name(), self.name()
        k = self.n(0, 5)
        if k == 0:
            return "%s said, \"I heard %s shout 'Stop!' from the %s.\"" % (a, b, self.c(W.TOWN_PLACES))
        if k == 1:
            return "Bring the following: a %s, two %s (the %s ones), and—if you can—some %s; %s will bring the rest." % (
                self.c(W.OBJECTS), plural(self.c(W.OBJECTS)), self.c(W.ADJ), self.c(W.FOODS_MASS), b)
        if k == 2:
            return "Wait... was it %s or %s? I'm not sure! Either way, it's %s's fault (probably)." % (self.c(W.DAYS), self.c(W.DAYS), a)
        if k == 3:
            return "See section %d.%d (pp. %d–%d), e.g. the notes on %s, i.e. the %s part, etc." % (
                self.n(1, 12), self.n(1, 9), self.n(1, 200), self.n(201, 400), self.c(W.ABSTRACT), self.c(W.ADJ))
        if k == 4:
            return "#%s @%s: %s & %s = %s! Visit www.%s.org/%s or email info@%s.com." % (
                self.c(W.SEASONS), a.lower(), cap(self.c(W.FOODS_MASS)), self.c(W.FOODS_MASS), self.c(["love", "perfect", "yes", "dinner"]),
                self.invented().lower(), self.c(W.CODE_NOUNS), self.invented().lower())
        return "Café menu — soup €%d.50 · salad €%d · crêpe €%d.90 · tea £%d; open 8–18h, Mon–Sat. ★★★★☆" % (
            self.n(3, 9), self.n(4, 12), self.n(2, 8), self.n(1, 4))

    def essay(self):
        N, V, A = W.MORE_NOUNS, W.MORE_VERBS, W.MORE_ADJ
        pool = [
            lambda: "%s %s is %s than %s." % (self.c(W.OPINION_OPENERS), a_an(self.c(A) + " " + self.c(N)), self.c(["more " + self.c(A), "less " + self.c(A)]), a_an(self.c(N))),
            lambda: "%s every %s needs %s." % (self.c(W.OPINION_OPENERS), self.c(N), a_an(self.c(A) + " " + self.c(N))),
            lambda: "The %s of the %s %s the %s %s." % (self.c(N), self.c(N), past(self.c(V)), self.c(N), self.c(W.ADVERBS)),
            lambda: "To %s %s %s, you need %s and %s." % (self.c(V), a_an(self.c(N)), self.c(W.ADVERBS), plural(self.c(N)), self.c(["patience", "time", "a plan", "good friends", "some luck", "practice"])),
            lambda: "%s decided to %s the %s because it was %s." % (self.name(), self.c(V), self.c(N), self.c(A)),
            lambda: "Why do people %s %s? Perhaps because %s are %s." % (self.c(V), plural(self.c(N)), self.c(["they", "most of them", "the rules", "their parents"]), self.c(A)),
            lambda: "Is it %s to %s %s %s? %s, unless the %s %s." % (self.c(A), self.c(V), a_an(self.c(N)), self.c(W.TIMES_OF_DAY), self.c(["Yes", "No", "Not really", "Usually"]), self.c(N), third(self.c(V))),
            lambda: "Nothing is more %s than %s %s on %s %s." % (self.c(A), ing(self.c(V)), a_an(self.c(N)), a_an(self.c(A)), self.c(W.DAYS)),
            lambda: "The %s %s %s %s, and the %s %s %s." % (self.c(A), self.c(N), third(self.c(V)) if self.p(0.5) else "has " + participle(self.c(V)), plural(self.c(N)), self.c(N), "was" if self.p(0.5) else "seemed", self.c(A)),
            lambda: "We are %s %s the %s, %s %s %s." % (self.c(["still", "now", "finally", "not yet"]), ing(self.c(V)), self.c(N), self.c(["although", "because", "even though", "since", "while"]), self.c(["the", "our", "their"]) + " " + self.c(N), self.c(["is " + self.c(A), "has " + participle(self.c(V)), "may " + self.c(V) + " it"])),
        ]
        s = [f() for f in (self.c(pool) for _ in range(self.n(3, 7)))]
        return " ".join(s)

    GENRES = [  # (method, weight)
        ("essay", 10),         ("story", 14), ("dialogue", 8), ("science", 8), ("history", 6), ("geography", 5), ("numbers", 7),
        ("word_problem", 12), ("mcq", 10), ("qa", 8), ("lists", 5), ("code", 8), ("letter", 3), ("news", 4),
        ("glossary", 2), ("punctuation", 3),
    ]

    def document(self):
        total = sum(wt for _, wt in self.GENRES)
        x = self.n(1, total)
        for name, wt in self.GENRES:
            x -= wt
            if x <= 0:
                return getattr(self, name)()
        raise AssertionError("unreachable")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output file")
    ap.add_argument("--bytes", type=int, default=DEFAULT_BYTES, help="stop after about this many bytes")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    g = Gen(args.seed)
    parts, size = [], 0
    while size < args.bytes:
        d = g.document().strip("\n")
        b = (d + "\n\n").encode("utf-8")
        parts.append(b)
        size += len(b)
    d = os.path.dirname(args.out)
    if d:
        os.makedirs(d, exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(b"".join(parts))
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
