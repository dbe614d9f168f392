"""Reviewer–proposal affinity from the texts themselves (Japanese and English).

Pure Python + NumPy/SciPy; no Django.  The output feeds the reviewer assignment
(``kikin.solvers.assignment``), which takes scores with up to 6 decimals.

    tokenize(text)                          -> list[str]
    bm25_matrix(proposal_texts, reviewer_texts, k1=1.2, b=0.75)   -> (P, R) float32 in [0, 1]
    tfidf_cosine_matrix(proposal_texts, reviewer_texts)           -> (P, R) float32 in [0, 1]
    affinity_scores(proposals, reviewers)   -> (P, R) float64 in [0, 1], rounded to 6 decimals

Tokenisation
------------
1. NFKC first: full-width ``ＧＰＵ`` becomes ``GPU``, half-width katakana becomes full-width.
2. Latin runs (``[A-Za-z0-9]`` plus Latin-1/Latin-Extended letters, hyphen-joined) are handled
   here, not by SudachiPy: SudachiPy's ``normalized_form()`` turns some English words into
   katakana (``Foundation`` -> ``ファンデーション``) and keeps case inconsistently (``GPU`` stays
   ``GPU``, ``EUV`` becomes ``euv``).  A run is lower-cased, stop words are dropped, and a light
   plural stemmer is applied (see ``_stem``), so ``GPU``/``gpus`` -> ``gpu`` and
   ``foundation models`` -> ``foundation model``.  A hyphenated run emits the joined form and
   its parts: ``O-RAN`` -> ``oran`` (+ ``ran``).  Tokens of one character and numbers are dropped.
3. Everything else goes through SudachiPy (``sudachidict-core``) in **split mode C**, and every
   morpheme whose surface contains a Latin letter or digit is skipped (step 2 already counted
   that text).  Mode C, because its units are the dictionary's longest words — technical
   compounds (大規模言語モデル, 機械学習, 人工知能, 基地局, 生成AI) and proper names
   (東京工業大学) — and matching a whole compound is strong evidence.  For recall, a mode-C
   noun also emits its **mode-B sub-units** (大規模言語モデル -> 大規模 / 言語 / モデル), so a
   reviewer who writes 言語モデル still matches.  Mode B (not A) sub-units, because mode A
   over-splits into pieces that match the wrong things (半導体 -> 導体, 基地局 -> 基地,
   仮想化 -> 仮想).  Measured in ``tests/review/test_affinity.py``
   (``test_split_mode_measurement``): on 10 paraphrased proposal/reviewer pairs C alone finds
   5/10, C+B, C+A, B and A all 10/10; on 10 "false friend" triples (機械学習 vs 工作機械の
   学習制御, 半導体 vs 導体損失 ...) the mean BM25 margin of the right reviewer over the false
   friend is 0.667 for C+B, 0.511 for C+A, 0.542 for B, 0.252 for A, and A sub-units give the
   false friend a non-zero score in 10/10 cases against 6/10 for C+B.
   Kept: nouns (普通名詞 and 固有名詞, not 数詞 / 助数詞 / 代名詞 / 非自立可能), verbs,
   adjectives and 形状詞 that are not 非自立可能 (する, できる, ある, ない are dropped), each
   as ``normalized_form()`` (コンピュータ = コンピューター, 用いた -> 用いる).  Dropped:
   particles, auxiliaries, prefixes, suffixes, adverbs, conjunctions, symbols, punctuation,
   whitespace, numbers-only tokens, a few formal nouns (こと, もの, ため ...) and lone kana.
4. Results are cached per text (an LRU keyed by the text), so a re-run over the same call's
   texts does not re-tokenise.

The SudachiPy ``Dictionary`` is loaded once per process, lazily, and each thread gets its own
``Tokenizer`` from it (a Tokenizer must not be used by two threads at once).  Sudachi refuses
inputs over 49,149 bytes, so long texts are tokenised in sentence-aligned chunks.

Scoring: BM25 with the proposal as the query and the reviewer profile as the document
-----------------------------------------------------------------------------------------
Each proposal ranks the reviewers, and the scores are normalised per proposal (below), so the
numbers compared with each other are the scores of *one proposal against every reviewer*.  BM25
scores are comparable across documents for a fixed query, not across queries; so the proposal
is the query and the reviewers are the documents being ranked.  This is also the
Toronto-Paper-Matching-System view: the reviewer's text is the model of their expertise and the
submission is scored against it.  Were the reviewer the query, a reviewer listing 10 keywords
would outscore one listing 5 on every proposal just by having more query terms.

* Document side (reviewer): ``idf(t) * tf (k1+1) / (tf + k1 (1 - b + b |r|/avgdl))`` with
  ``|r|`` the reviewer profile's token count; the length normalisation stops a reviewer who
  lists twenty fields from matching everything.
* Query side (proposal): the proposal is a long, verbose query, so its term frequency is
  saturated as in Robertson's BM25 with ``k3``: ``qtf (k3+1) / (qtf + k3)``, k3 = 8.  A term the
  proposal repeats counts more, but ten repetitions count ~5x, not 10x.
* IDF ``ln(1 + (N - df + 0.5) / (df + 0.5))`` is estimated on the pooled collection (proposals
  and reviewer profiles, N = P + R): words every proposal uses (研究, 開発, 目的, system)
  then weigh almost nothing even when few reviewer profiles happen to contain them, and the
  estimate is stable when there are only a handful of reviewers.
* The whole matrix is one sparse product ``Wq @ Wd.T`` (CSR matrices over a shared vocabulary);
  there is no Python loop over (proposal, reviewer) pairs.

Normalisation: each proposal's row is divided by its maximum, so the best-matching reviewer of
every proposal scores 1.0 and the others their fraction of it; a proposal that shares no term
with any reviewer (or has no text) gets a row of zeros, never NaN.  The absolute level is lost:
a proposal whose best match is weak still gives that reviewer 1.0.  ``tfidf_cosine_matrix`` is
the alternative that keeps an absolute level (the cosine itself, no row normalisation).
"""

