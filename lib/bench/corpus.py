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
import html
import json
import random
import re
from collections.abc import Callable
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
    """One composed article: `text` is the .txt file; the parts are kept so a web page can lay them out."""

    index: int
    published: date
    text: str
    headline: str = ""
    author: str = ""
    outlet: str = ""
    paragraphs: tuple[str, ...] = ()  # lead, body paragraphs and closing line, as in `text`

    @property
    def filename(self) -> str:
        return f"{self.index:05d}_{self.published.isoformat()}.txt"

    @property
    def html_filename(self) -> str:
        return f"{self.index:05d}_{self.published.isoformat()}.html"


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
    headline = composer.fill(rng.choice(HEADLINES))
    paragraphs = [composer.fill(rng.choice(LEADS))]
    paragraphs += [composer.fill(template) for template in rng.sample(BODY, min(body_paragraphs, len(BODY)))]
    paragraphs.append(composer.fill(rng.choice(CLOSINGS), official_editor=editor))
    headers = [headline, f"By {author} | {composer.outlet}", f"{published.day} {published.strftime('%B')} {published.year}"]
    text = "\n".join(headers) + "\n\n" + "\n\n".join(paragraphs) + "\n"
    return Article(index=index, published=published, text=text, headline=headline, author=author,
                   outlet=composer.outlet, paragraphs=tuple(paragraphs))


# Saved web pages. The same articles as the .txt corpus, laid out the way a browser's "Save page as"
# keeps a news site: everything around the story (menus, consent banner, scripts, related links,
# footer) is text an extractor has to leave out, so HTML ingest is measured on realistic markup.

NAV_SECTIONS = ["World", "Europe", "Asia-Pacific", "Ukraine war", "Analysis", "Opinion", "Video", "Newsletters"]


FOOTER_LINKS = ["About us", "Contact", "Corrections", "Privacy policy", "Cookie settings", "Terms of use", "Advertise"]


RELATED_LINKS = 4


def _site(outlet: str) -> tuple[str, str]:
    """Masthead name and (reserved, never resolvable) domain of an outlet: 'the Kyiv Independent' -> kyivindependent.example."""
    name = outlet[0].upper() + outlet[1:]
    domain = re.sub(r"[^a-z]", "", outlet.lower().removeprefix("the ")) + ".example"
    return name, domain


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower())[:80].strip("-")


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _article_url(article: Article, domain: str | None = None) -> str:
    """Where `article` lives on its own site, or on `domain` (a related story linked from another site's page)."""
    day = article.published
    domain = domain or _site(article.outlet)[1]
    return f"https://www.{domain}/world/{day:%Y/%m/%d}/{_slug(article.headline)}-{article.index}"


def _published_time(article: Article, rng: random.Random) -> str:
    """ISO timestamp on the article's day: pages state the time as well, feeds and scrapers keep it."""
    return f"{article.published.isoformat()}T{rng.randrange(5, 23):02d}:{rng.randrange(60):02d}:00Z"


def _head(article: Article, published_time: str) -> str:
    """<head>: title, the Open Graph and article meta tags, JSON-LD and an analytics script."""
    name, _ = _site(article.outlet)
    description = article.paragraphs[0] if article.paragraphs else article.headline
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": article.headline,
                     "datePublished": published_time, "author": [{"@type": "Person", "name": article.author}],
                     "publisher": {"@type": "Organization", "name": name}}).replace("</", "<\\/")
    return f"""<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_text(article.headline)} | {_text(name)}</title>
<meta name="description" content="{_attr(description)}">
<meta name="author" content="{_attr(article.author)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="{_attr(name)}">
<meta property="og:title" content="{_attr(article.headline)}">
<meta property="og:url" content="{_attr(_article_url(article))}">
<meta property="article:published_time" content="{published_time}">
<meta property="article:section" content="World">
<link rel="canonical" href="{_attr(_article_url(article))}">
<link rel="stylesheet" href="/static/css/site.min.css">
<script type="application/ld+json">{ld}</script>
<script>
window.dataLayer = window.dataLayer || [];
function gtag() {{ dataLayer.push(arguments); }}
gtag("js", new Date());
gtag("config", "G-BENCH0000", {{ "anonymize_ip": true, "page_type": "article" }});
document.documentElement.className = document.documentElement.className.replace("no-js", "js");
</script>
</head>"""


