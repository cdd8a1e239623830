"""What a figure counts and whose it is: counted_event from the governing predicate and the noun (GDELT GKG count types), counted_party from demonyms, possessives, group words and agents."""

from __future__ import annotations

import re
from typing import Any

from spacy.tokens import Token

from lib.core import quantities
from lib.extract.attribution import cues, reporting_verbs
from lib.extract.figures import (
    REFERRING_NOUNS,
    TROOP_CATEGORIES,
    _category,
    _chain,
    _leaves_own_clause,
    _rules,
    _word_event,
    counted_events,
    group_parties,
)
from lib.extract.mentions import resolve_in_document
from lib.extract.names import alias_book, fold

# ---------------------------------------------------------------------------------------------
# What a figure counts (counted_event) and whose it is (counted_party)

TOLL_EVENTS = {"killed", "wounded", "casualties", "captured", "missing", "arrested"}


PATIENT_EVENTS = TOLL_EVENTS | {"destroyed", "intercepted"}


AGENT_EVENTS = {"deployed", "planned_deployment", "fired", "pledged"}


GENERIC_PEOPLE = {"people", "person"}  # a toll of 'people' mixes fighters and civilians: no party


CURRENCY = re.compile(r"[$€£¥₽]")


CLAUSE_DEPS = {"acl", "relcl", "advcl"}


def _verb_event(verb: Token, noun: Token | None, category: str | None) -> str | None:
    """A verb's event, reading its particle or complement ('shot down', 'taken prisoner', 'took
    part') before the bare verb, and 'killed or wounded' as casualties."""
    for phrase in _verb_phrases(verb):
        for rule in counted_events().get(("verb", phrase), ()):
            if rule.applies(noun, category):
                return rule.event
    if verb.pos_ not in {"VERB", "AUX"} and not (verb.dep_ == "ROOT" and verb.lower_ == "down"):
        return None
    event = _rules("verb", verb, noun, category)
    partner = _coordinated_partner(verb)
    if partner is None:
        return event
    pair = {event, _rules("verb", partner, noun, category)}
    if {"killed", "wounded"} <= pair:
        return "casualties"  # "killed or wounded 300 soldiers"
    if verb.dep_ == "conj":
        return _rules("verb", partner, noun, category) or event  # "destroyed or seized 40 vehicles"
    return event


PHRASE_DEPS = {"prt", "advmod", "dobj", "oprd", "attr", "npadvmod"}


def _verb_phrases(verb: Token) -> list[str]:
    """The verb with its particle or complement ('shoot down', 'take prisoner') and with a
    preposition's object ('admit to hospital', 'stream out of')."""
    lemma = verb.lemma_.lower()
    phrases = []
    for child in verb.children:
        if child.dep_ in PHRASE_DEPS:
            phrases.append(f"{lemma} {child.lemma_.lower()}")
        elif child.dep_ == "prep":
            phrases.append(f"{lemma} {child.lower_}")  # 'streamed out of the territory'
            phrases += [f"{lemma} {child.lower_} {pobj.lemma_.lower()}" for pobj in child.children if pobj.dep_ == "pobj"]
    return phrases


def head_event(token: Token) -> str | None:
    """The event of the verb a word is the subject or object of ('Four were injured' -> wounded,
    'dozens were missing' -> missing, 'sinking two' -> destroyed)."""
    head = token.head
    if head is token:
        return None
    acomp = next((c for c in head.children if c.dep_ == "acomp"), None)
    return _verb_event(head, None, None) or (_word_event(acomp, None, None) if acomp is not None else None)


def _coordinated_partner(verb: Token) -> Token | None:
    """The verb coordinated with `verb` when both share one object ('killed or wounded 300',
    'destroyed or seized 40 vehicles'), unlike 'killed and 140 wounded' or 'killing three and
    wounding four', where each verb has a figure of its own."""
    if verb.dep_ == "conj" and verb.head.pos_ == "VERB":
        first, second = verb.head, verb
    else:
        second = next((c for c in verb.children if c.dep_ == "conj" and c.pos_ == "VERB"), None)
        if second is None:
            return None
        first = verb
    if any(c.dep_ in {"nsubj", "nsubjpass"} for c in second.children):
        return None
    objects = [any(c.dep_ == "dobj" for c in v.children) for v in (first, second)]
    if all(objects):
        return None
    return second if verb is first else first


