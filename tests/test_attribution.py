"""Who says it: the shared attribution rules, each on a composed sentence of its own.

Every sentence here is invented (names of no real story); each test fails if its rule is removed.
"""

from __future__ import annotations

from datetime import date

import pytest

from lib.core.document import Document
from lib.core.nlp import load_model
from lib.extract import attribution, mentions, names
from lib.extract.claims import extract_claims
from lib.extract.mentions import extract_mentions
from lib.extract.quotes import extract_quotes
from lib.extract.rows import analyse_document


@pytest.fixture(scope="module")
def nlp():
    return load_model()


def _analyse(nlp, text: str):
    document = Document("t", text, published=date(2025, 3, 1))
    parsed = nlp(text)
    mentions = extract_mentions(document, parsed)
    quotes = extract_quotes(document, parsed, mentions)
    return quotes, extract_claims(document, parsed, mentions, quotes)


def _direct(quotes):
    return [q for q in quotes if q["kind"] == "direct"]


def _figure(claims, value_text):
    return next(r for r in claims if r.get("value_text") == value_text)


def test_one_verb_table_carries_every_role():
    table = attribution.verb_table()
    assert {"quote_cue", "reported_speech", "belief", "doubt", "on_record", "confirming"} == set(attribution.ROLES)
    assert "say" in attribution.verbs_with("quote_cue") and "doubt" in attribution.verbs_with("doubt")
    assert table["confirm"].roles >= {"on_record", "confirming"}
    assert "doubt" not in attribution.reporting_verbs()  # claims keep their own on-record verbs


def test_post_posed_speaker_after_the_quote(nlp):
    quotes, _ = _analyse(nlp, "The bridge was closed on Monday.\n\n“The road is gone,” said Tobias Wechsler, a "
                              "logistics officer.")
    assert _direct(quotes)[0]["speaker"] == "Tobias Wechsler"


def test_speaker_named_in_the_next_paragraph(nlp):
    text = ("Shelling resumed at dawn.\n\n“We hid in the cellar for two days and ate nothing.”\n\n"
            "The words came from Miriam Okonjo, a nurse at the district hospital.")
    quotes, _ = _analyse(nlp, text)
    assert _direct(quotes)[0]["speaker"] == "Miriam Okonjo"
    assert _direct(quotes)[0]["attribution_rule"] == "later-paragraph"


def test_a_spokesperson_speaks_for_the_organisation(nlp):
    text = ("The Valmoran Red Cross moved its staff. “Our teams will stay in the city,” a spokesperson for "
            "the Valmoran Red Cross told reporters.")
    quotes, _ = _analyse(nlp, text)
    assert "Red Cross" in (_direct(quotes)[0]["speaker"] or "")


def test_according_to_a_statement_by_names_the_issuer(nlp):
    _, claims = _analyse(nlp, "Rebels fired at least 14 rockets at the port, according to a statement by the "
                              "Northern Coast Guard Command.")
    row = _figure(claims, "at least 14")
    assert row["source_name"] and "Command" in row["source_name"]


def test_nested_origin_keeps_source_and_origin_apart(nlp):
    _, claims = _analyse(nlp, "At least 30 fighters were killed, the Meridian Daily reported, citing the Tarvos "
                              "Interior Ministry.")
    row = _figure(claims, "At least 30")
    assert "Meridian" in row["source_name"]
    assert row["origin"] and "Interior Ministry" in row["origin"]


def test_origin_is_the_source_itself_when_it_cites_no_one(nlp):
    _, claims = _analyse(nlp, "The Tarvos Interior Ministry said 12 police officers were wounded.")
    row = _figure(claims, "12")
    assert row["origin"] == row["source_name"]


def test_pronoun_goes_to_the_nearest_compatible_named_speaker(nlp):
    text = ("Colonel Anna Brandt said the convoy had left. Her deputy, Peter Lindqvist, met the mayor.\n\n"
            "“We will return by Friday,” she said.")
    quotes, _ = _analyse(nlp, text)
    assert _direct(quotes)[0]["speaker"] == "Anna Brandt"