from __future__ import annotations

import functools
import re
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from scipy import sparse

__all__ = [
    "affinity_scores",
    "bm25_matrix",
    "clear_token_cache",
    "proposal_text",
    "reviewer_text",
    "tfidf_cosine_matrix",
    "tokenize",
]

#: SudachiPy split mode of the main pass ("A", "B" or "C").
SPLIT_MODE = "C"
#: Split mode of the sub-units emitted for a compound noun (None: no sub-units).
SUBUNIT_MODE: str | None = "B"
#: Robertson's query-term saturation for the (long) proposal query.
K3 = 8.0
#: Decimals kept by ``affinity_scores`` (the assignment CSV format keeps 6).
DECIMALS = 6
#: Title and reviewer keywords count this many times (they are the most deliberate text).
TITLE_WEIGHT = 2
KEYWORD_WEIGHT = 2

_SUDACHI_MAX_BYTES = 49_149
_CHUNK_BYTES = 40_000
_CACHE_SIZE = 20_000  # texts; ~200 interned tokens each, so a few tens of MiB at most

# -- English ------------------------------------------------------------------------------

_LATIN_CLASS = "A-Za-z0-9\u00c0-\u024f"
_LATIN_RUN = re.compile(rf"[{_LATIN_CLASS}]+(?:-[{_LATIN_CLASS}]+)*")
_HAS_LATIN = re.compile(rf"[{_LATIN_CLASS}]")
_ACRONYM_PLURAL = re.compile(r"[A-Z][A-Z0-9]+s")
_ALL_LATIN = re.compile(rf"[{_LATIN_CLASS}\s\-.,'+/&]+")
_NON_LATIN = re.compile(r"[^\u0000-\u024f]")  # anything SudachiPy has to look at

