"""What notebook 03 shows: actors by kind, who is quoted, an article with its mentions, the network."""

from __future__ import annotations

from collections import Counter

import duckdb
import pandas as pd

from lib.core.document import escape_html, snippet
from lib.core.store import read_table
from lib.core.tables import ACTOR_ROLES, ACTORS, DOCUMENTS, MENTIONS, QUOTES
from lib.extract.names import KINDS
from lib.views.report import HtmlFragment, new_figure

# ---------------------------------------------------------------- what the notebook shows

KIND_ORDER = {kind: i for i, kind in enumerate(KINDS)}


KIND_COLOURS = {"person": "#4c72b0", "state": "#dd8452", "government body": "#55a868", "military": "#c44e52",
                "international organisation": "#8172b3", "media outlet": "#937860",
                "think tank or university": "#da8bc3", "company": "#8c8c8c", "other": "#ccb974"}


RELATION_STYLES = {
    "quotes": {"color": "#c44e52", "style": "solid", "label": "quotes: the speaker names the other actor inside a quote (2+ times)"},
    "affiliated-with": {"color": "#55a868", "style": "dashed", "label": "affiliated-with: a title or apposition ties the person to it"},
    "co-mentioned": {"color": "#9a9a9a", "style": "dotted", "label": "co-mentioned: named in the same sentence (2+ times)"},
}


def actors_by_kind(actors: pd.DataFrame) -> pd.DataFrame:
    """Actors ordered by kind, then by mentions: who the corpus talks about, with stated roles."""
    frame = actors.assign(_order=actors["kind"].map(KIND_ORDER).fillna(len(KINDS)))
    frame = frame.sort_values(["_order", "n_mentions", "name"], ascending=[True, False, True])
    return frame[["kind", "name", "role", "affiliation", "n_mentions", "n_documents"]].rename(columns={
        "kind": "Kind", "name": "Actor", "role": "Role as stated", "affiliation": "Affiliation",
        "n_mentions": "Mentions", "n_documents": "Documents"}).reset_index(drop=True)


def kind_counts(actors: pd.DataFrame) -> pd.DataFrame:
    """Actors and mentions per kind."""
    grouped = actors.groupby("kind").agg(actors=("actor_id", "count"), mentions=("n_mentions", "sum")).reset_index()
    grouped = grouped.assign(_order=grouped["kind"].map(KIND_ORDER)).sort_values("_order")
    return grouped[["kind", "actors", "mentions"]].rename(columns={"kind": "Kind", "actors": "Actors", "mentions": "Mentions"}).reset_index(drop=True)


def who_is_quoted(quotes: pd.DataFrame) -> pd.DataFrame:
    """Speakers by number of quotes (direct and reported), with the documents quoting them."""
    known = quotes[quotes["speaker"].notna()]
    if not len(known):
        return pd.DataFrame(columns=["Speaker", "Direct", "Indirect", "Documents"])
    rows = []
    for speaker, group in known.groupby("speaker"):
        rows.append({"Speaker": speaker, "Direct": int((group["kind"] == "direct").sum()),
                     "Indirect": int((group["kind"] == "indirect").sum()),
                     "Documents": ", ".join(sorted(set(group["doc_id"])))})
    frame = pd.DataFrame(rows)
    frame = frame.assign(_total=frame["Direct"] + frame["Indirect"])
    return frame.sort_values(["_total", "Speaker"], ascending=[False, True]).drop(columns="_total").reset_index(drop=True)


def quote_summary_markdown(quotes: pd.DataFrame) -> str:
    """One generated sentence on how many quotes were attributed and by which rules."""
    direct = quotes[quotes["kind"] == "direct"]
    attributed = direct[direct["speaker"].notna()]
    rules = Counter(attributed["attribution_rule"])
    by_rule = ", ".join(f"{n} by {rule}" for rule, n in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0])))
    return (f"{len(attributed)} of {len(direct)} direct quotes have a speaker ({by_rule}); "
            f"{len(direct) - len(attributed)} stay unattributed. "
            f"{int((quotes['kind'] == 'indirect').sum())} passages of reported speech were found.")