def _masthead(article: Article) -> str:
    """Consent banner, site header and section menu: the first text on every page of the site."""
    name, _ = _site(article.outlet)
    sections = "\n".join(f'<li><a href="/{_slug(s)}">{_text(s)}</a></li>' for s in NAV_SECTIONS)
    return f"""<div id="cookie-consent" class="cookie-banner" role="dialog" aria-label="Cookie consent">
<p>We use cookies and similar technologies to improve your experience, measure our audience and
show personalised advertising. You can change your choices at any time in Cookie settings.</p>
<button type="button" class="accept">Accept all</button> <button type="button" class="manage">Manage preferences</button>
</div>
<header class="site-header">
<a class="logo" href="/">{_text(name)}</a>
<nav class="sections" aria-label="Sections"><ul>
{sections}
</ul></nav>
<a class="subscribe" href="/subscribe">Subscribe</a> <a class="sign-in" href="/account">Sign in</a>
</header>"""


def _article_element(article: Article, published_time: str) -> str:
    """The story: headline, byline, <time datetime> and one <p> per paragraph of the .txt article."""
    day = article.published
    body = "\n".join(f"<p>{_text(paragraph)}</p>" for paragraph in article.paragraphs)
    return f"""<article class="story">
<header class="story-header">
<p class="kicker"><a href="/ukraine-war">Ukraine war</a></p>
<h1>{_text(article.headline)}</h1>
<p class="byline">By <a rel="author" href="/authors/{_slug(article.author)}">{_text(article.author)}</a></p>
<time datetime="{published_time}">{day.day} {day:%B} {day.year}</time>
</header>
<div class="story-body">
{body}
</div>
</article>"""


def _related(article: Article, seed: int) -> str:
    """Links to the next articles of the corpus on this page's site: real headlines, as a 'Read more' box has."""
    domain = _site(article.outlet)[1]
    items = []
    for other in (compose(article.index + k, seed, body_paragraphs=0) for k in range(1, RELATED_LINKS + 1)):
        items.append(f'<li><a href="{_attr(_article_url(other, domain))}">{_text(other.headline)}</a></li>')
    heading = '<aside class="related" aria-label="Related">\n<h2>More on this story</h2>\n<ul>'
    return "\n".join([heading, *items, "</ul>", "</aside>"])


def _footer(article: Article) -> str:
    name, _ = _site(article.outlet)
    links = "\n".join(f'<li><a href="/{_slug(link)}">{_text(link)}</a></li>' for link in FOOTER_LINKS)
    return f"""<footer class="site-footer">
<ul>
{links}
</ul>
<p>&copy; {article.published.year} {_text(name)}. All rights reserved.</p>
</footer>
<script src="/static/js/app.min.js" defer></script>"""


def page_html(article: Article, seed: int = SEED) -> str:
    """A saved web page of `article`: its text inside the furniture of a news site; the same for the same article.

    The page's own details (the time of day) come from a stream seeded apart from the article's,
    so the text corpus stays exactly what it was.
    """
    rng = random.Random(f"{seed}-{article.index}-page")
    published_time = _published_time(article, rng)
    parts = ["<!DOCTYPE html>", '<html lang="en" class="no-js">', _head(article, published_time), "<body>",
             _masthead(article), "<main>", _article_element(article, published_time), _related(article, seed),
             "</main>", _footer(article), "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _write_articles(folder: str | Path, indices: range, seed: int, body_paragraphs: int,
                    render: Callable[[Article], tuple[str, str]]) -> list[Path]:
    """Compose each article and write `render(article)` = (file name, content) as UTF-8 into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in indices:
        name, content = render(compose(index, seed, body_paragraphs))
        path = folder / name
        path.write_text(content, encoding="utf-8")
        paths.append(path)
    return paths


def write_corpus(folder: str | Path, n: int, seed: int = SEED, start: int = 0,
                 body_paragraphs: int = BODY_PARAGRAPHS) -> list[Path]:
    """Write articles start..start+n-1 as UTF-8 .txt files into `folder`; returns their paths."""
    return _write_articles(folder, range(start, start + n), seed, body_paragraphs,
                           lambda article: (article.filename, article.text))


def write_html_corpus(folder: str | Path, n: int, seed: int = SEED, start: int = 0,
                      body_paragraphs: int = BODY_PARAGRAPHS) -> list[Path]:
    """Write articles start..start+n-1 as saved web pages (.html, UTF-8) into `folder`; returns their paths."""
    return _write_articles(folder, range(start, start + n), seed, body_paragraphs,
                           lambda article: (article.html_filename, page_html(article, seed)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic benchmark corpus.")
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--paragraphs", type=int, default=BODY_PARAGRAPHS, help="body paragraphs per article")
    parser.add_argument("--html", action="store_true", help="write saved web pages (.html) instead of .txt files")
    args = parser.parse_args(argv)
    writer = write_html_corpus if args.html else write_corpus
    writer(args.folder, args.n, args.seed, body_paragraphs=args.paragraphs)


if __name__ == "__main__":
    main()