def _complement_event(verb: Token, noun: Token | None, category: str | None) -> str | None:
    """'people reported to have fled': the event of the clause a reporting participle takes."""
    complement = next((c for c in verb.children if c.dep_ == "xcomp"), None)
    return _verb_event(complement, noun, category) if complement is not None else None


FIRED_AT = {"at", "against", "toward", "towards"}


def _preposition_event(token: Token, preposition: str, noun: Token | None, category: str | None) -> str | None:
    """The event of the word `token` governs through `preposition` ('of the dead', 'among the injured')."""
    for child in token.children:
        if child.dep_ == "prep" and child.lower_ == preposition:
            for pobj in child.children:
                event = _word_event(pobj, noun, category)
                if event:
                    return event
    return None


def _of_event(token: Token, noun: Token | None, category: str | None) -> str | None:
    """'the number of survivors', 'the toll of dead': the noun the referring word is 'of'."""
    if token.lemma_.lower() not in REFERRING_NOUNS:
        return None
    return _preposition_event(token, "of", noun, category)


def _among_event(token: Token, noun: Token | None, category: str | None) -> str | None:
    """'10 civilians among the dead', 'among the injured were two Filipinos'."""
    return _preposition_event(token, "among", noun, category)


def _predicate_event(target: Token, noun: Token | None, category: str | None) -> str | None:
    """The event of the nearest predicate over the counted noun, CQE-style: the noun's own
    modifiers and clauses ('140 wounded', 'drones fired by'), then each head up to the reporting
    verb: its verb, its adjective complement ('were missing'), its subject ('the toll rose to')."""
    for child in target.children:
        if child.dep_ in CLAUSE_DEPS:
            event = _verb_event(child, noun, category) or _word_event(child, noun, category) \
                or _complement_event(child, noun, category)
            if event:
                return event
    event = _among_event(target, noun, category) or _chain_event(target, noun, category)
    if event:
        return event
    for child in target.children:
        if child.dep_ in {"amod", "acomp"}:
            event = _word_event(child, noun, category) or _verb_event(child, noun, category)
            if event:
                return event
    return None


def _chain_event(target: Token, noun: Token | None, category: str | None) -> str | None:
    """The event of the heads above the counted noun, up to the reporting verb."""
    chain = _chain(target)
    for position, token in enumerate(chain[1:], start=1):
        if _leaves_own_clause(chain[position - 1]):
            break
        lemma = token.lemma_.lower()
        event = _verb_event(token, noun, category) if token.pos_ in {"VERB", "AUX", "ADP"} \
            else _word_event(token, noun, category)
        if event == "fired" and any(t.dep_ == "prep" and t.lower_ in FIRED_AT for t in chain[1:position]):
            return None  # 'launched missiles at two ships': the ships are the target, not what was fired
        if event:
            return event
        for child in token.children:
            if child.dep_ in {"acomp", "nsubj", "nsubjpass", "attr", "dobj"} and child is not target \
                    and target not in child.subtree:
                event = _word_event(child, noun, category) or _of_event(child, noun, category)
                if event:
                    return event
        event = _among_event(token, noun, category)
        if event:
            return event
        if lemma in reporting_verbs() and token.pos_ == "VERB" and ("verb", lemma) not in counted_events():
            raised = next((c for c in token.children if c.dep_ in {"xcomp", "oprd"}), None)
            if raised is not None and chain[position - 1].dep_ in {"nsubj", "nsubjpass"}:
                # '400,000 people reported to have fled', '43 people were reported missing'
                return _verb_event(raised, noun, category) or _word_event(raised, noun, category)
            break
    return None


def _partitive_whole(target: Token, figure: Token | None) -> bool:
    """'15 of the 20 drones', 'seven of the 40 passengers': the whole (20) a part (15) is taken
    from. The verb acts on the part ('destroyed 15'), not on the whole, which only its noun types."""
    of = target.head if target.dep_ == "pobj" else None
    return of is not None and figure is not None and of.lower_ == "of" and of.head.like_num \
        and figure in target.subtree and figure.i != of.head.i