def quote_samples(quotes: pd.DataFrame, limit: int = 12) -> pd.DataFrame:
    """Direct quotes with speaker, rule and confidence, in document order (text shortened)."""

    direct = quotes[quotes["kind"] == "direct"].head(limit)
    return pd.DataFrame({"Document": direct["doc_id"], "Quote": [snippet(t, 90) for t in direct["text"]],
                         "Speaker": direct["speaker"], "As written": direct["speaker_text"],
                         "Rule": direct["attribution_rule"], "Confidence": direct["confidence"]}).reset_index(drop=True)


def displacy_html(text: str, mentions: pd.DataFrame, names: dict[str, str], kinds: dict[str, str]) -> str:
    """One article with its actor mentions marked by displaCy (manual mode: our mentions, not the
    model's raw entities). displaCy escapes the article text itself; the label is our kind."""
    from spacy import displacy


    # displaCy escapes the text and the marked words but not labels: ours carry names from
    # articles, so they are escaped here.
    ents, colours = [], {}
    for r in mentions.sort_values("char_start").itertuples():
        kind = kinds.get(r.actor_id, "other")
        label = escape_html(f"{kind.upper()}: {names.get(r.actor_id, r.actor_id)}")
        ents.append({"start": int(r.char_start), "end": int(r.char_end), "label": label})
        colours[label] = KIND_COLOURS.get(kind, "#dddddd")
    return displacy.render({"text": text, "ents": ents, "title": None}, style="ent", manual=True, jupyter=False,
                           options={"colors": colours})


def render_article(con: duckdb.DuckDBPyConnection, doc_id: str | None = None):
    """The article with the most quotes (ties: first doc_id) rendered with displaCy, as HTML."""

    documents = read_table(con, DOCUMENTS, where="status = 'ok'")
    mentions = read_table(con, MENTIONS)
    actors = read_table(con, ACTORS)
    if doc_id is None:
        counts = read_table(con, QUOTES).groupby("doc_id").size()
        doc_id = sorted(counts.index, key=lambda d: (-counts[d], d))[0] if len(counts) else documents["doc_id"].iloc[0]
    text = documents.loc[documents["doc_id"] == doc_id, "text"].iloc[0]
    html = displacy_html(text, mentions[mentions["doc_id"] == doc_id], dict(zip(actors["actor_id"], actors["name"])),
                         dict(zip(actors["actor_id"], actors["kind"])))
    return HtmlFragment(html)


def network_edges(links: pd.DataFrame, actors: pd.DataFrame, top: int = 22) -> pd.DataFrame:
    """The edges the network figure draws: among the most mentioned actors and every quoted speaker,
    'affiliated-with' edges, and 'quotes' and 'co-mentioned' edges seen at least twice."""
    ranked = actors.sort_values(["n_mentions", "actor_id"], ascending=[False, True])
    keep = set(ranked["actor_id"].head(top))
    speakers = set(links.loc[links["relation"] == "quotes", "actor_a"])
    keep |= speakers
    chosen = links[links["actor_a"].isin(keep) & links["actor_b"].isin(keep)]
    chosen = chosen[(chosen["relation"] == "affiliated-with") | (chosen["weight"] >= 2)]
    chosen = chosen[chosen["relation"].isin(list(RELATION_STYLES))]
    return chosen.sort_values(["relation", "actor_a", "actor_b"]).reset_index(drop=True)