# A small, general stop list (function words plus the emptiest verbs of proposal prose).
ENGLISH_STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "across",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "eg",
        "etc",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "ie",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "onto",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "per",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "toward",
        "towards",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "use",
        "used",
        "using",
        "via",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "you",
        "your",
        "yours",
        "based",
        "new",
        "may",
        "might",
        "must",
        "shall",
        "one",
        "two",
        "three",
    ]
)

# Words the plural rule would damage.
_NO_STEM = frozenset(["atlas", "bias", "chassis", "gas", "lens", "news", "series", "species"])
_IRREGULAR = {"lenses": "lens", "biases": "bias", "gases": "gas", "analyses": "analysis"}


def _stem(word: str) -> str:
    """A deliberately light English stemmer: plurals only, so it never merges unrelated words.

    * words of 3 letters or fewer are left alone (gpu, gas, bus);
    * (before lower-casing, ``_english_tokens`` turns acronym plurals GPUs/LLMs into GPU/LLM);
    * ``-ies`` -> ``-y`` (technologies -> technology, batteries -> battery);
    * ``-sses`` -> ``-ss`` (processes -> process);
    * ``-ches``, ``-shes``, ``-xes`` -> drop ``es`` (switches -> switch, boxes -> box);
    * otherwise a final ``s`` is dropped unless the word ends in ``ss``, ``us`` or ``is``
      (models -> model, gpus -> gpu; process, corpus, analysis unchanged) or is in a short
      exception list (lens, bias, series ...; lenses -> lens, analyses -> analysis).
    """
    if len(word) <= 3 or word in _NO_STEM or not word.endswith("s"):
        return word
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith(("ches", "shes", "xes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is")):
        return word
    return word[:-1]


def _is_number(token: str) -> bool:
    """Digits only (any script: ２０２４, 三), possibly with separators (3.5, 1,000)."""
    core = token.replace(".", "").replace(",", "").replace("-", "")
    return not core or core.isnumeric()


def _english_word(word: str) -> str | None:
    if len(word) < 2 or word in ENGLISH_STOP_WORDS or _is_number(word):
        return None
    return _stem(word)


def _english_tokens(text: str, out: list[str]) -> None:
    for match in _LATIN_RUN.finditer(text):
        run = match.group()
        if _ACRONYM_PLURAL.fullmatch(run):  # GPUs, LLMs, FPGAs: the stemmer cannot see case
            run = run[:-1]
        run = run.lower()
        if "-" in run:
            parts = run.split("-")
            joined = _english_word("".join(parts))
            if joined:
                out.append(joined)
            for part in parts:
                token = _english_word(part)
                if token and token != joined:
                    out.append(token)
        else:
            token = _english_word(run)
            if token:
                out.append(token)


# -- Japanese (SudachiPy) -----------------------------------------------------------------

_dictionary = None
_dictionary_lock = threading.Lock()
_local = threading.local()

# Formal nouns and the like that the dictionary files as 普通名詞-一般.
JAPANESE_STOP_WORDS = frozenset(
    [
        "こと",
        "もの",
        "ため",
        "よう",
        "ところ",
        "とき",
        "ほう",
        "うち",
        "等",
        "など",
        "事",
        "物",
        "為",
        "様",
        "所",
        "時",
        "方",
        "上",
        "中",
        "下",
        "以上",
        "以下",
        "これ",
        "それ",
        "あれ",
        "本",
        "当",
        "各",
        "同",
    ]
)
_KANA_ONLY = re.compile(r"^[\u3040-\u30ffー]$")

_pos_kind: dict[int, bool] = {}


def _get_dictionary():
    global _dictionary
    if _dictionary is None:
        with _dictionary_lock:
            if _dictionary is None:
                from sudachipy import Dictionary

                _dictionary = Dictionary(dict="core")
    return _dictionary