def _part_event(target: Token, figure: Token, noun: Token | None, category: str | None) -> str | None:
    """'More than 20 of the 30 missiles launched ... were shot down': the part's own predicate
    (shot down) comes before the clause on the whole (launched)."""
    of = target.head
    if target.dep_ != "pobj" or of.lower_ != "of" or of.head.i != figure.i or figure.i == target.i:
        return None
    return _chain_event(figure, noun, category)


def _including_event(target: Token, category: str | None) -> str | None:
    """'killed 17 people, including seven prisoners': the part shares what happened to the whole,
    whatever its own noun says (prisoners alone would be captured)."""
    including = target.head
    if target.dep_ != "pobj" or including.lower_ not in {"including", "among"} or including.head.pos_ != "NOUN":
        return None
    whole = including.head
    if whole.i == target.i or including.lower_ == "among":
        return None  # 'among the dead' is read by _among_event
    return _word_event(whole, whole, category) or _predicate_event(whole, whole, category)


def _inhabitants_of(target: Token, category: str | None) -> bool:
    """'the town of about 14,000 people': the people of a place are present there, whatever
    the verb did to the place (captured the town)."""
    of = target.head
    if category not in {"people", "civilian"} or target.dep_ != "pobj" or of.lower_ != "of":
        return False
    place = of.head
    return place.ent_type_ in {"GPE", "LOC"} or _rules("place", place, None, category) is not None


def _released(target: Token) -> bool:
    """Whether the first verb or event noun over the captives frees them ('swapped 175 prisoners',
    'the release of 40 hostages')."""
    for token in _chain(target)[1:]:
        if token.pos_ == "ADP":
            continue
        if _rules("release", token, None, None) is not None:
            return True
        if token.pos_ in {"VERB", "AUX"}:
            return False
    return False


def _incident_event(target: Token, noun: Token, category: str | None) -> str:
    """Attacks, strikes and raids are counted events, never a toll or a presence: 'killed 70 people
    in two airstrikes' does not kill the airstrikes. Only a launching verb types them ('launched
    20 strikes' is fired)."""
    event = _predicate_event(target, noun, category)
    return event if event in AGENT_EVENTS else "other"


def _is_placed(target: Token, category: str | None) -> bool:
    """'troops in the Kursk region', '20 crew members on board', 'the region's 120,000 Armenians'."""
    c = cues()
    siblings = [target, *[t for t in target.children if t.dep_ == "conj"]]
    if target.dep_ == "conj":
        siblings.append(target.head)
    for child in [child for sibling in siblings for child in sibling.children]:
        if child.dep_ == "prep" and child.lower_ in c["location_preps"]:
            for pobj in child.children:
                if pobj.ent_type_ in {"GPE", "LOC", "FAC"} or _rules("place", pobj, None, category) is not None:
                    return True
        if child.dep_ == "poss" and (child.ent_type_ in {"GPE", "LOC"} or _rules("place", child, None, category) is not None):
            return True
        if child.dep_ == "advmod" and _rules("place", child, None, category) is not None:
            return True
    return False


def _is_count(quantity: quantities.Quantity, noun: Token | None, category: str | None) -> bool:
    """Durations, distances and shares are figures but count nothing."""
    if category == "time":
        return False
    if noun is not None and _rules("measure", noun, noun, category) is not None:
        return False
    return not quantity.text.rstrip().endswith("%")