def plot_network(links: pd.DataFrame, actors: pd.DataFrame, top: int = 22):
    """Actors as nodes (colour = kind, size = mentions), edges styled by relation; a fixed-seed
    spring layout so the figure is the same on every run."""
    import networkx as nx
    from matplotlib.lines import Line2D


    edges = network_edges(links, actors, top)
    names = dict(zip(actors["actor_id"], actors["name"]))
    kinds = dict(zip(actors["actor_id"], actors["kind"]))
    sizes = dict(zip(actors["actor_id"], actors["n_mentions"]))
    graph = nx.Graph()
    graph.add_nodes_from(sorted(set(edges["actor_a"]) | set(edges["actor_b"])))
    for r in edges.itertuples():
        graph.add_edge(r.actor_a, r.actor_b, weight=float(r.weight))
    figure = new_figure(11.0, 8.0)
    ax = figure.add_subplot(1, 1, 1)
    ax.set_axis_off()
    ax.set_title("Who is connected to whom in the corpus")
    if graph.number_of_nodes() == 0:
        ax.text(0.5, 0.5, "No links to draw.", ha="center", va="center")
        return figure
    layout = nx.spring_layout(graph, seed=7, k=1.4 / max(graph.number_of_nodes(), 1) ** 0.5, iterations=200)
    for relation, style in RELATION_STYLES.items():
        chosen = edges[edges["relation"] == relation]
        nx.draw_networkx_edges(graph, layout, ax=ax, edgelist=list(zip(chosen["actor_a"], chosen["actor_b"])),
                               edge_color=style["color"], style=style["style"],
                               width=[0.8 + min(float(w), 6.0) * 0.4 for w in chosen["weight"]], alpha=0.8)
    nodes = list(graph.nodes)
    nx.draw_networkx_nodes(graph, layout, ax=ax, nodelist=nodes,
                           node_color=[KIND_COLOURS.get(kinds.get(n, "other"), "#cccccc") for n in nodes],
                           node_size=[80 + 12 * min(int(sizes.get(n, 1) or 1), 60) for n in nodes], alpha=0.9)
    nx.draw_networkx_labels(graph, layout, ax=ax, labels={n: names.get(n, n) for n in nodes}, font_size=7)
    handles = [Line2D([0], [0], color=s["color"], linestyle=s["style"], label=s["label"]) for s in RELATION_STYLES.values()]
    present = sorted({kinds.get(n, "other") for n in nodes}, key=lambda k: KIND_ORDER.get(k, 99))
    handles += [Line2D([0], [0], marker="o", color="w", markerfacecolor=KIND_COLOURS[k], markersize=8, label=k)
                for k in present]
    ax.legend(handles=handles, loc="lower left", fontsize=7, title="Edges and node kinds (size = mentions)",
              title_fontsize=8, bbox_to_anchor=(0.0, -0.02))
    return figure


def merges_for_review(merges: pd.DataFrame) -> pd.DataFrame:
    """The alias merges made, worst-supported first (fuzzy by score, then rule merges), for review."""
    order = {"fuzzy": 0, "corpus-surname": 1, "acronym": 2}
    frame = merges.assign(_order=merges["rule"].map(lambda r: order.get(r, 3)))
    frame = frame.sort_values(["_order", "score", "canonical", "alias"], na_position="last")
    return frame[["alias", "canonical", "rule", "score", "n_mentions"]].rename(columns={
        "alias": "Written as", "canonical": "Merged into", "rule": "Rule", "score": "Similarity", "n_mentions": "Mentions"}
    ).reset_index(drop=True)


def offsets_check(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every mention, role and direct quote lies where its offsets say in documents.text."""

    texts = dict(read_table(con, DOCUMENTS, where="status = 'ok'")[["doc_id", "text"]].itertuples(index=False))
    rows = []
    for table, compare in ((MENTIONS, "text"), (ACTOR_ROLES, None), (QUOTES, "text")):
        frame = read_table(con, table)
        inside = [r.doc_id in texts and 0 <= r.char_start < r.char_end <= len(texts[r.doc_id]) for r in frame.itertuples()]
        same = [texts.get(r.doc_id, "")[r.char_start:r.char_end] == getattr(r, compare) for r in frame.itertuples()] if compare else inside
        rows.append({"Table": table.name, "Rows": len(frame), "Offsets inside the text": int(sum(inside)),
                     "Text equals the slice": int(sum(same))})
    return pd.DataFrame(rows)


def inputs_check(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every 'ok' document accounted for: its mentions, actors and quotes (zero is shown, not hidden)."""

    documents = read_table(con, DOCUMENTS, where="status = 'ok'")
    mentions = read_table(con, MENTIONS)
    quotes = read_table(con, QUOTES)
    rows = []
    mentions_of = {d: g for d, g in mentions.groupby("doc_id")} if len(mentions) else {}
    quotes_of = {d: g for d, g in quotes.groupby("doc_id")} if len(quotes) else {}
    for doc_id in documents["doc_id"]:
        own = mentions_of.get(doc_id, mentions.iloc[0:0])
        said = quotes_of.get(doc_id, quotes.iloc[0:0])
        rows.append({"Document": doc_id, "Mentions": len(own), "Actors": own["actor_id"].nunique(),
                     "Direct quotes": int((said["kind"] == "direct").sum()),
                     "Attributed": int(((said["kind"] == "direct") & said["speaker"].notna()).sum()),
                     "Indirect": int((said["kind"] == "indirect").sum())})
    return pd.DataFrame(rows)