def test_a_role_noun_points_back_to_the_person_titled_so(nlp):
    text = ("Foreign Minister Lukas Varenne arrived in the capital on Tuesday. The foreign minister said "
            "talks would resume.\n\n“There is no other way,” the foreign minister said.")
    quotes, _ = _analyse(nlp, text)
    assert _direct(quotes)[0]["speaker"] == "Lukas Varenne"


def test_a_state_body_speaks_as_the_body_not_the_state(nlp):
    _, claims = _analyse(nlp, "Azerbaijan's interior ministry said 40 officers had been deployed.")
    row = _figure(claims, "40")
    assert row["source_name"] != "Azerbaijan" and "inistry" in row["source_name"]


def test_an_unnamed_speaker_next_to_the_quote_is_not_replaced_by_an_earlier_one(nlp):
    text = "Anna Brandt said the roads were open. “It is worse than reported,” one official said."
    quotes, _ = _analyse(nlp, text)
    assert _direct(quotes)[0]["speaker"] is None


# ---------------------------------------------------------------------------------------------
# Second round: a source named as the article names it, and the sentence geometry of figures


def test_a_state_body_is_named_as_written_not_by_a_made_up_template(nlp):
    _, claims = _analyse(nlp, "The Sudanese army said 40 fighters were killed near the river.")
    assert _figure(claims, "40")["source_name"] == "Sudanese army"


def test_a_bare_body_noun_points_back_to_the_body_as_written(nlp):
    text = "The Malian army said 12 soldiers were killed. The army said 30 attackers were captured."
    _, claims = _analyse(nlp, text)
    assert _figure(claims, "30")["source_name"] == "Malian army"


def test_a_body_placed_by_its_capital_is_the_registry_body():
    book = names.alias_book()
    assert mentions.described_body("the Defence Ministry in Moscow", book) == "Russian Ministry of Defence"
    assert mentions.described_body("the defence ministry of Russia", book) == "Russian Ministry of Defence"
    assert mentions.described_body("the Ministry of Culture in Moscow", book) is None  # never made up


def test_a_carrier_noun_is_not_part_of_the_name(nlp):
    _, claims = _analyse(nlp, "The Korvath Maritime Watch agency said it had received reports from at least "
                              "seven ships.")
    assert _figure(claims, "at least seven")["source_name"] == "Korvath Maritime Watch"


def test_a_channel_close_to_a_group_speaks_for_the_group(nlp):
    text = ("The Brannoch Group said on Monday that it was leaving the country. A Telegram channel close to the "
            "mercenary group said 30 of its fighters had been killed.")
    _, claims = _analyse(nlp, text)
    assert _figure(claims, "30")["source_name"] == "Brannoch Group"


def test_a_role_with_a_named_owner_is_kept_whole(nlp):
    _, claims = _analyse(nlp, "Rebel forces destroyed three bridges in a week, the commander of Valmora's air "
                              "force said.")
    assert _figure(claims, "three")["source_name"] == "commander of Valmora's air force"


def test_a_role_with_an_apposed_name_is_that_person(nlp):
    text = ("In Marvan, the acting governor of Kursk, Alexei Smirnov, told President Ilse Varga at a televised "
            "meeting that 12,000 people had been evacuated.")
    _, claims = _analyse(nlp, text)
    assert _figure(claims, "12,000")["source_name"] == "Alexei Smirnov"


def test_people_named_by_who_they_are_speak_as_written(nlp):
    _, claims = _analyse(nlp, "Dozens of soldiers were killed near the border, Kurdish separatist rebels said.")
    assert _figure(claims, "Dozens")["source_name"] == "Kurdish separatist rebels"


def test_it_said_goes_to_the_body_that_spoke_before(nlp):
    text = ("The Valmoran Coast Guard said 14 boats had been seized. It said 20 sailors had been detained. "
            "It did not give a toll, but said 11 smugglers had been arrested.")
    _, claims = _analyse(nlp, text)
    assert _figure(claims, "20")["source_name"] == "Valmoran Coast Guard"
    assert _figure(claims, "11")["source_name"] == "Valmoran Coast Guard"