def counted_event(quantity: quantities.Quantity, target: Token, noun: Token | None, category: str | None,
                  deployed: bool, modality: str, figure: Token | None = None) -> str | None:
    """What a figure counts, GDELT GKG-style, from its noun and the predicate that governs it.

    The noun first ('deaths', 'refugees', 'casualties'), then the nearest predicate; a troop figure
    the deployment rules accept is 'deployed', one merely in a place 'present'; any other count is
    'other'. A deployment still to happen (planned or projected) is 'planned_deployment'."""
    if not _is_count(quantity, noun, category):
        return None
    whole = _partitive_whole(target, figure)
    if noun is not None and _rules("incident", noun, noun, category) is not None:
        return _incident_event(target, noun, category)
    if _inhabitants_of(target, category):
        return "present"
    event = _including_event(target, category) \
        or (_word_event(noun, noun, category) if noun is not None else None) \
        or (_part_event(target, figure, noun, category) if figure is not None else None) \
        or (None if whole else _predicate_event(target, noun, category))
    if event in {"captured", "arrested"} and _released(target):
        event = "other"  # 'swapped 175 prisoners': they were captive, but this count is of a release
    if event is None and noun is not None:
        event = _rules("default", noun, noun, category)
    if event is None:
        if _is_placed(target, category):
            event = "present"
        elif whole:
            event = "other"
        elif deployed and category in TROOP_CATEGORIES:
            event = "deployed"
        else:
            event = "other"
    if event == "deployed" and modality in {"planned", "possible"}:
        return "planned_deployment"
    return event


