"""How a question is ranked and judged: the weights and thresholds, tuned on the news questions' train split."""

from __future__ import annotations

from dataclasses import dataclass, field

from retrieval.search.conversation import FollowUpConfig

__all__ = ["RankerConfig"]


@dataclass(frozen=True)
class RankerConfig:
    """How the fields' BM25 scores are combined, and when to say "not found".

    A passage's score is its own fields' BM25 plus ``article`` × its whole article's fields' BM25
    (a passage is believed more when its article is about the question), plus ``sentence`` × the
    best candidate's score × the share of the question its best sentence holds. Accented
    questions may use pyvi words; questions typed without diacritics only the accent-free fields.
    Tuned on the news questions' train split (benchmarks/quality.py), checked on dev.
    """

    accented: dict[str, float] = field(default_factory=lambda: {"word": 1.0, "fold2": 0.3, "fold1": 1.0})
    unaccented: dict[str, float] = field(default_factory=lambda: {"word": 0.0, "fold2": 0.3, "fold1": 1.0})
    article_accented: dict[str, float] = field(default_factory=lambda: {"word": 1.0, "fold2": 0.5, "fold1": 0.3})
    article_unaccented: dict[str, float] = field(default_factory=lambda: {"word": 0.0, "fold2": 0.5, "fold1": 0.2})
    article: float = 1.5
    # The title alone, with the passage fields' weights: siblings under one title (Wikipedia) need it.
    title: float = 1.0
    sentence: float = 0.8
    sentence_depth: int = 10  # passages whose best sentence is read (measured: 30 ranks no better)
    # Share of the best score a passage gains when it holds an answer of the type asked (0: off).
    answer_type: float = 0.0
    # Judge "not found" on the passage that led before the sentence step (see notfound.py).
    judge_lead: bool = True
    # In a large index, question terms found in more than this share of passages are not scored over
    # every passage in these fields: they discriminate little and cost most of the postings read ("của",
    # "và", "được"; at 1.5M passages p95 13.6 → 7.8 ms, quality unchanged on news). Small indexes keep them.
    common_share: float = 0.2
    common_fields: tuple[str, ...] = ("fold1", "word")
    common_min_passages: int = 50_000
    # Share of the question's idf mass that the best passage must contain (see README), measured
    # in this field for accented questions (accent-free questions always use fold1).
    min_coverage: float = 0.4
    coverage_field: str = "fold1"
    # What a word found only in the title of the passage's article counts toward that coverage, as a share
    # of its idf (a question asked by its headline; 0: the passage's words alone).
    title_coverage: float = 0.3  # fitted on news train: off-topic answers within 0.003, headlines 0.888 -> 0.950
    # Read dates and periods in questions ("tháng 12/2018", "mới nhất"); off only to measure what they change.
    periods: bool = True
    # How far a follow-up question leans on the conversation before it (search/conversation.py).
    follow_up: FollowUpConfig = field(default_factory=FollowUpConfig)

    def weights(self, accented: bool) -> dict[str, float]:
        """The passage (and title) fields' weights for a question typed with or without diacritics."""
        return self.accented if accented else self.unaccented

    def article_weights(self, accented: bool) -> dict[str, float]:
        """The whole-article fields' weights."""
        return self.article_accented if accented else self.article_unaccented
