"""Synthetic news articles for the benchmark: distinct, English, shaped like wire copy on the war.

The benchmark needs thousands of articles that exercise every extractor (actors with roles,
figures with qualifiers, dated events, direct and reported quotes, forecasts with horizons) and
that deduplication does not collapse. Articles are composed from paragraph templates whose slots
are filled from small vocabularies; each article draws its own paragraphs, order, actors, numbers
and dates from a generator seeded by (SEED, index), so article i is the same in every corpus size
and the corpus of 1,000 is the first 1,000 of the corpus of 5,000.

These texts measure speed and memory, never extraction quality: they are not gold data."""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

SEED = 20241028


BODY_PARAGRAPHS = 6  # with the lead and headers about 260 words: a short wire story


OFFICIALS = [  # (name, role, organisation, country)
    ("Mark Rutte", "NATO Secretary General", "NATO", "the Netherlands"),
    ("Volodymyr Zelensky", "Ukrainian President", "the Ukrainian government", "Ukraine"),
    ("Vladimir Putin", "Russian President", "the Kremlin", "Russia"),
    ("Kim Jong Un", "North Korean leader", "the Workers' Party of Korea", "North Korea"),
    ("Yoon Suk Yeol", "South Korean President", "the South Korean government", "South Korea"),
    ("Lloyd Austin", "US Defense Secretary", "the Pentagon", "the United States"),
    ("Antony Blinken", "US Secretary of State", "the State Department", "the United States"),
    ("Kaja Kallas", "EU foreign policy chief", "the European Union", "Estonia"),
    ("Rustem Umerov", "Ukrainian Defence Minister", "the Ukrainian Defence Ministry", "Ukraine"),
    ("Dmitry Peskov", "Kremlin spokesman", "the Kremlin", "Russia"),
    ("Kirill Budanov", "head of Ukraine's military intelligence", "the HUR", "Ukraine"),
    ("Sabrina Singh", "Pentagon deputy press secretary", "the Pentagon", "the United States"),
    ("Shin Won-sik", "South Korean national security adviser", "the South Korean presidential office", "South Korea"),
    ("Lin Jian", "Chinese foreign ministry spokesman", "the Chinese Foreign Ministry", "China"),
]


FIRST_NAMES = ["Anna", "Daniel", "Mira", "Tomasz", "Hye-jin", "Oleksandr", "Claire", "Kenji", "Ines",
               "Viktor", "Sophie", "Jae-won", "Marta", "Pavel", "Laura", "Yuri", "Elena", "Samuel",
               "Nadia", "Robert", "Iryna", "Min-ho", "Helen", "Andriy", "Grace", "Lukas"]


LAST_NAMES = ["Kovalenko", "Park", "Schmidt", "Novak", "Lee", "Hartley", "Moreau", "Tanaka", "Costa",
              "Brennan", "Lindqvist", "Choi", "Petrenko", "Walsh", "Romano", "Fischer", "Kim", "Okafor",
              "Dubois", "Sato", "Horvath", "Bauer", "Shevchenko", "Morgan", "Jensen", "Reyes"]


INSTITUTES = ["the Institute for the Study of War", "the Royal United Services Institute",
              "the Center for Strategic and International Studies", "the Korea Institute for Defense Analyses",
              "the International Institute for Strategic Studies", "Chatham House", "the RAND Corporation",
              "the Carnegie Endowment for International Peace", "the Asan Institute for Policy Studies",
              "the Kyiv School of Economics", "the German Marshall Fund", "the Stimson Center"]


EXPERT_TITLES = ["a senior fellow at", "a military analyst at", "a researcher at", "director of studies at",
                 "a former intelligence officer now at", "an associate professor working with"]


OUTLETS = ["Reuters", "the Associated Press", "Agence France-Presse", "Yonhap", "the Kyiv Independent",
           "BBC News", "Deutsche Welle", "The Guardian", "Radio Free Europe", "NK News", "Politico Europe"]


PLACES = ["the Kursk region", "Kursk", "the Donetsk region", "Pokrovsk", "Vladivostok", "the Russian Far East",
          "Kharkiv", "Zaporizhzhia", "the Belgorod region", "Kupiansk", "Ussuriysk", "Khabarovsk", "Vuhledar"]


SOURCES = ["South Korea's National Intelligence Service", "Ukraine's military intelligence",
           "US officials", "a senior NATO official", "Pentagon officials", "Japanese defence officials",
           "the Ukrainian General Staff", "Western intelligence agencies", "a European diplomat"]