def _get_tokenizer(mode: str):
    """This thread's SudachiPy tokenizer for ``mode`` (created on first use)."""
    tokenizers = getattr(_local, "tokenizers", None)
    if tokenizers is None:
        tokenizers = _local.tokenizers = {}
    tokenizer = tokenizers.get(mode)
    if tokenizer is None:
        from sudachipy import SplitMode

        tokenizer = _get_dictionary().tokenizer(getattr(SplitMode, mode))
        tokenizers[mode] = tokenizer
    return tokenizer


def _split_mode(mode: str):
    from sudachipy import SplitMode

    return getattr(SplitMode, mode)


def _kind_of(pos: tuple[str, ...]) -> bool:
    major, minor, sub = pos[0], pos[1], pos[2]
    if major == "名詞":
        return not (minor in ("数詞", "代名詞") or sub in ("助数詞", "非自立可能"))
    if major in ("動詞", "形容詞"):
        return minor != "非自立可能"
    if major == "形状詞":
        return minor == "一般"
    return False  # particles, auxiliaries, affixes, adverbs, symbols, whitespace ...


def _pos_keep(morpheme) -> bool:
    """Whether the morpheme's part of speech is a content word (decided once per POS id)."""
    pos_id = morpheme.part_of_speech_id()
    kind = _pos_kind.get(pos_id)
    if kind is None:
        kind = _pos_kind[pos_id] = _kind_of(morpheme.part_of_speech())
    return kind


def _japanese_word(morpheme) -> str | None:
    token = morpheme.normalized_form().lower()
    if token in JAPANESE_STOP_WORDS or _KANA_ONLY.match(token) or _is_number(token):
        return None
    if len(token) == 1 and morpheme.part_of_speech()[2] == "助数詞可能":
        return None  # 年, 件, 回, 人: counter-like single kanji
    return token


def _chunks(text: str) -> Iterable[str]:
    """Pieces of ``text`` under Sudachi's input limit, cut after sentence ends where possible."""
    if len(text) * 4 <= _SUDACHI_MAX_BYTES:  # a UTF-8 character is at most 4 bytes
        yield text
        return
    piece: list[str] = []
    size = 0
    for sentence in re.split(r"(?<=[。．.!?！？\n])", text):
        n = len(sentence.encode("utf-8"))
        if n > _CHUNK_BYTES:  # one giant sentence: cut it by characters
            if piece:
                yield "".join(piece)
                piece, size = [], 0
            step = _CHUNK_BYTES // 4
            for i in range(0, len(sentence), step):
                yield sentence[i : i + step]
            continue
        if size + n > _CHUNK_BYTES and piece:
            yield "".join(piece)
            piece, size = [], 0
        piece.append(sentence)
        size += n
    if piece:
        yield "".join(piece)


def _japanese_tokens(text: str, mode: str, subunit_mode: str | None, out: list[str]) -> None:
    tokenizer = _get_tokenizer(mode)
    sub_mode = _split_mode(subunit_mode) if subunit_mode else None
    has_latin = _HAS_LATIN.search
    for chunk in _chunks(text):
        for m in tokenizer.tokenize(chunk):
            if not _pos_keep(m):
                continue
            surface = m.surface()
            if has_latin(surface) and _ALL_LATIN.fullmatch(surface):
                continue  # an all-Latin morpheme: the English pass counted it
            token = _japanese_word(m)
            if token:
                out.append(token)
            if sub_mode is not None and len(surface) >= 3:
                subunits = m.split(sub_mode)
                if len(subunits) > 1:
                    for s in subunits:
                        if _pos_keep(s) and not has_latin(s.surface()):
                            sub = _japanese_word(s)
                            if sub and sub != token:
                                out.append(sub)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _tokenize_cached(text: str, mode: str, subunit_mode: str | None) -> tuple[str, ...]:
    text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    _english_tokens(text, out)
    if _NON_LATIN.search(text):  # pure-Latin text never reaches SudachiPy
        _japanese_tokens(text, mode, subunit_mode, out)
    # Interned, so the cache holds one copy of each word, not one per occurrence.
    return tuple(map(sys.intern, out))