def _mention_at(token: Token, mentions: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((m for m in mentions if m["char_start"] <= token.idx < m["char_end"]), None)


def _state_of_demonym(word: str, mentions: list[dict[str, Any]]) -> str | None:
    """'Malian' -> 'Mali', 'Sudanese' -> 'Sudan', 'Houthi' -> 'Houthis': the document's name that
    shares the demonym's stem (a common prefix of all but the name's last two letters)."""
    key = fold(word)
    best, best_length = None, 0
    for name in {m["name"] for m in mentions if m.get("name")}:
        folded = fold(name)
        if " " in folded:
            continue
        common = len(next((a for a in [key[:i] for i in range(min(len(key), len(folded)), 0, -1)]
                           if folded.startswith(a)), ""))
        if common >= max(4, len(folded) - 2) and common > best_length:
            best, best_length = name, common
    return best


def _is_name(token: Token, mentions: list[dict[str, Any]]) -> bool:
    return token.pos_ == "PROPN" or token.ent_type_ in {"NORP", "GPE", "ORG", "PERSON"} \
        or _mention_at(token, mentions) is not None


def _name_of(token: Token, mentions: list[dict[str, Any]]) -> str | None:
    """The document-level name a word stands for: its mention, the alias file (demonyms to
    states), a mention sharing the demonym's stem, else the name as written."""
    hit = alias_book().lookup(token.text)
    if hit:
        return hit[0].name
    mention = _mention_at(token, mentions)
    if mention is not None and not (mention.get("kind") == "person" and token.dep_ in {"compound", "amod"}
                                    and token.head.pos_ == "NOUN"):
        return mention["name"]  # "the Houthi leader" is a person; "Houthi" on it names the group
    if token.ent_type_ == "NORP" or (token.pos_ in {"ADJ", "PROPN"} and token.text[:1].isupper()):
        stem = _state_of_demonym(token.text, mentions)
        if stem:
            return stem
    if token.pos_ == "PROPN" or token.ent_type_:
        return resolve_in_document(token.text, mentions) or token.text
    return None


def _phrase_name(head: Token, mentions: list[dict[str, Any]]) -> str | None:
    """The name of a noun phrase ('Houthi forces' -> 'Houthis', 'Britain', 'the new force')."""
    if head.pos_ == "PRON":
        return _pronoun_owner(head, mentions)
    if head.pos_ == "PROPN" and _is_name(head, mentions):
        return _name_of(head, mentions)  # "Yemen's Houthis" are the Houthis
    named = _modifier_party(head, mentions)
    if named:
        return named
    if _is_name(head, mentions):
        return _name_of(head, mentions)
    if head.lemma_.lower() in group_parties():
        return group_parties()[head.lemma_.lower()]
    words = [t for t in head.subtree if t.i <= head.i and t.dep_ in {"det", "amod", "compound"} or t == head]
    if any(w.lower_ == "the" for w in words):
        return resolve_in_document(" ".join(w.text for w in words), mentions) or " ".join(w.text for w in words)
    return None


def _pronoun_owner(pronoun: Token, mentions: list[dict[str, Any]]) -> str | None:
    """'its', 'their', 'it': the subject of the nearest verb above that is not itself a pronoun
    ("Azerbaijan's defence ministry said 192 of its servicemen" -> Azerbaijan)."""
    for token in _chain(pronoun)[1:]:
        subject = next((c for c in token.children if c.dep_ in {"nsubj", "nsubjpass"}
                        and c.pos_ != "PRON" and pronoun not in c.subtree), None)
        if subject is None:
            continue
        owner = next((c for c in subject.children if c.dep_ == "poss" and _is_name(c, mentions)), None)
        if owner is not None:
            return _name_of(owner, mentions)
        hit = alias_book().lookup(subject.text) or alias_book().lookup(
            " ".join(t.text for t in subject.subtree))
        if hit and hit[0].affiliation:
            return hit[0].affiliation
        return _phrase_name(subject, mentions)
    return None


def _modifier_party(noun: Token, mentions: list[dict[str, Any]]) -> str | None:
    """Whose, from the words on the noun: the nearest name or demonym ('Russian Wagner fighters'
    -> Wagner), a possessive ('Russia's losses', 'its servicemen'), 'of X' with X a name."""
    for child in sorted(noun.lefts, key=lambda t: -t.i):
        if child.dep_ == "poss":
            return _pronoun_owner(child, mentions) if child.pos_ == "PRON" else _phrase_name(child, mentions)
        if child.dep_ in {"compound", "amod", "nmod", "npadvmod"} and child.text[:1].isupper() \
                and _is_name(child, mentions):
            return _name_of(child, mentions)
        maker = _hyphen_maker(child, mentions)
        if maker:
            return maker
    for child in noun.rights:
        if child.dep_ == "prep" and child.lower_ == "of":
            for pobj in child.children:
                if pobj.dep_ == "pobj" and _is_name(pobj, mentions):
                    return _name_of(pobj, mentions)
    return None


def _hyphen_maker(modifier: Token, mentions: list[dict[str, Any]]) -> str | None:
    """'Russia-launched drones', 'Iranian-made missiles', 'Houthi-held ports': the name joined by
    a hyphen to the participle on the noun."""
    if modifier.dep_ != "amod" or modifier.tag_ not in {"VBN", "VBD", "JJ"}:
        return None
    for child in modifier.lefts:
        if child.dep_ in {"npadvmod", "compound", "nmod", "amod"} and child.text[:1].isupper() \
                and child.i + 1 < len(child.doc) and child.doc[child.i + 1].text in "-‐" and _is_name(child, mentions):
            return _name_of(child, mentions)
    return None


ATTACK_NOUNS = {"attack", "strike", "barrage", "wave", "salvo", "assault", "bombardment", "raid", "volley"}


def _attack_owner(target: Token, mentions: list[dict[str, Any]]) -> str | None:
    """'a large wave of Russian attacks that included 20 drones': projectiles counted inside an
    attack belong to whoever the attack noun names."""
    for token in _chain(target)[1:6]:
        if token.pos_ == "NOUN" and token.lemma_.lower() in ATTACK_NOUNS:
            named = _modifier_party(token, mentions)
            if named:
                return named
    return None


DISPLACEMENT_EVENTS = {"displaced", "evacuated"}


def _group_party(noun: Token, event: str | None) -> str | None:
    """The party a group word names ('civilians', 'children', 'crew members'); none for 'people'
    in a toll (it mixes fighters and civilians); demonyms as nouns ('120,000 Armenians') count
    civilians."""
    parties = group_parties()
    lemma = noun.lemma_.lower()
    if lemma in GENERIC_PEOPLE and event in TOLL_EVENTS:
        return None
    if lemma in parties:
        return parties[lemma]
    for child in noun.lefts:
        if child.dep_ == "compound" and child.lemma_.lower() in parties:
            return parties[child.lemma_.lower()]
    if noun.ent_type_ == "NORP" and noun.pos_ in {"PROPN", "NOUN"} and _category(noun) is None:
        return "civilians"
    return None


def _gives(verb: Token, event: str | None) -> bool:
    return any(rule.event == event for rule in counted_events().get(("verb", verb.lemma_.lower()), ()))


def _agent(target: Token, mentions: list[dict[str, Any]], event: str | None = None) -> str | None:
    """Who acts on the figure: the subject (or 'by' agent) of the nearest verb over it, through
    'aimed to deploy' and 'was expected to deploy'. A projectile fired by no verb of its own ('a
    wave of attacks that included 20 drones', 'destroyed 15 of the 20 drones') has no agent here:
    the subject of 'included' or 'destroyed' did not fire it."""
    acted = event != "fired"
    for token in _chain(target)[1:]:
        if token.pos_ not in {"VERB", "AUX"}:
            continue
        acted = acted or _gives(token, event)
        if not acted:
            return None
        for child in token.children:
            if child.dep_ == "nsubj" or (child.dep_ == "nsubjpass" and token.dep_ != "ROOT" and target.dep_ != "nsubjpass"):
                if target in child.subtree:
                    continue
                return _phrase_name(child, mentions)
            if child.dep_ == "agent":
                pobj = next((p for p in child.children if p.dep_ == "pobj"), None)
                if pobj is not None:
                    return _phrase_name(pobj, mentions)
        if token.dep_ not in {"xcomp", "conj"}:
            return None
    return None


STATE_PERSONNEL = {"soldier", "troop", "serviceman", "servicemen", "conscript", "reservist", "officer"}


def _state_of_body(name: str | None) -> str | None:
    """The state a military or ministry belongs to: its alias-file affiliation, or the state its
    template name ends with ('Armed forces of Mali')."""
    if not name:
        return None
    book = alias_book()
    entry = book.by_name.get(name)
    if entry is not None and entry.kind == "state":
        return entry.name
    if entry is not None and entry.affiliation:
        return entry.affiliation
    found = re.search(r"\bof ([A-Z][\w' -]+)$", name)
    state = book.by_name.get(found.group(1)) if found else None
    if state is None:  # 'Malian army', "Ukraine's military": the demonym or possessive before the body
        first = re.match(r"([A-Z][\w-]*(?:\s[A-Z][\w-]*)?)(?:['’]s)?\s+[a-z]", name)
        hit = book.lookup(first.group(1)) if first else None
        state = book.by_name.get(hit[0].name) if hit else None
    return state.name if state is not None and state.kind == "state" else None


def _soldiers_state(noun: Token | None, event: str | None, source: str | None) -> str | None:
    """Whose soldiers a bare 'soldiers were killed' counts: the state of the army or ministry that
    reports its own losses ('the army said two soldiers were killed'). Soldiers captured are the
    other side's, and fighters or militants are not a state's: those stay unnamed."""
    if noun is None or event not in OWN_LOSS_EVENTS or noun.lemma_.lower() not in STATE_PERSONNEL:
        return None
    entry = alias_book().by_name.get(source) if source else None
    if entry is not None and entry.kind == "state":
        return None  # 'Ukraine said 30 soldiers were killed': a state may count the enemy's dead
    return _state_of_body(source)


OWN_LOSS_EVENTS = {"killed", "wounded", "casualties", "missing"}


def counted_party(target: Token, noun: Token | None, event: str | None, mentions: list[dict[str, Any]],
                  memory: dict[str, Any], sentence_previous: dict[str, Any] | None,
                  source: str | None = None) -> str | None:
    """Whose soldiers, civilians or rockets a figure counts, as the document names them.

    A civilian group word wins ('two Filipino seafarers' are civilians); then a name on the noun
    ('RSF fighters', 'Russia's losses', 'its servicemen'); then another group word ('vessels');
    then 'seven of the drones' takes the drones' party from earlier; a deployment, a launch or a
    pledge belongs to its agent ('Moscow moved 30,000 troops'); missiles shot down are the last
    launcher's; a bare number or a second loss in the sentence ('captured 430 RSF fighters and
    seized 60 vehicles') takes the previous figure's party."""
    if event is None:
        return None
    group = _group_party(noun, event) if noun is not None else None
    if group == "civilians":
        return group
    if noun is None and event in DISPLACEMENT_EVENTS:
        return "civilians"  # "forced 400,000 to flee": who flees a war is its civilians
    party = (_modifier_party(noun, mentions) if noun is not None else None) or group
    if party is None and noun is not None and event in {"intercepted", "fired", "destroyed"}:
        party = _launcher(noun, mentions)
    owner = _owner_verb(target) if party is None and event in PATIENT_EVENTS else None
    if owner is not None:
        subject = next((c for c in owner.children if c.dep_ == "nsubj"), None)
        party = _phrase_name(subject, mentions) if subject is not None else None
    if party is None and noun is not None and _is_partitive(target, noun):
        # "seven of the drones", "19 of the dead": the drones or the dead counted before
        party = memory.get("party_of", {}).get(noun.lemma_.lower()) or memory.get("party_of_event", {}).get(event)
    if party is None and event in AGENT_EVENTS:
        party = _agent(target, mentions, event)
    if party is None and event == "fired":
        party = _attack_owner(target, mentions)
    if party is None and event in {"intercepted", "fired"}:
        party = memory.get("fired")  # "the three missiles", "15 of the 20 drones": the last launcher's
    if party is None and event in {"deployed", "planned_deployment"}:
        party = memory.get("deployer")
    if party is None:
        party = _soldiers_state(noun, event, source)
    if party is None and sentence_previous is not None and sentence_previous.get("counted_party"):
        if noun is None or (event in PATIENT_EVENTS and sentence_previous.get("counted_event") in PATIENT_EVENTS):
            party = sentence_previous["counted_party"]
    return party


def _launcher(noun: Token, mentions: list[dict[str, Any]]) -> str | None:
    """'18 drones, two missiles and a ballistic missile fired by Yemen's Houthi movement': the 'by'
    agent of a launch clause on the noun or on a noun coordinated with it."""
    siblings = [noun, *[t for t in noun.subtree if t.dep_ == "conj"]]
    if noun.dep_ == "conj":
        siblings += [noun.head, *[t for t in noun.head.subtree if t.dep_ == "conj"]]
    for sibling in siblings:
        for clause in sibling.children:
            if clause.dep_ in {"acl", "relcl"} and _rules("verb", clause, sibling, _category(sibling)) == "fired":
                for agent in clause.children:
                    if agent.dep_ == "agent":
                        pobj = next((p for p in agent.children if p.dep_ == "pobj"), None)
                        if pobj is not None:
                            return _phrase_name(pobj, mentions)
    return None


def _owner_verb(target: Token) -> Token | None:
    """'Ukraine had lost 15,000 servicemen': a verb whose subject owns what it counts."""
    for token in _chain(target)[1:]:
        lemma = token.lemma_.lower()
        if ("owner", lemma) in counted_events():
            return token
        if lemma in reporting_verbs() and token.pos_ == "VERB":
            return None
    return None


def _is_partitive(target: Token, noun: Token) -> bool:
    """'seven of the drones': the figure picks from things the text has already counted."""
    return noun.head.lower_ == "of" and any(c.dep_ == "det" and c.lower_ == "the" for c in noun.children)


def _remember_party(memory: dict[str, Any], noun: Token | None, event: str | None, party: str | None) -> None:
    """Keep who launched, who deployed and whose each noun was, for later figures that refer back."""
    if party is None:
        return
    if noun is not None:
        memory.setdefault("party_of", {})[noun.lemma_.lower()] = party
    if event is not None:
        memory.setdefault("party_of_event", {})[event] = party
    if event == "fired":
        memory["fired"] = party
    if event in {"deployed", "planned_deployment"}:
        memory["deployer"] = party


def _is_year(quantity: quantities.Quantity) -> bool:
    return quantity.bound == "exact" and bool(re.fullmatch(r"(1[6-9]|20)\d\d", quantity.text.strip()))


def _is_label(figure: Token) -> bool:
    """'Article 4', 'G 20', 'Su-27': a number that names something rather than counts it."""
    if figure.i > 0:
        before = figure.doc[figure.i - 1]
        if before.pos_ == "PROPN" and before.is_title and figure.head.i in {before.i, figure.i} | {t.i for t in before.ancestors}:
            return True
    return figure.head.pos_ == "PROPN" and figure.head.i < figure.i


def hedges_in(text: str) -> list[str]:
    lowered = text.lower()
    return [h for h in cues()["hedges"] if re.search(rf"(?<!\w){re.escape(h)}(?!\w)", lowered)]