UNITS = ["troops", "soldiers", "special forces troops", "military engineers", "officers", "workers"]


MATERIEL = ["artillery shells", "ballistic missiles", "rocket launchers", "howitzers", "rounds of ammunition"]


QUALIFIERS = ["about", "around", "up to", "at least", "more than", "nearly", "roughly", "as many as"]


HORIZONS = ["by the end of the year", "within the coming weeks", "in the next few months", "by spring",
            "within two to four years", "before the end of January", "over the coming year", "by next summer"]


PROBABILITY = ["is likely to", "will almost certainly", "may", "could", "is expected to", "is unlikely to",
               "will probably", "might"]


ACTIONS = ["send another {n} {unit} to Russia", "deploy {n} more {unit} to {place}", "ship {n2} more {materiel}",
           "expand its support for Moscow's war effort", "seek advanced missile technology from Russia in return",
           "rotate its forces out of {place}", "supply {n2} additional {materiel}",
           "join Russian assaults near {place}", "face heavy losses near {place}"]


SPEECH_VERBS = ["said", "told reporters", "said in a statement", "wrote on social media", "told a briefing",
                "said on {weekday}", "told {outlet}"]


CLAIM_VERBS = ["said", "estimated", "reported", "confirmed", "assessed", "claimed", "told lawmakers"]


CONCERNS = ["a dangerous expansion of the conflict", "a significant escalation", "a violation of UN sanctions",
            "a test of the alliance's resolve", "a new phase of the war", "a threat to security in Europe and Asia",
            "a sign of Moscow's mounting manpower problems", "a turning point for the Korean peninsula"]


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass(frozen=True)
class Article:
    index: int
    published: date
    text: str

    @property
    def filename(self) -> str:
        return f"{self.index:05d}_{self.published.isoformat()}.txt"


class _Composer:
    """Fills templates for one article from its own random stream."""

    def __init__(self, index: int, seed: int):
        self.rng = random.Random(f"{seed}-{index}")
        self.index = index
        start = date(2024, 10, 1)
        self.published = start + timedelta(days=self.rng.randrange(0, 400))
        self.outlet = self.rng.choice(OUTLETS)
        self.officials = self.rng.sample(OFFICIALS, 4)
        self.experts = [self._expert() for _ in range(2)]

    def _expert(self) -> tuple[str, str]:
        name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
        return name, f"{self.rng.choice(EXPERT_TITLES)} {self.rng.choice(INSTITUTES)}"

    def number(self) -> str:
        magnitude = self.rng.choice([100, 500, 1000, 1000, 1000, 10000])
        value = self.rng.randrange(1, 30) * magnitude + self.rng.choice([0, 0, 0, 500, 250]) * (magnitude >= 1000)
        return f"{value:,}"

    def day_before(self, max_days: int = 20) -> str:
        day = self.published - timedelta(days=self.rng.randrange(1, max_days))
        return self.rng.choice([f"on {day.strftime('%B')} {day.day}", f"on {WEEKDAYS[day.weekday()]}",
                                f"in early {day.strftime('%B')}", f"on {day.day} {day.strftime('%B')} {day.year}"])

    def fill(self, template: str, **extra: str) -> str:
        official = self.rng.choice(self.officials)
        expert = self.rng.choice(self.experts)
        values = {
            "n": self.number(), "n2": self.number(), "unit": self.rng.choice(UNITS),
            "materiel": self.rng.choice(MATERIEL), "q": self.rng.choice(QUALIFIERS),
            "place": self.rng.choice(PLACES), "place2": self.rng.choice(PLACES), "source": self.rng.choice(SOURCES),
            "official": official[0], "role": official[1], "org": official[2], "country": official[3],
            "surname": official[0].split()[-1], "expert": expert[0], "expert_title": expert[1],
            "expert_surname": expert[0].split()[-1], "outlet": self.outlet, "when": self.day_before(),
            "weekday": WEEKDAYS[(self.published.weekday() - self.rng.randrange(1, 4)) % 7],
            "horizon": self.rng.choice(HORIZONS), "prob": self.rng.choice(PROBABILITY),
            "concern": self.rng.choice(CONCERNS), "claim_verb": self.rng.choice(CLAIM_VERBS),
            "year": str(self.published.year), "month": self.published.strftime("%B"),
        }
        values["speech"] = self.rng.choice(SPEECH_VERBS).format(**values)
        values["action"] = self.rng.choice(ACTIONS).format(**values)
        values.update(extra)
        text = template.format(**values)
        return text[0].upper() + text[1:]  # a role ("head of ...") may open the paragraph


