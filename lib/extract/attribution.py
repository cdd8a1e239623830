"""Who stands behind a statement: the one home for the question claims, quotes and forecasts ask.

A claim's source, a quote's speaker and a forecast's holder are the same thing seen by three
stages, so the machinery lives here once:

- the reporting-verb vocabulary (`reporting_verbs.csv`, one row per lemma with its roles);
- the subject of a cue, including post-posed and inverted speakers (", he said", "said Wechsler");
- naming a speaker phrase (`name_speaker`): apposed people, 'a spokesperson for X' -> X, 'a
  statement by X' -> X, a body owned by a state ("Azerbaijan's defence ministry" is the ministry),
  "the defence secretary" -> the person titled so earlier, "the embassy" -> the embassy named
  earlier, "he/she" -> the nearest compatible named speaker (`SpeakerBook`);
- 'according to (a statement by) X', the passive agent, nested origins ("Yonhap reported, citing
  the NIS": source Yonhap, origin NIS), and a speaker named in the following paragraph;
- a source named as the article names it: a state's body as written ("the US military", never a
  made-up "Armed forces of United States"), a carrier noun dropped ("Armenpress news agency" is
  Armenpress), a foreign name read across its particles ("Collectif Justice pour Barsalogho"),
  a channel close to X speaking for X, 'it said' as the body that spoke before, one unnamed
  official anonymous whatever the nationality.

Quotes and forecasts call the speaker functions below with their own geometry (quote spans,
forecast clauses); claims call `find_attributions` / `choose_attribution` in `claim_sources.py`,
one step up, which adds the sentence geometry only claims need. The vocabulary and the parse-level
helpers (cue subjects, the words of a phrase) live one step down, in `reporting.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc, Span, Token

from lib.extract.mentions import described_body, resolve_in_document
from lib.extract.names import alias_book, fold
from lib.extract.reporting import (  # noqa: F401  (re-exported: the vocabulary's public home for other stages)
    ACCORDING_STRENGTH,
    FEMALE,
    MALE,
    PRONOUNS,
    ROLES,
    ReportingVerb,
    bare,
    cue_subject,
    cues,
    gender_vocabulary,
    mention_covering,
    name_phrase,
    named_prep,
    reporting_verbs,
    source_text,
    speaker_cues,
    verb_table,
    verbs_with,
)

# ---------------------------------------------------------------------------------------------
# Who a person is: gender, named speakers so far, pronouns and role nouns


def gender_of(name: str, mentions: list[dict[str, Any]], text: str) -> str | None:
    """'m', 'f' or None for a person named in the document.

    Evidence, strongest first: gendered titles next to the name (Mr, Ms, spokeswoman), the first
    name in a data list of unambiguous first names, the pronouns that follow the person's mentions
    in the same or next sentence before another person is named.
    """
    vocab = gender_vocabulary()
    own = [m for m in mentions if m["name"] == name]
    for m in own:
        before = text[max(0, m["char_start"] - 20):m["char_start"]].lower().split()
        if before and before[-1] in vocab["male_titles"]:
            return "m"
        if before and before[-1] in vocab["female_titles"]:
            return "f"
    first = name.split()[0].lower() if name.split() else ""
    if first in vocab["male_names"]:
        return "m"
    if first in vocab["female_names"]:
        return "f"
    return _gender_from_pronouns(own, mentions, text)


def _gender_from_pronouns(own: list[dict[str, Any]], mentions: list[dict[str, Any]], text: str) -> str | None:
    people = [m["char_start"] for m in mentions if m["kind"] == "person" and m not in own]
    male = female = 0
    for m in own:
        stop = min([p for p in people if p > m["char_end"]] + [m.get("sentence_end", m["char_end"]) + 400])
        words = re.findall(r"[a-z]+", text[m["char_end"]:stop].lower())
        male += sum(1 for w in words if w in MALE)
        female += sum(1 for w in words if w in FEMALE)
    return "m" if male > female else "f" if female > male else None


class SpeakerBook:
    """The named speakers and persons of one document, for the words that point back to them.

    "he said" goes to the most recent named speaker of that gender (a person who was the subject of
    a reporting verb), then the most recent person of that gender who was a grammatical subject,
    then any compatible person; "the defence secretary" to the latest person titled so; "the
    embassy" to the latest named phrase with that head word.
    """

    def __init__(self, mentions: list[dict[str, Any]], parsed: Doc):
        self.mentions = sorted(mentions, key=lambda m: m["char_start"])
        self.parsed = parsed
        self.text = parsed.text
        self.people = [m for m in self.mentions if m["kind"] == "person"]
        self.spoken: list[tuple[int, str]] = []
        self._genders: dict[str, str | None] = {}
        lemmas = verbs_with("quote_cue", "reported_speech")
        for token in parsed:
            if token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in lemmas:
                subject = cue_subject(token)
                mention = mention_covering(subject, mentions) if subject is not None else None
                if mention is not None and mention["kind"] == "person":
                    self.spoken.append((token.idx, mention["name"]))

    def add(self, position: int, name: str) -> None:
        self.spoken.append((position, name))
        self.spoken.sort()

    def gender(self, name: str) -> str | None:
        if name not in self._genders:
            self._genders[name] = gender_of(name, self.mentions, self.text)
        return self._genders[name]

    def _is_subject(self, mention: dict[str, Any]) -> bool:
        span = self.parsed.char_span(mention["char_start"], mention["char_end"], alignment_mode="expand")
        return span is not None and span.root.dep_ in {"nsubj", "nsubjpass"}

    def resolve_pronoun(self, pronoun: str, position: int) -> str | None:
        """Most recent named speaker of the pronoun's gender before `position`, then the latest
        person who was a grammatical subject (unless of the other gender), then any person of that
        gender; a person of unknown gender last."""
        want = "m" if pronoun in MALE else "f" if pronoun in FEMALE else None
        if want is None:
            return None
        speakers = [name for offset, name in reversed(self.spoken) if offset < position]
        earlier = [m for m in reversed(self.people) if m["char_start"] < position]
        subjects = [m["name"] for m in earlier if self._is_subject(m)]
        persons = [m["name"] for m in earlier]
        tiers = [(speakers, {want}), (subjects, {want, None}), (persons, {want}), (speakers, {None}), (persons, {None})]
        for names, genders in tiers:
            found = next((n for n in names if self.gender(n) in genders), None)
            if found:
                return found
        return None

    def titled_person(self, head: Token) -> str | None:
        """'the defence secretary', 'the Houthi leader', 'the minister': the latest person before
        the phrase whose title (before the name or apposed after it) holds the head word."""
        if not _definite(head) or head.lemma_.lower() not in gender_vocabulary()["role_nouns"]:
            return None
        word = head.lower_
        if any(c.dep_ == "poss" and c.pos_ == "PRON" for c in head.children) and len(self.people) > 0:
            return None  # 'its governor': whose, the sentence says; another region's governor may be named above
        owner = next((c for c in head.lefts if c.dep_ in {"amod", "compound"} and c.ent_type_ in {"NORP", "GPE"}), None)
        owner_name = resolve_in_document(owner.text, self.mentions) if owner is not None else None
        qualifiers = _role_qualifiers(head)
        for m in reversed(self.people):
            if m["char_start"] >= head.idx:
                continue
            title = self.text[max(0, m["char_start"] - 60):m["char_start"]].lower()
            apposed = self.text[m["char_end"]:m["char_end"] + 60].lower()
            if qualifiers and not any(q in title or q in apposed or q in (m.get("affiliation") or "").lower()
                                      for q in qualifiers):
                continue  # 'the governor of the Mykolaiv region' is not the Kursk governor named above
            if re.search(rf"\b{re.escape(word)}\s*$", title) or re.match(rf",\s+(?:the|a|an)?[^,.]*\b{re.escape(word)}\b", apposed):
                return m["name"]
        # "the Armenian leader": the latest titled person of that state
        found = next((m["name"] for m in reversed(self.people) if m["char_start"] < head.idx and owner_name
                      and m.get("affiliation") == owner_name and m.get("role")), None)
        return found or self._state_leader(head, owner_name)

    def _state_leader(self, head: Token, owner: str | None) -> str | None:
        """'the Armenian leader' after 'Prime Minister Nikol Pashinyan': the latest person holding a
        state-leading role (`leader_roles`) whose affiliation is that state or unknown; never a
        leader stated to belong to another state."""
        if owner is None or head.lemma_.lower() != "leader":
            return None
        roles = gender_vocabulary()["leader_roles"]
        for m in reversed(self.people):
            if m["char_start"] < head.idx and (m.get("role") or "").lower() in roles \
                    and m.get("affiliation") in {owner, None}:
                return m["name"]
        return None

    def antecedent(self, head: Token, mentions: list[dict[str, Any]]) -> str | None:
        """'the embassy', 'the alliance', 'the group': the latest earlier phrase with the same head
        word that names its referent (a proper name in it, apposed to it, or 'known as' it)."""
        if not _definite(head) or head.pos_ != "NOUN" or any(t.pos_ == "PROPN" for t in head.subtree):
            return None
        lemma = head.lemma_.lower()
        for token in reversed(self.parsed[:head.i]):
            if token.lemma_.lower() != lemma or token.pos_ != "NOUN":
                continue
            named = _naming_token(token)
            if named is not None:
                found = name_speaker(named, mentions, None)
                if found is not None and found.name:
                    return found.name
        return None


def _role_qualifiers(head: Token) -> list[str]:
    """The names that restrict a role phrase to one holder: 'the governor of the southern Mykolaiv
    region' -> ['mykolaiv'], 'the Kherson governor' -> ['kherson'] (lower case)."""
    names = [c for c in head.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"]
    for prep in (c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"):
        names += [t for t in prep.subtree if t.pos_ == "PROPN"]
    return [t.lower_ for t in names]


def _definite(head: Token) -> bool:
    return any(c.dep_ in {"det", "poss"} and c.lower_ in {"the", "its", "their"} for c in head.children)


def _naming_token(token: Token) -> Token | None:
    """The token that names what a common noun refers to: itself when a proper name or state
    modifies it ("the United States embassy", "the Malian army"), the name it is apposed to or
    that is apposed to it, the name after 'known as'."""
    if any(c.dep_ in {"compound", "amod", "poss"} and (c.pos_ == "PROPN" or c.ent_type_ in {"NORP", "GPE", "ORG"})
           for c in token.children):
        return token
    if token.dep_ == "appos" and token.head.pos_ == "PROPN":
        return token.head
    for child in token.children:
        if child.dep_ == "appos" and child.pos_ == "PROPN":
            return child
        if child.dep_ == "acl" and child.lemma_.lower() in {"know", "call"}:
            return next((p for t in child.subtree for p in [t] if t.dep_ == "pobj" and t.pos_ == "PROPN"), None)
    return None


def speaker_book(parsed: Doc, mentions: list[dict[str, Any]]) -> SpeakerBook:
    """The document's SpeakerBook, built once per parse and mention list."""
    key = ("workbook_speaker_book", id(mentions), len(mentions))
    book = parsed.user_data.get(key)
    if book is None:
        book = SpeakerBook(mentions, parsed)
        parsed.user_data[key] = book
    return book


# ---------------------------------------------------------------------------------------------
# Naming a speaker phrase


@dataclass
class Speaker:
    """Who a phrase that speaks stands for: `name` the document-level name (None when the phrase
    names no one: 'one official', 'they'), `text` as written, `rule` how it was decided."""

    name: str | None
    text: str
    rule: str
    anonymous: bool = False
    person: bool = False


_ISSUER_PREPS = ("by", "for", "from", "at", "of")


def speaks_for(head: Token) -> Token | None:
    """The body or person behind a phrase that merely carries its words: 'a spokesperson for X',
    'a statement by X', 'the text of the agreement published by X', 'X's statement', and the
    person apposed to a role ("Its commander, Mohamed Hamdan Dagalo")."""
    word = head.lemma_.lower()
    vocab = speaker_cues()
    if head.pos_ != "PROPN":
        for child in head.children:
            if child.dep_ == "appos" and child.pos_ == "PROPN":
                return child
    close = _close_to(head)
    if close is not None:
        return close
    if word in vocab["speaks_for"] or word in vocab["statement_nouns"]:
        objects = [t for t in head.subtree if t.dep_ == "pobj" and t.i > head.i and t.head.lower_ in _ISSUER_PREPS]
        owner = next((c for c in head.children if c.dep_ == "poss" and c.pos_ in {"PROPN", "NOUN"}), None)
        if owner is not None and not any(t.head.lower_ == "by" for t in objects):
            return owner  # "USNI News' timeline of the attacks": the owner issued it, not the attacks
        if objects:  # the issuer: 'by' before 'for', 'from', 'at', 'of'
            return min(objects, key=lambda t: (_ISSUER_PREPS.index(t.head.lower_), t.i))
    return None


def speaking_subject(head: Token) -> bool:
    """'It said', 'it added in a statement': an active subject of a verb of speech (not 'it is
    said', not 'it appears')."""
    verbs = [head.head, *head.head.conjuncts]  # "It did not give a toll, but said ..."
    return head.dep_ == "nsubj" and not any(c.dep_ == "auxpass" for c in head.head.children) and any(
        v.pos_ in {"VERB", "AUX"} and v.lemma_.lower() in verbs_with("quote_cue", "reported_speech", "on_record")
        for v in verbs)


def body_before(head: Token, mentions: list[dict[str, Any]], book: SpeakerBook | None) -> str | None:
    """Who 'it' is in "It said Ukraine had lost ...": the latest body (not a person) that spoke
    before, in this paragraph or the one before. News names a ministry once, then lets 'it' speak."""
    doc = head.doc
    breaks = 0
    lemmas = verbs_with("quote_cue", "reported_speech", "on_record")
    for token in reversed(doc[:head.i]):
        breaks += token.is_space and "\n" in token.text
        if breaks > 1:
            return None
        if token.pos_ not in {"VERB", "AUX"} or token.lemma_.lower() not in lemmas:
            continue
        subject = cue_subject(token)
        if subject is None or subject.pos_ == "PRON":
            continue
        found = name_speaker(subject, mentions, book)
        if found is not None and found.name and not found.anonymous and not found.person:
            return found.name
    return None


def _close_to(head: Token) -> Token | None:
    """'a Telegram channel close to the mercenary group', 'a website linked to the army': a carrier
    of words that is close to someone publishes for them. Only carriers (`carrier_nouns`): 'sources
    close to the Kremlin' stay anonymous people."""
    if head.lemma_.lower() not in speaker_cues()["carrier_nouns"]:
        return None
    for child in head.children:
        if {child.lemma_.lower(), child.lower_} & speaker_cues()["close_words"]:
            for prep in child.children:
                if prep.dep_ == "prep" and prep.lower_ in {"to", "with"}:
                    return next((p for p in prep.children if p.dep_ == "pobj"), None)
    return None


def name_speaker(head: Token, mentions: list[dict[str, Any]], book: SpeakerBook | None) -> Speaker | None:
    """Who the phrase headed by `head` stands for, or None when it is not a speaker at all (an
    abstract noun: "the involvement of X signals").

    Strongest first: a pronoun through the book; the body or person the phrase speaks for; the
    mention at the head; a generic source with a named origin ('South Korean officials'); a role
    noun or a definite description pointing back; a state's body as written; the actors stage's
    resolver; a proper name as written.
    """
    text = source_text(head)
    if head.lower_ in PRONOUNS:
        name = book.resolve_pronoun(head.lower_, head.idx) if book is not None else None
        return Speaker(name, text, "pronoun", anonymous=name is None, person=True)
    if head.lower_ in {"who", "which", "that"} and head.head.dep_ == "relcl":
        return name_speaker(head.head.head, mentions, book)  # "Pashinyan, who has said ...": the noun
    if head.lower_ == "it" and speaking_subject(head):
        body = body_before(head, mentions, book)
        return Speaker(body, text, "pronoun", anonymous=body is None)
    if head.pos_ == "PRON":
        return Speaker(None, text, "pronoun", anonymous=True)
    behind = speaks_for(head)
    if behind is not None:
        found = name_speaker(behind, mentions, book)
        if found is not None and found.name:
            return Speaker(found.name, text, "speaks-for", person=found.person)
    apposed = _apposed_person(head, mentions)
    if apposed is not None:
        return Speaker(apposed, text, "named", person=True)
    found = _named_head(head, text, mentions, book)
    if found is not None and found.name:
        found.name = as_written(found.name, mentions)
    return found


def as_written(name: str, mentions: list[dict[str, Any]]) -> str:
    """A state's body named by the mentions stage's template ("Armed forces of Sudan", "Ministry
    of Defence of Azerbaijan") is named as the article first wrote it ("Sudanese army",
    "Azerbaijan's defence ministry"): a reader must find the source in the text, and an invented
    name matches no one's spelling. Names of the alias file (registry names) stay."""
    if name in alias_book().by_name:
        return name
    written = next((m["text"] for m in sorted(mentions, key=lambda m: m["char_start"])
                    if m["name"] == name and m.get("rule") == "descriptor"), None)
    return bare(written) if written else name


def _apposed_person(head: Token, mentions: list[dict[str, Any]]) -> str | None:
    """'the acting governor of Kursk, Alexei Smirnov, told': the parser hangs the name on the
    nearest noun; a person apposed anywhere inside a role phrase is the speaker. The whole apposed
    name is read, so a name the tagger split ("Alexei" PERSON, "Smirnov" NORP) still resolves."""
    if head.pos_ != "NOUN":
        return None
    for token in head.subtree:
        if token.dep_ != "appos" or token.i <= head.i:
            continue
        covering = [mention_covering(t, mentions) for t in token.subtree if t.i <= token.i]
        people = [m for m in covering if m is not None and m["kind"] == "person"]
        if people:
            whole = resolve_in_document(name_phrase(token), mentions)
            known = {m["name"] for m in mentions if m["kind"] == "person"}
            return whole if whole in known else people[-1]["name"]
        if _unmentioned_name(token, covering) and head.lemma_.lower() in gender_vocabulary()["role_nouns"]:
            return name_phrase(token)  # "the governor of X, Alexei Smirnov,": a name the tagger missed
    return None


def _unmentioned_name(token: Token, covering: list[dict[str, Any] | None]) -> bool:
    """Two or more proper nouns that no mention claims for another kind: a person's name."""
    words = [t for t in token.subtree if t.i <= token.i]
    return token.pos_ == "PROPN" and len(words) >= 2 and all(t.pos_ == "PROPN" for t in words) \
        and all(m is None for m in covering)


def _named_head(head: Token, text: str, mentions: list[dict[str, Any]], book: SpeakerBook | None) -> Speaker | None:
    placed = _placed_body(head)
    if placed is not None:
        return Speaker(placed, text, "body")
    foreign = _particle_name(head, mentions)
    if foreign is not None:
        return Speaker(foreign, text, "named")
    mention = mention_covering(head, mentions)
    if mention is not None:
        return Speaker(mention["name"], text, "named", person=mention["kind"] == "person")
    carried = _carried_name(head, mentions)
    if carried is not None:
        return Speaker(carried, text, "named")
    if is_anonymous(head):
        inner = None if _one_unnamed(head) else _named_inside(head)
        if inner is None:
            return Speaker(None, text, "anonymous", anonymous=True)
        return Speaker(_officials_of(head, inner, mentions), text, "anonymous")
    if book is not None:
        person = book.titled_person(head)
        if person:
            return Speaker(person, text, "role", person=True)
        earlier = book.antecedent(head, mentions) or _latest_with_head_word(head, mentions) \
            or _latest_armed_group(head, mentions)
        if earlier:
            return Speaker(earlier, text, "anaphor")
    role = _role_of_named_owner(head)
    if role is not None:
        return Speaker(role, text, "role", person=True)
    if owned_body(head):
        phrase = name_phrase(head)
        return Speaker(described_body(phrase, alias_book()) or bare(phrase), text, "body")
    if _definite(head) and head.lemma_.lower() in speaker_cues()["body_nouns"]:
        return Speaker(bare(name_phrase(head)), text, "body")  # "The army said", none named before
    if people_by_origin(head):
        return Speaker(bare(name_phrase(head)), text, "named")
    if head.pos_ == "PROPN" or any(m["char_start"] >= head.left_edge.idx and m["char_end"] <= head.idx + len(head)
                                   for m in mentions):
        return Speaker(resolve_name(head, mentions), text, "named")
    if (head.is_title or _acronym(head)) and head.pos_ not in {"DET", "PRON", "ADP", "CCONJ", "SCONJ"}:
        # a name the tagger took for a common word ("Dagalo, widely known as ..., said", "SITE added")
        known = resolve_in_document(name_phrase(head), mentions)
        if known or head.i > head.sent.start:
            return Speaker(known or bare(name_phrase(head)), text, "named")
    return None


def _acronym(token: Token) -> bool:
    return token.is_upper and token.is_alpha and len(token) >= 2


_NOT_NAME_POS = {"DET", "ADP", "ADV", "SCONJ", "CCONJ", "PRON"}


_NAME_WORD = r"(?:(?:al|el|wal|bin|ibn|ad|ar|as|ash)-)?[A-ZÀ-Þ][\w'’]*(?:-[\w'’]+)*"


def _particle_name(head: Token, mentions: list[dict[str, Any]]) -> str | None:
    """'Collectif Justice pour Barsalogho', 'Front de Libération du Tarvos', "Jama'at Nusrat
    al-Islam wal-Muslimin": a foreign name joined by lower-case particles (`name_particles`), which
    the tagger breaks apart (a verb 'pour', a person 'Nusrat al-Islam'). The whole run as written is
    the name. A person's mention wins unless the run goes on after it (titles only come before)."""
    particles = "|".join(sorted(speaker_cues()["name_particles"], key=len, reverse=True))
    run = rf"{_NAME_WORD}(?:\s+(?:(?:{particles})\s+)*{_NAME_WORD})+"
    sentence = head.sent
    for found in re.finditer(run, sentence.text):
        start, end = sentence.start_char + found.start(), sentence.start_char + found.end()
        words = found.group(0).split()
        joined = any(w in speaker_cues()["name_particles"] or re.match(r"[a-z]+-", w) for w in words)
        if not (start <= head.idx < end) or not joined:
            continue
        first = head.doc.char_span(start, end, alignment_mode="expand")
        leading = 0
        while first is not None and leading < len(first) - 2 and first[leading].pos_ in _NOT_NAME_POS:
            leading += 1  # "The Collectif ...", "On Monday Front de ...": not part of the name
        name = first[leading:].text if first is not None else " ".join(words)
        mention = mention_covering(head, mentions)
        if mention is not None and (mention["kind"] != "person" or mention["char_end"] >= end):
            return None
        return name
    return None


def _carried_name(head: Token, mentions: list[dict[str, Any]]) -> str | None:
    """'Armenia's Armenpress news agency' -> Armenpress, 'The UK Maritime Trade Operations agency' ->
    UK Maritime Trade Operations: a carrier noun after a proper name is not part of the name (the
    article's own name for the source is the proper name). A state alone ('the US agency') is an
    owner, not a name: that is `owned_body`."""
    if head.pos_ != "NOUN" or head.lemma_.lower() not in speaker_cues()["carrier_nouns"]:
        return None
    names = [t for c in head.lefts if c.dep_ in {"compound", "nmod"} for t in c.subtree if t.pos_ == "PROPN"]
    names += [t for c in head.lefts if c.dep_ == "compound" and c.pos_ == "NOUN"
              for g in c.lefts if g.dep_ == "compound" for t in g.subtree if t.pos_ == "PROPN"]
    if not names:
        return None
    doc = head.doc
    span = doc[min(t.i for t in names):max(t.i for t in names) + 1]
    key = fold(span.text)
    for m in mentions:
        if key in {fold(m["text"]), fold(m["name"])}:
            return None if m["kind"] == "state" else m["name"]
    known = alias_book().lookup(span.text)
    if known:
        return None if known[0].kind == "state" else known[0].name
    return span.text


def _placed_body(head: Token) -> str | None:
    """'the Defence Ministry in Moscow', 'the defence ministry of Russia': a body the alias file
    knows, placed by its state after the noun (the mention covers only 'Defence Ministry')."""
    if not any(c.dep_ == "prep" and c.lower_ in {"in", "of"} and named_prep(c) for c in head.children):
        return None
    return described_body(name_phrase(head), alias_book())


def _latest_with_head_word(head: Token, mentions: list[dict[str, Any]]) -> str | None:
    """'the mercenary group' after 'Wagner Group', 'the mission' after 'Operation Aspides mission':
    the latest earlier body whose name ends in the head word. Only a definite description, only a
    body (no person, no state)."""
    if head.pos_ != "NOUN" or not _definite(head) or any(t.pos_ == "PROPN" for t in head.subtree):
        return None
    word = fold(head.lemma_)
    earlier = [m for m in mentions if m["char_end"] <= head.idx and m["kind"] not in {"person", "state"}]
    for m in sorted(earlier, key=lambda m: -m["char_start"]):
        if fold(m["name"]).split()[-1:] == [word]:
            return m["name"]
    return None


ARMED_GROUP_WORDS = {"group", "rebels", "insurgents", "militia", "militants", "fighters"}


def _latest_armed_group(head: Token, mentions: list[dict[str, Any]]) -> str | None:
    """'..., Arakan Army insurgents have been making gains, the group said': 'the group' or 'the
    rebels' is the latest armed body named before it, never a state's own forces (their names are
    the state templates, rule 'descriptor')."""
    if head.lower_ not in ARMED_GROUP_WORDS or not _definite(head) or any(t.pos_ == "PROPN" for t in head.subtree):
        return None
    earlier = [m for m in mentions if m["char_end"] <= head.idx and m.get("rule") != "descriptor"
               and m["kind"] in {"armed group", "military"} and m["name"] not in alias_book().by_name]
    latest = max(earlier, key=lambda m: m["char_start"], default=None)
    return latest["name"] if latest is not None else None


def _role_of_named_owner(head: Token) -> str | None:
    """'the commander of Ukraine's air force', 'the governor of Kursk': a role whose owner is named
    identifies one person; with no name for that person, the source is the role as written
    (never the owner: the commander is not the air force)."""
    if head.pos_ != "NOUN" or head.lemma_.lower() not in gender_vocabulary()["role_nouns"]:
        return None
    owner = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    pobj = next((p for p in owner.children if p.dep_ == "pobj"), None) if owner is not None else None
    if pobj is None or not any(t.pos_ == "PROPN" or t.ent_type_ in {"GPE", "NORP", "ORG"} for t in pobj.subtree):
        return None
    start = min(t.i for t in head.subtree if t.i <= head.i and t.dep_ not in {"det", "punct"})
    apposed = {t.i for c in pobj.subtree if c.dep_ in {"appos", "punct"} for t in c.subtree}
    end = max(t.i for t in pobj.subtree if t.i not in apposed) + 1
    return head.doc[start:end].text


def owned_body(head: Token) -> bool:
    """'Azerbaijan's defence ministry', 'the Indian navy', 'the US military', 'the European Union's
    naval mission': a body noun with a named owner speaks as the body, not as the owner."""
    words = [head.lower_, head.lemma_.lower()]
    compound = [c for c in head.lefts if c.dep_ == "compound" and c.pos_ != "PROPN"]
    if compound:
        words.append(f"{compound[-1].lower_} {head.lower_}")
    if not any(w in speaker_cues()["body_nouns"] for w in words):
        return False
    return any(c.dep_ in {"poss", "compound", "amod", "nmod"} and (c.pos_ == "PROPN" or c.ent_type_ in {"NORP", "GPE", "ORG"})
               for c in head.lefts) or any(named_prep(c) for c in head.children)


def resolve_name(head: Token, mentions: list[dict[str, Any]]) -> str:
    """The document-level name of a source phrase.

    A common-noun head with a named apposition ("Ukraine's ambassador, Dmytro Ponomarenko") is the
    person; otherwise the actors stage's resolver on the naming words, else the actor mention
    covering the head, else the naming words as written.
    """
    if head.pos_ != "PROPN":
        for child in head.children:
            if child.dep_ == "appos" and child.pos_ == "PROPN":
                head = child
                break
    phrase = name_phrase(head)
    mention = mention_covering(head, mentions)
    if mention is not None and mention["kind"] == "person":
        return mention["name"]
    resolved = resolve_in_document(phrase, mentions)
    if resolved:
        return as_written(resolved, mentions)
    if mention is not None:
        return as_written(mention.get("name") or mention["text"], mentions)
    return bare(phrase)


def is_anonymous(head: Token) -> bool:
    """A generic source noun ('reports', 'sources', 'officials'); a name attached to it is looked
    for separately (`_named_inside`)."""
    return head.lemma_.lower() in cues()["anonymous_nouns"] or head.lower_ in cues()["anonymous_nouns"]


def _one_unnamed(head: Token) -> bool:
    """'A US official', 'a senior Ukrainian security official', 'one diplomat': a single person
    the article will not name. The nationality says where they work, not who speaks: anonymous
    (plural 'South Korean officials' speak for their government and keep the origin)."""
    return head.tag_ == "NN" and any(c.dep_ in {"det", "nummod"} and c.lower_ in {"a", "an", "one"}
                                     for c in head.children)


def people_by_origin(head: Token) -> bool:
    """People named by who they are ("Tuareg separatist rebels", "Houthi fighters"): a plural noun
    with a proper or national modifier speaks as written, not as the state or name inside it."""
    if head.lemma_.lower() not in speaker_cues()["people_nouns"]:
        return False  # "Ukrainian theater risks" are not people
    return head.tag_ == "NNS" and not is_anonymous(head) and any(
        c.dep_ in {"nmod", "amod", "compound"} and (c.pos_ == "PROPN" or c.ent_type_ in {"NORP", "GPE"})
        for c in head.lefts)


def anonymous_group(head: Token) -> bool:
    """'Humanitarian agencies warned', 'Aid groups said', 'Witnesses said': a bare plural that
    names no one (no determiner, no name, no nationality) is an unnamed source."""
    return head.tag_ == "NNS" and not any(c.dep_ in {"det", "poss"} for c in head.children) and not any(
        t.pos_ == "PROPN" or t.ent_type_ for t in head.subtree)


def _officials_of(head: Token, inner: Token, mentions: list[dict[str, Any]]) -> str:
    """'South Korean officials' speak for South Korea; 'Karabakh officials' for no state or body
    the article names, so they are named as written (a region alone never speaks)."""
    mention = mention_covering(inner, mentions)
    if inner.i < head.i and (mention is None or mention["kind"] in {"other", "person"}) and inner.ent_type_ != "NORP":
        return bare(name_phrase(head))
    return resolve_name(inner, mentions)


def _named_inside(head: Token) -> Token | None:
    """'reports from Ukrainian intelligence' -> 'intelligence', 'officials in Seoul' -> 'Seoul',
    'South Korean officials' -> 'Korean': the named origin behind a generic noun."""
    for child in head.lefts:
        if child.dep_ in {"amod", "compound"} and (child.ent_type_ in {"NORP", "GPE", "ORG", "LOC"} or child.pos_ == "PROPN"):
            return child  # a place the tagger took for a person is still a place ("Karabakh officials")
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ in {"from", "of", "by", "in", "at"}:
            for pobj in child.children:
                if pobj.dep_ == "pobj" and any(t.pos_ in {"PROPN", "ADJ"} and t.ent_type_ for t in pobj.subtree):
                    return pobj
    return None


# ---------------------------------------------------------------------------------------------
# 'according to X', nested origins, a speaker named after the quote


def according_to_object(token: Token) -> Token | None:
    """The object of 'according to' at `token` ('according'), or None."""
    if token.lower_ != "according":
        return None
    for to in token.children:
        if to.lower_ == "to":
            return next((p for p in to.children if p.dep_ == "pobj"), None)
    following = token.nbor(1) if token.i + 1 < len(token.doc) else None
    if following is not None and following.lower_ == "to":
        return next((p for p in following.children if p.dep_ == "pobj"), None)
    return None


def according_to_speakers(span: Span, mentions: list[dict[str, Any]], book: SpeakerBook | None) -> list[tuple[Token, Speaker]]:
    """Every 'according to X' in a span with the speaker it names."""
    found = []
    for token in span:
        head = according_to_object(token)
        if head is not None:
            speaker = name_speaker(head, mentions, book)
            if speaker is not None:
                found.append((token, speaker))
    return found


def quoting_verb(verb: Token) -> Token | None:
    """'quoted the ministry as saying': the quoting verb over a reporting verb in 'as saying'."""
    as_ = verb.head
    if verb.dep_ == "pcomp" and as_.lower_ == "as" and as_.head.lemma_.lower() in speaker_cues()["origin_verbs"]:
        return as_.head
    return None


def origin_of(verb: Token, mentions: list[dict[str, Any]]) -> str | None:
    """'Yonhap reported, citing the NIS' / 'quoting military sources' / 'AFP quoted the NIS as
    saying': where the source says its information comes from (None when it cites no one or no
    one named)."""
    quoting = quoting_verb(verb)
    for child in [*verb.children, *([quoting] if quoting is not None else [])]:
        if child.lemma_.lower() in speaker_cues()["origin_verbs"] and child.pos_ == "VERB":
            cited = next((c for c in child.children if c.dep_ == "dobj"), None)
            if cited is None:
                continue
            found = name_speaker(cited, mentions, None)
            if found is not None and found.name and not found.anonymous:
                return found.name
    return None


def intro_subject(parsed: Doc, lo: int, hi: int, mentions: list[dict[str, Any]],
                  book: SpeakerBook | None) -> Speaker | None:
    """Who introduces what follows a paragraph ending with a colon when no speech verb does it
    ('Colonel X addressed her troops:', 'The ministry issued a statement on Sunday:'): the named
    subject of the paragraph's last sentence."""
    span = parsed.char_span(lo, hi, alignment_mode="expand")
    if span is None or not len(span) or not parsed.text[lo:hi].rstrip().endswith(":"):
        return None
    root = span[-1].sent.root
    subject = next((c for c in root.children if c.dep_ == "nsubj"), None)
    found = name_speaker(subject, mentions, book) if subject is not None else None
    return found if found is not None and found.name and not found.anonymous else None


def opening_subject(parsed: Doc, lo: int, hi: int, mentions: list[dict[str, Any]]) -> Speaker | None:
    """The person a paragraph opens on ("The words came from Energy Minister X", "X gave that
    account from a hospital bed"): after a quote with no cue, the next paragraph's first sentence
    most often names who spoke it."""
    span = parsed.char_span(lo, hi, alignment_mode="expand")
    if span is None or not len(span):
        return None
    sentence = span[0].sent
    root = sentence.root
    candidates = [c for c in root.children if c.dep_ == "nsubj"]
    candidates += [p for c in root.children if c.dep_ == "prep" and c.lower_ == "from" for p in c.children if p.dep_ == "pobj"]
    for head in candidates:
        for token in (head, *[c for c in head.children if c.dep_ == "appos"]):
            mention = mention_covering(token, mentions)
            if mention is not None and mention["kind"] == "person":
                return Speaker(mention["name"], mention["text"], "next-paragraph", person=True)
    return _issuer_of_statement(root, mentions)


def _issuer_of_statement(root: Token, mentions: list[dict[str, Any]]) -> Speaker | None:
    """'The statement was issued by the Interior Ministry', 'The message came from the army': a
    body as well as a person, since the subject says these are the quoted words."""
    subject = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if subject is None or subject.lemma_.lower() not in speaker_cues()["statement_nouns"] or not _definite(subject):
        return None
    for child in root.children:
        if child.dep_ == "agent" or (child.dep_ == "prep" and child.lower_ == "from"):
            issuer = next((p for p in child.children if p.dep_ == "pobj"), None)
            found = name_speaker(issuer, mentions, None) if issuer is not None else None
            if found is not None and found.name and not found.anonymous:
                return Speaker(found.name, found.text, "next-paragraph", person=found.person)
    return None