def test_one_unnamed_official_is_anonymous_whatever_the_nationality(nlp):
    _, claims = _analyse(nlp, "A US official said fighter jets had shot down 11 drones overnight.")
    row = _figure(claims, "11")
    assert row["attribution"] == "anonymous" and row["source_name"] is None


def test_a_bare_plural_that_names_no_one_is_anonymous(nlp):
    _, claims = _analyse(nlp, "Humanitarian agencies warned that the fighting could displace 20,000 people.")
    assert _figure(claims, "20,000")["attribution"] == "anonymous"


def test_the_state_leader_is_the_prime_minister_named_before(nlp):
    text = ("Protesters demanded the resignation of Prime Minister Tomas Reller on Monday. The Armenian leader "
            "said his government was ready to take in 40,000 refugee families.")
    _, claims = _analyse(nlp, text)
    assert _figure(claims, "40,000")["source_name"] == "Tomas Reller"


def test_a_speaker_in_a_relative_clause_does_not_own_the_sentence(nlp):
    text = ("Thousands of protesters gathered outside parliament to demand the resignation of Prime Minister "
            "Tomas Reller, who has said the country will not be dragged into a war.")
    _, claims = _analyse(nlp, text)
    assert _figure(claims, "Thousands")["attribution"] == "author"


def test_a_speaker_in_a_later_coordinated_clause_does_not_own_the_figure(nlp):
    text = ("Tens of thousands of residents fled to the coast during the fighting, and the UN refugee agency said "
            "it expected many to return within weeks.")
    _, claims = _analyse(nlp, text)
    assert _figure(claims, "Tens of thousands")["attribution"] == "author"


def test_a_post_posed_speaker_hung_as_a_conjunct_still_owns_the_figure(nlp):
    text = "Air strikes killed at least 53 people, the Vestrian Herald television reported on Sunday."
    _, claims = _analyse(nlp, text)
    assert "Vestrian Herald" in (_figure(claims, "at least 53")["source_name"] or "")


def test_figures_after_a_colon_belong_to_the_introducer(nlp):
    _, claims = _analyse(nlp, "The Tarvos health ministry gave its latest toll on Sunday: at least 45 people were "
                              "killed and 112 wounded.")
    assert _figure(claims, "at least 45")["source_name"] == "Tarvos health ministry"
    _, claims = _analyse(nlp, "The Tarvos health ministry issued a statement on Sunday:\n\nAt least 45 people were "
                              "killed in the strikes.")
    row = _figure(claims, "At least 45")
    assert row["source_name"] == "Tarvos health ministry" and row["attribution_rule"] == "carried"


def test_a_figure_inside_a_quote_has_the_speaker_as_origin(nlp):
    text = ("The bridge fell on Monday.\n\n“We lost 12 vehicles on the bridge. The road is gone,” said Tobias "
            "Wechsler, a logistics officer.")
    _, claims = _analyse(nlp, text)
    row = _figure(claims, "12")
    assert row["source_name"] == "Tobias Wechsler" and row["origin"] == "Tobias Wechsler"


def test_a_foreign_name_is_read_across_its_particles(nlp):
    text = "The Collectif Justice pour Marvanne, a group of relatives, said it had counted 40 bodies."
    _, claims = _analyse(nlp, text)
    assert _figure(claims, "40")["source_name"] == "Collectif Justice pour Marvanne"
    _, claims = _analyse(nlp, "The Front de Libération du Tarvos said its fighters had seized 12 trucks.")
    assert _figure(claims, "12")["source_name"] == "Front de Libération du Tarvos"


# ---------------------------------------------------------------------------------------------
# Second round: quote speakers


def test_the_cue_of_the_quotes_own_sentence_beats_a_nearer_one_before(nlp):
    text = ("The Valmoran Relief Council said it had moved some staff. “We have relocated about 60 people away from "
            "the port,” a spokesperson for the Korvath Aid Office, the council's field office, told reporters.")
    quotes, _ = _analyse(nlp, text)
    assert "Korvath Aid Office" in (_direct(quotes)[0]["speaker"] or "")