HEADLINES = [
    "North Korea sends {n} {unit} to {place}, {source} says",
    "{official} warns of {concern} as Pyongyang deepens ties with Moscow",
    "Analysts weigh what {n} North Korean {unit} mean for the war in {place}",
    "{country} responds to reports of North Korean forces in {place}",
    "How {source} tracked North Korean {unit} to {place}",
    "Pyongyang's troops near {place}: what we know in {month} {year}",
]


LEADS = [
    "North Korea has sent {q} {n} {unit} to Russia, {source} {claim_verb} {when}, in a move {official} called {concern}.",
    "{source} {claim_verb} {when} that {q} {n} North Korean {unit} had reached {place}, a figure that could not be independently verified.",
    "The deployment of North Korean {unit} to {place} marks {concern}, {role} {official} {speech}.",
    "Russia has begun training {q} {n} North Korean {unit} near {place}, according to {source}.",
]


BODY = [
    "\"We are seeing {concern},\" {role} {official} {speech}. \"Every one of those {n} {unit} is a deliberate choice by Pyongyang.\"",
    "{official} {speech} that the presence of North Korean forces in {place} was {concern}. {surname} added that {country} would consult its allies {horizon}.",
    "According to {source}, {q} {n} {unit} were moved by ship and rail to {place} {when}, while a further {n2} remained in training near {place2}.",
    "{expert}, {expert_title}, said the deployment was {concern}. \"Pyongyang {prob} {action} {horizon},\" {expert_surname} said.",
    "{source} {claim_verb} that {q} {n} North Korean {unit} had been killed or wounded near {place} since their arrival.",
    "In an interview with {outlet}, {expert} predicted that North Korea {prob} {action} {horizon}.",
    "{org} declined to comment on the figures. A spokesperson said only that {country} was \"following the situation closely\" and would respond {horizon}.",
    "The {n} {unit} would add to the {n2} {materiel} that {source} says North Korea has already shipped to Russia.",
    "Officials in Seoul {claim_verb} {when} that Pyongyang {prob} {action}, citing intercepted communications.",
    "\"There is a real chance that North Korea {prob} {action} {horizon},\" {expert}, {expert_title}, told {outlet}.",
    "{role} {official} met counterparts {when} to discuss the reports; a joint statement said the talks would continue {horizon}.",
    "Satellite images reviewed by {outlet} show {q} {n} vehicles at a base near {place2}, consistent with what {source} described.",
    "Russia and North Korea signed a mutual defence treaty in June 2024. {expert} said that under the treaty Pyongyang {prob} {action} {horizon}.",
    "The Kremlin has neither confirmed nor denied the reports. {official} {speech} that the matter concerned only Moscow and Pyongyang.",
]


CLOSINGS = [
    "{outlet} could not independently verify the figures.",
    "Reporting by {expert} for {outlet}; editing by {official_editor}.",
    "This article was updated {when} with comment from {source}.",
]


def compose(index: int, seed: int = SEED, body_paragraphs: int = BODY_PARAGRAPHS) -> Article:
    """Article number `index`: headers, a lead, `body_paragraphs` distinct body paragraphs, a closing."""
    composer = _Composer(index, seed)
    rng = composer.rng
    editor = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    author = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    published = composer.published
    lines = [
        composer.fill(rng.choice(HEADLINES)),
        f"By {author} | {composer.outlet}",
        f"{published.day} {published.strftime('%B')} {published.year}",
        "",
        composer.fill(rng.choice(LEADS)),
    ]
    for template in rng.sample(BODY, min(body_paragraphs, len(BODY))):
        lines += ["", composer.fill(template)]
    lines += ["", composer.fill(rng.choice(CLOSINGS), official_editor=editor)]
    text = "\n".join(lines) + "\n"
    return Article(index=index, published=published, text=text)


def write_corpus(folder: str | Path, n: int, seed: int = SEED, start: int = 0,
                 body_paragraphs: int = BODY_PARAGRAPHS) -> list[Path]:
    """Write articles start..start+n-1 as UTF-8 .txt files into `folder`; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(start, start + n):
        article = compose(index, seed, body_paragraphs)
        path = folder / article.filename
        path.write_text(article.text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic benchmark corpus.")
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--paragraphs", type=int, default=BODY_PARAGRAPHS, help="body paragraphs per article")
    args = parser.parse_args(argv)
    write_corpus(args.folder, args.n, args.seed, body_paragraphs=args.paragraphs)


if __name__ == "__main__":
    main()