def clear_token_cache() -> None:
    """Forget the cached tokens (e.g. after a call closes, in a long-lived process)."""
    _tokenize_cached.cache_clear()


def tokenize(
    text: str, *, mode: str = SPLIT_MODE, subunit_mode: str | None = SUBUNIT_MODE
) -> list[str]:
    """Content-word tokens of ``text`` (Japanese, English or mixed), as a bag (order: English
    tokens first, then Japanese).  ``mode`` / ``subunit_mode`` exist to compare settings."""
    if not text:
        return []
    return list(_tokenize_cached(text, mode, subunit_mode))


# -- Matrices ------------------------------------------------------------------------------

Tokenizer = Callable[[str], Sequence[str]]


def _count_matrices(
    proposal_texts: Sequence[str], reviewer_texts: Sequence[str], tokenizer: Tokenizer
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Term-count CSR matrices (P x V and R x V) over one vocabulary."""
    vocabulary: dict[str, int] = {}
    built = []
    for texts in (proposal_texts, reviewer_texts):
        indptr = [0]
        indices: list[int] = []
        for text in texts:
            tokens = tokenizer(text or "")
            indices.extend(vocabulary.setdefault(t, len(vocabulary)) for t in tokens)
            indptr.append(len(indices))
        built.append((np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)))
    n_terms = max(len(vocabulary), 1)
    matrices = []
    for indices, indptr in built:
        data = np.ones(len(indices), dtype=np.float64)
        m = sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, n_terms))
        m.sum_duplicates()  # also sorts the indices
        matrices.append(m)
    return matrices[0], matrices[1]


def _document_frequency(*matrices: sparse.csr_matrix) -> np.ndarray:
    df = np.zeros(matrices[0].shape[1], dtype=np.float64)
    for m in matrices:
        df += np.bincount(m.indices, minlength=m.shape[1])
    return df


def _row_ids(m: sparse.csr_matrix) -> np.ndarray:
    return np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))


def _normalise_rows(scores: np.ndarray) -> np.ndarray:
    row_max = scores.max(axis=1, keepdims=True) if scores.shape[1] else None
    if row_max is None:
        return scores
    safe = np.where(row_max > 0, row_max, 1.0)
    out = np.where(row_max > 0, scores / safe, 0.0)
    return np.clip(out, 0.0, 1.0)


def bm25_matrix(
    proposal_texts: Sequence[str],
    reviewer_texts: Sequence[str],
    k1: float = 1.2,
    b: float = 0.75,
    *,
    k3: float = K3,
    tokenizer: Tokenizer = tokenize,
) -> np.ndarray:
    """BM25 affinity, P x R float32 in [0, 1], each row divided by its maximum.

    The proposal is the query and the reviewer profile the document (see the module
    docstring); IDF comes from the pooled proposals + profiles.  ``tokenizer`` exists to
    compare tokeniser settings.
    """
    return _bm25(proposal_texts, reviewer_texts, k1, b, k3, tokenizer).astype(np.float32)


def _bm25(proposal_texts, reviewer_texts, k1, b, k3, tokenizer) -> np.ndarray:
    """``bm25_matrix`` in float64."""
    n_p, n_r = len(proposal_texts), len(reviewer_texts)
    if n_p == 0 or n_r == 0:
        return np.zeros((n_p, n_r))
    queries, docs = _count_matrices(proposal_texts, reviewer_texts, tokenizer)
    n_docs = n_p + n_r
    df = _document_frequency(queries, docs)
    idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))

    doc_len = np.asarray(docs.sum(axis=1)).ravel()
    avgdl = doc_len.mean()
    if avgdl <= 0:
        return np.zeros((n_p, n_r))
    tf = docs.data
    norm = k1 * (1.0 - b + b * doc_len / avgdl)
    doc_w = docs.copy()
    doc_w.data = idf[docs.indices] * tf * (k1 + 1.0) / (tf + norm[_row_ids(docs)])

    query_w = queries.copy()
    qtf = queries.data
    query_w.data = qtf * (k3 + 1.0) / (qtf + k3) if np.isfinite(k3) else qtf.copy()

    scores = (query_w @ doc_w.T).toarray()
    return _normalise_rows(scores)


def tfidf_cosine_matrix(
    proposal_texts: Sequence[str],
    reviewer_texts: Sequence[str],
    *,
    tokenizer: Tokenizer = tokenize,
) -> np.ndarray:
    """TF-IDF cosine similarity, P x R float32 in [0, 1] (not row-normalised: the cosine keeps
    an absolute level).  Sublinear tf ``1 + ln tf``, smooth IDF ``1 + ln((1+N)/(1+df))`` on the
    pooled proposals + profiles, L2-normalised rows."""
    return _tfidf(proposal_texts, reviewer_texts, tokenizer).astype(np.float32)


def _tfidf(proposal_texts, reviewer_texts, tokenizer) -> np.ndarray:
    """``tfidf_cosine_matrix`` in float64."""
    n_p, n_r = len(proposal_texts), len(reviewer_texts)
    if n_p == 0 or n_r == 0:
        return np.zeros((n_p, n_r))
    a, c = _count_matrices(proposal_texts, reviewer_texts, tokenizer)
    df = _document_frequency(a, c)
    idf = 1.0 + np.log((1.0 + n_p + n_r) / (1.0 + df))
    weighted = []
    for m in (a, c):
        w = m.copy()
        w.data = (1.0 + np.log(m.data)) * idf[m.indices]
        norms = np.sqrt(np.asarray(w.multiply(w).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        w.data /= norms[_row_ids(w)]
        weighted.append(w)
    scores = (weighted[0] @ weighted[1].T).toarray()
    return np.clip(scores, 0.0, 1.0)


# -- Records -------------------------------------------------------------------------------


def proposal_text(proposal: dict) -> str:
    """The proposal's scoring text: the title ``TITLE_WEIGHT`` times, the abstract, the plan."""
    title = proposal.get("title") or ""
    parts = [title] * TITLE_WEIGHT + [proposal.get("abstract") or "", proposal.get("plan") or ""]
    return "\n".join(p for p in parts if p)


def reviewer_text(reviewer: dict) -> str:
    """The reviewer's profile text: the keywords ``KEYWORD_WEIGHT`` times, the description.

    ``keywords`` is a list of strings; a single string is accepted as one keyword line.
    """
    keywords = reviewer.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [keywords]
    lines = [str(k) for k in keywords if k] * KEYWORD_WEIGHT
    profile = reviewer.get("profile") or ""
    if profile:
        lines.append(profile)
    return "\n".join(lines)


def affinity_scores(
    proposals: Sequence[dict], reviewers: Sequence[dict], *, method: str = "bm25"
) -> np.ndarray:
    """P x R affinity in [0, 1] rounded to 6 decimals (float64, computed in float64 and
    rounded once, so each value is the double nearest its 6-decimal form and
    ``round(score * 10**6)`` is exact).

    ``method`` is ``"bm25"`` (default; per-proposal max-normalised) or ``"tfidf"`` (cosine).
    """
    p_texts = [proposal_text(p) for p in proposals]
    r_texts = [reviewer_text(r) for r in reviewers]
    if method == "bm25":
        scores = _bm25(p_texts, r_texts, 1.2, 0.75, K3, tokenize)
    elif method == "tfidf":
        scores = _tfidf(p_texts, r_texts, tokenize)
    else:
        raise ValueError(f"unknown method {method!r} (expected 'bm25' or 'tfidf')")
    return np.round(scores, DECIMALS)