def test_a_colon_intro_without_a_speech_verb_names_the_speaker(nlp):
    text = ("In a video posted on Telegram, Colonel Anna Brandt addressed her troops:\n\n"
            "“We will hold the line until the last man.”")
    quotes, _ = _analyse(nlp, text)
    assert _direct(quotes)[0]["speaker"] == "Anna Brandt" and _direct(quotes)[0]["attribution_rule"] == "colon-intro"


def test_a_statement_issued_in_the_next_paragraph_names_the_body(nlp):
    text = ("“Order has been restored in all districts.”\n\n"
            "The statement was issued by the Valmoran Interior Ministry on Sunday.")
    quotes, _ = _analyse(nlp, text)
    assert "Interior Ministry" in (_direct(quotes)[0]["speaker"] or "")


def test_a_bare_body_noun_speaks_a_quote_as_written(nlp):
    quotes, _ = _analyse(nlp, "The army said in a statement that it had “neutralised” about 40 attackers.")
    assert _direct(quotes)[0]["speaker"] == "army"


def test_a_relative_pronoun_speaks_as_the_noun_it_follows(nlp):
    text = "Protesters marched on Monday against Prime Minister Tomas Reller, who has said the war will end soon."
    document = Document("t", text, published=date(2025, 3, 1))
    parsed = nlp(text)
    found = mentions.extract_mentions(document, parsed)
    who = next(t for t in parsed if t.lower_ == "who")
    speaker = attribution.name_speaker(who, found, attribution.speaker_book(parsed, found))
    assert speaker is not None and speaker.name == "Tomas Reller"


def test_it_said_holds_a_forecast_for_the_body_that_spoke_before(nlp):
    text = "The Valmoran Defence Ministry said 40 soldiers were killed. It said the offensive would end by May."
    rows = analyse_document(Document("t", text, published=date(2025, 3, 1)), nlp(text))
    [forecast] = rows["forecasts"]
    assert forecast["forecaster"] == "Valmoran Defence Ministry" and forecast["forecaster_kind"] == "named"


def test_an_outlet_quoting_a_body_as_saying_is_the_source_and_the_body_the_origin(nlp):
    text = "The Delvan Agency quoted the local Relief Committee as saying that 12 civilians were killed."
    _, claims = _analyse(nlp, text)
    row = _figure(claims, "12")
    assert row["source_name"] == "Delvan Agency" and "Relief Committee" in (row["origin"] or "")


def test_a_post_posed_source_after_two_tolls_joined_by_and_speaks_for_both(nlp):
    text = ("Four Valmoran soldiers were killed and 11 injured in a depot explosion in the village of "
            "Orsk, state-run Norvik Press reported on Sunday.")
    _, claims = _analyse(nlp, text)
    assert _figure(claims, "Four")["source_name"] == _figure(claims, "11")["source_name"] == "Norvik Press"


def test_an_acronym_the_tagger_took_for_a_common_noun_still_speaks(nlp):
    _, claims = _analyse(nlp, "Another raid killed 14 members of a village militia in the east, SITE added.")
    assert _figure(claims, "14")["source_name"] == "SITE"


def test_officials_of_a_region_are_named_as_written_not_as_the_region(nlp):
    text = "Shelling resumed at dawn.\nOrvandia officials say at least 32 people have been killed."
    _, claims = _analyse(nlp, text)
    row = _figure(claims, "at least 32")
    assert row["attribution"] == "named" and row["source_name"] == "Orvandia officials"


def test_according_to_an_outlets_timeline_names_the_outlet(nlp):
    text = "The rebels have fired rockets at least 14 times at ships, according to Harbour Watch's timeline of the attacks."
    _, claims = _analyse(nlp, text)
    assert _figure(claims, "at least 14")["source_name"] == "Harbour Watch"


def test_a_subject_holding_its_own_clause_is_a_misparse_not_the_speaker(nlp):
    text = ("On Sunday, an airstrike in Tavrin township, east of the capital, killed at least 17 people "
            "and wounded 10, the Delta Front said in a statement.")
    _, claims = _analyse(nlp, text)
    assert _figure(claims, "at least 17")["source_name"] == "Delta Front"
