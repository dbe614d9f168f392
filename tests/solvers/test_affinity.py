"""Reviewer–proposal affinity (kikin.solvers.affinity): tokeniser, matching, matrix properties.

No database: nothing here requests ``db``.  Speed is measured by ``bench/affinity.py``.
"""

import numpy as np
import pytest

from kikin.solvers import affinity
from kikin.solvers.affinity import (
    affinity_scores,
    bm25_matrix,
    proposal_text,
    reviewer_text,
    tfidf_cosine_matrix,
    tokenize,
)

# -- A small realistic call: 6 reviewers, 8 proposals, Japanese and English ---------------

REVIEWERS = [
    {  # 0: optical transmission
        "keywords": [
            "光伝送",
            "optical transmission",
            "デジタルコヒーレント",
            "波長多重",
            "光ファイバ",
        ],
        "profile": "光ファイバ通信システムにおける大容量光伝送とデジタル信号処理の研究に従事。",
    },
    {  # 1: semiconductor lithography (English profile, bilingual keywords)
        "keywords": [
            "EUV露光",
            "EUV lithography",
            "フォトレジスト",
            "半導体製造装置",
            "マスク検査",
        ],
        "profile": "Semiconductor lithography process engineer: EUV exposure tools, "
        "photoresists and mask defect inspection.",
    },
    {  # 2: quantum computing
        "keywords": [
            "量子コンピュータ",
            "quantum computing",
            "超伝導量子ビット",
            "量子誤り訂正",
            "quantum error correction",
        ],
        "profile": "超伝導回路を用いた量子計算機の研究開発。",
    },
    {  # 3: LLM / foundation models (English profile)
        "keywords": [
            "大規模言語モデル",
            "large language models",
            "foundation models",
            "自然言語処理",
            "生成AI",
        ],
        "profile": "Pre-training and evaluation of LLMs for Japanese; "
        "efficient fine-tuning on GPUs.",
    },
    {  # 4: robotics
        "keywords": ["ロボット", "robotics", "マニピュレーション", "自律移動", "遠隔操作"],
        "profile": "産業用ロボットと自律移動ロボットの動作計画・制御の研究。",
    },
    {  # 5: base stations / O-RAN
        "keywords": [
            "基地局",
            "O-RAN",
            "base station",
            "無線アクセスネットワーク",
            "vRAN",
            "5G/6G",
        ],
        "profile": "移動通信システムの基地局仮想化とオープン化、Massive MIMOに関する研究開発。",
    },
]

# (proposal, index of the reviewer who should come first)
PROPOSALS = [
    (
        {
            "title": "1.6Tbps級デジタルコヒーレント光伝送用DSPの低消費電力化",
            "abstract": "データセンタ間を結ぶ光ファイバ通信の大容量化に向け、デジタルコヒーレント方式の"
            "光伝送における信号処理回路の消費電力を半減する。波長多重伝送での非線形補償を軽量化する。",
            "plan": "初年度に等化アルゴリズムを設計し、2年目にFPGAで実装して伝送実験を行う。",
        },
        0,
    ),
    (
        {
            "title": "Space-division multiplexing optical transmission over multi-core fibres",
            "abstract": "We develop coupled-core multi-core fibres and MIMO digital signal "
            "processing for petabit-class optical transmission in submarine links.",
            "plan": "Year 1: fibre design and fabrication. Year 2: transmission experiments "
            "over 1,000 km with real-time DSP.",
        },
        0,
    ),
    (
        {
            "title": "高NA EUV露光に対応した金属酸化物フォトレジストの開発",
            "abstract": "次世代半導体の微細化に必要な高NA EUV露光向けに、感度と解像度を両立する"
            "金属酸化物フォトレジストを開発し、確率的欠陥を低減する。",
            "plan": "材料合成、露光評価、欠陥検査の順に進め、量産用半導体製造装置での評価を行う。",
        },
        1,
    ),
    (
        {
            "title": "超伝導量子コンピュータのための量子誤り訂正の実証",
            "abstract": "超伝導量子ビットを用いた表面符号による量子誤り訂正を実装し、論理量子ビットの"
            "寿命を物理量子ビットより延ばすことを実証する。",
            "plan": "100量子ビット規模のチップを試作し、デコーダを低遅延化する。",
        },
        2,
    ),
    (
        {
            "title": "Fault-tolerant quantum computing with neutral-atom arrays",
            "abstract": "We will demonstrate quantum error correction on reconfigurable arrays of "
            "neutral atoms and benchmark logical qubits for quantum computing applications.",
            "plan": "",
        },
        2,
    ),
    (
        {
            "title": "日本語に強い大規模言語モデルの効率的な事前学習",
            "abstract": "高品質な日本語コーパスを構築し、GPUクラスタ上で基盤モデルを事前学習する。"
            "生成AIの安全性評価と、行政文書への応用を行う。",
            "plan": "コーパス構築、事前学習、指示チューニング、評価の4段階で実施する。",
        },
        3,
    ),
    (
        {
            "title": "Autonomous mobile robots for warehouse picking",
            "abstract": "A robotics platform combining autonomous navigation and dexterous "
            "manipulation to pick mixed items in logistics warehouses.",
            "plan": "Field trials with two robots in a partner warehouse.",
        },
        4,
    ),
    (
        {
            "title": "O-RAN準拠の仮想化基地局における省電力制御",
            "abstract": "5G/6Gの移動通信網で、O-RANに準拠した仮想化基地局（vRAN）の無線リソースと"
            "計算資源を連携制御し、基地局の消費電力を削減する。光フロントホールの帯域も考慮する。",
            "plan": "RIC上のアプリケーションとして実装し、屋外実験局で評価する。",
        },
        5,
    ),
]


def _p_texts():
    return [proposal_text(p) for p, _ in PROPOSALS]


def _r_texts():
    return [reviewer_text(r) for r in REVIEWERS]


EXPECTED = [expected for _, expected in PROPOSALS]


def _margins(scores):
    """For each proposal: expected reviewer's score minus the best other reviewer's score."""
    out = []
    for row, expected in zip(scores, EXPECTED, strict=False):
        others = np.delete(row, expected)
        out.append(float(row[expected] - others.max()))
    return np.array(out)


# -- Tokeniser ------------------------------------------------------------------------------


def test_japanese_content_words_kept_function_words_dropped():
    tokens = tokenize("生成AI基盤モデルの開発")
    assert {"基盤", "モデル", "開発"} <= set(tokens)
    assert "生成" in tokens or "生成ai" in tokens
    assert "の" not in tokens and "を" not in tokens
    tokens = tokenize("新しい手法を提案することができる。")
    assert {"新しい", "手法", "提案"} <= set(tokens)
    assert not {"を", "する", "為る", "こと", "できる", "出来る", "。"} & set(tokens)


def test_verbs_use_their_normalised_dictionary_form():
    assert "用いる" in tokenize("深層学習を用いた")
    assert "コンピューター" in tokenize("量子コンピュータ")  # spelling variants unified
    # 量子コンピューター is one dictionary word, 量子コンピュータ is not: the sub-units meet
    assert {"量子", "コンピューター"} <= set(tokenize("量子コンピュータ"))
    assert {"量子", "コンピューター"} <= set(tokenize("量子コンピューター"))


def test_english_stop_words_dropped_and_plurals_stemmed():
    tokens = tokenize("The evaluation of the foundation models for robots and systems")
    assert not {"the", "of", "for", "and"} & set(tokens)
    assert tokens.count("model") == 1 and "robot" in tokens and "system" in tokens
    assert tokenize("foundation models") == tokenize("Foundation Model")
    assert tokenize("GPUs") == tokenize("gpu") == ["gpu"]
    assert tokenize("technologies processes switches lenses corpus") == [
        "technology",
        "process",
        "switch",
        "lens",
        "corpus",
    ]


def test_nfkc_full_width_equals_ascii_and_case_is_folded():
    assert tokenize("ＧＰＵ") == tokenize("GPU") == tokenize("gpu") == ["gpu"]
    assert tokenize("ＧＰＵを用いる") == tokenize("GPUを用いる")
    assert tokenize("ｺﾝﾋﾟｭｰﾀ") == tokenize("コンピュータ")  # half-width katakana


def test_numbers_only_tokens_dropped():
    tokens = tokenize("2024年に100件、３回、1,000 km と 3.5 GHz、二〇二四")
    assert not any(t.replace(",", "").replace(".", "").isnumeric() for t in tokens)
    assert "km" in tokens and "ghz" in tokens
    assert "5g" in tokenize("5G")  # letters and digits together are kept


def test_symbols_punctuation_whitespace_dropped():
    tokens = tokenize("「光伝送」・（WDM）、　！？ …　\n\t量子")
    assert set(tokens) == {"光", "伝送", "wdm", "量子"}


def test_hyphenated_words_emit_joined_form_and_parts():
    assert tokenize("O-RAN") == ["oran", "ran"]
    assert "oran" in tokenize("ORAN")


def test_compound_noun_emits_its_subunits():
    tokens = tokenize("大規模言語モデル")
    assert "大規模言語モデル" in tokens
    assert {"大規模", "言語", "モデル"} <= set(tokens)
    assert tokenize("大規模言語モデル", subunit_mode=None) == ["大規模言語モデル"]


def test_mixed_script_compound_counts_latin_part_once():
    tokens = tokenize("生成AI")
    assert tokens.count("ai") == 1
    assert "生成" in tokens


def test_empty_and_whitespace_text():
    assert tokenize("") == []
    assert tokenize("   \n ") == []
    assert tokenize("の を に は") == []


def test_long_text_over_sudachi_input_limit():
    sentence = "超伝導量子ビットを用いた量子誤り訂正の研究を行う。"
    text = sentence * 2000  # ~150 kB of UTF-8, Sudachi accepts at most 49,149 bytes per call
    tokens = tokenize(text)
    assert tokens.count("量子") == tokenize(sentence).count("量子") * 2000


def test_tokenize_returns_a_fresh_list_each_time():
    first = tokenize("光伝送システム")
    first.append("garbage")
    assert "garbage" not in tokenize("光伝送システム")


# -- Matching ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["bm25", "tfidf"])
def test_each_proposal_gets_the_expected_reviewer_first(method):
    scores = affinity_scores([p for p, _ in PROPOSALS], REVIEWERS, method=method)
    assert scores.argmax(axis=1).tolist() == EXPECTED
    assert (_margins(scores) > 0).all()


def test_bm25_and_tfidf_matrices_both_rank_the_obvious_match_first():
    p, r = _p_texts(), _r_texts()
    for scores in (bm25_matrix(p, r), tfidf_cosine_matrix(p, r)):
        assert scores.argmax(axis=1).tolist() == EXPECTED


def test_cross_language_through_bilingual_keywords():
    """English proposals reach a reviewer whose profile is Japanese, and the reverse."""
    scores = affinity_scores([p for p, _ in PROPOSALS], REVIEWERS)
    assert scores[4].argmax() == 2  # English quantum proposal -> Japanese quantum reviewer
    assert scores[1].argmax() == 0  # English optical proposal -> Japanese optical reviewer
    assert scores[2].argmax() == 1  # Japanese EUV proposal -> English-profile reviewer
    english_only = affinity_scores(
        [{"title": "quantum computing", "abstract": "", "plan": ""}],
        [
            {"keywords": ["量子コンピュータ"], "profile": ""},
            {"keywords": ["量子コンピュータ", "quantum computing"], "profile": ""},
        ],
    )
    assert english_only[0].tolist() == [0.0, 1.0]


def test_bm25_row_maximum_is_one():
    scores = bm25_matrix(_p_texts(), _r_texts())
    np.testing.assert_allclose(scores.max(axis=1), 1.0, rtol=0, atol=1e-6)


def test_title_weighs_more_than_the_plan():
    reviewers = [{"keywords": ["光伝送"], "profile": ""}, {"keywords": ["量子"], "profile": ""}]
    scores = affinity_scores([{"title": "光伝送", "abstract": "", "plan": "量子"}], reviewers)
    assert scores[0, 0] > scores[0, 1] > 0


# -- Split mode: measured ---------------------------------------------------------------------
#
# Two small sets, one that rewards splitting and one that punishes over-splitting.  Settings:
# C+B (the default: mode C words plus the mode-B sub-units of compounds), C+A, C alone, B, A.

# Reviewer wording of a different granularity from the proposal's (recall).
PARAPHRASES = [
    ("自然言語処理による文書要約", "言語処理 / 対話"),
    ("機械学習の収束解析", "学習アルゴリズム / 最適化理論"),
    ("人工知能を搭載した家庭用ロボット", "知能ロボット / 行動計画"),
    ("遠隔操作システムの遅延補償", "操作インタフェース / 人間工学"),
    ("量子コンピューターの誤り訂正", "量子コンピュータ"),
    ("高温超伝導体の線材化", "超伝導体 / 磁性材料"),
    ("半導体を用いた電力変換器", "パワー半導体 / 電力変換"),
    ("無線基地局の省電力化", "基地局 / 無線"),
    ("ネットワーク機能の仮想化", "仮想化 / クラウド基盤"),
    ("大規模言語モデルの事前学習", "言語モデル"),
]

# (proposal, the right reviewer, a false friend sharing pieces of its words) (precision).
FALSE_FRIENDS = [
    ("機械学習による材料探索", "機械学習", "工作機械の学習制御"),
    ("人工知能の説明可能性", "人工知能", "人工衛星の知能化"),
    ("自然言語処理による要約", "自然言語処理", "自然災害の言語情報処理"),
    ("量子コンピューターの誤り訂正", "量子コンピューター", "量子ドットとコンピューター"),
    ("遠隔操作による災害対応", "遠隔操作", "遠隔医療の操作支援"),
    ("半導体プロセスの微細化", "半導体", "導体損失の解析"),
    ("無線基地局の省電力化", "基地局", "南極基地の観測局"),
    ("ネットワーク機能の仮想化", "仮想化", "仮想現実"),
    ("超伝導体の線材化", "超伝導体", "伝導体の熱物性"),
    ("大規模言語モデルの評価", "大規模言語モデル", "大規模構造物の言語化モデル"),
]

SETTINGS = {
    "C+B": ("C", "B"),
    "C+A": ("C", "A"),
    "C": ("C", None),
    "B": ("B", None),
    "A": ("A", None),
}


def _with(setting):
    mode, subunit_mode = SETTINGS[setting]
    return lambda text: tokenize(text, mode=mode, subunit_mode=subunit_mode)


def _paraphrase_top1(setting):
    scores = bm25_matrix(
        [p for p, _ in PARAPHRASES], [r for _, r in PARAPHRASES], tokenizer=_with(setting)
    )
    unique_best = (scores >= scores.max(axis=1, keepdims=True)).sum(axis=1) == 1
    right = (scores.argmax(axis=1) == np.arange(len(PARAPHRASES))) & (scores.max(axis=1) > 0)
    return int((right & unique_best).sum())


def _false_friend_margins(setting):
    n = len(FALSE_FRIENDS)
    scores = bm25_matrix(
        [p for p, _, _ in FALSE_FRIENDS],
        [r for _, r, _ in FALSE_FRIENDS] + [w for _, _, w in FALSE_FRIENDS],
        tokenizer=_with(setting),
    )
    right, wrong = scores[np.arange(n), np.arange(n)], scores[np.arange(n), n + np.arange(n)]
    return right - wrong, int((wrong > 0).sum())


def test_split_mode_measurement():
    """Measured (BM25; tf-idf cosine orders the settings the same way):

    ========  ==================  ===============================  ======================
    setting   paraphrases top-1   false friends mean (min) margin  false friends matched
    ========  ==================  ===============================  ======================
    C+B       10/10               0.667 (0.366)                    6/10
    C+A       10/10               0.511 (0.366)                    10/10
    C          5/10               1.000 (1.000)                    0/10
    B         10/10               0.542 (0.148)                    6/10
    A         10/10               0.252 (0.128)                    10/10
    ========  ==================  ===============================  ======================

    Mode C alone cannot match 言語モデル with 大規模言語モデル (or 機械学習 with 学習 ...);
    mode A (and A sub-units) lets 半導体 match 導体, 基地局 match 基地, 仮想化 match 仮想.
    C + B sub-units has B's recall and, through the whole-compound match, a wider margin
    over the false friends than B or A.  (Run with -s to see the figures.)
    """
    top1 = {s: _paraphrase_top1(s) for s in SETTINGS}
    margins = {s: _false_friend_margins(s) for s in SETTINGS}
    for s in SETTINGS:
        m, matched = margins[s]
        print(
            f"{s:4s} paraphrases {top1[s]}/{len(PARAPHRASES)}  false friends margin "
            f"mean {m.mean():.3f} min {m.min():.3f} matched {matched}/{len(FALSE_FRIENDS)}"
        )
    n = len(PARAPHRASES)
    assert top1["C+B"] == top1["B"] == n
    assert top1["C"] < n
    assert (margins["C+B"][0] > 0).all()
    assert margins["C+B"][0].mean() > margins["B"][0].mean() > margins["A"][0].mean()
    assert margins["C+B"][1] < margins["C+A"][1]


def test_every_setting_matches_the_realistic_call():
    p, r = _p_texts(), _r_texts()
    for setting in SETTINGS:
        scores = bm25_matrix(p, r, tokenizer=_with(setting))
        assert scores.argmax(axis=1).tolist() == EXPECTED, setting


def test_subunits_let_a_shorter_wording_match():
    """A reviewer who writes 言語モデル (one mode-C word) matches 大規模言語モデル only
    through the mode-B sub-units."""
    p = ["大規模言語モデルの事前学習"]
    r = ["言語モデル", "ロボットの動作計画"]
    with_sub = bm25_matrix(p, r)
    without = bm25_matrix(p, r, tokenizer=lambda t: tokenize(t, subunit_mode=None))
    assert with_sub[0].tolist() == [1.0, 0.0]
    assert without[0].tolist() == [0.0, 0.0]


# -- Properties -------------------------------------------------------------------------------


def test_shape_range_and_no_nan():
    scores = affinity_scores([p for p, _ in PROPOSALS], REVIEWERS)
    assert scores.shape == (len(PROPOSALS), len(REVIEWERS))
    assert np.isfinite(scores).all()
    assert (scores >= 0).all() and (scores <= 1).all()
    cos = tfidf_cosine_matrix(_p_texts(), _r_texts())
    assert cos.dtype == np.float32 and (cos >= 0).all() and (cos <= 1).all()
    assert bm25_matrix(_p_texts(), _r_texts()).dtype == np.float32


def test_empty_texts_give_zero_rows_and_columns_without_nan():
    proposals = [{"title": "", "abstract": "", "plan": ""}, {"title": "光伝送"}, {}]
    reviewers = [{"keywords": [], "profile": ""}, {"keywords": ["光伝送"], "profile": ""}]
    for method in ("bm25", "tfidf"):
        scores = affinity_scores(proposals, reviewers, method=method)
        assert np.isfinite(scores).all()
        assert scores[0].tolist() == [0.0, 0.0]
        assert scores[2].tolist() == [0.0, 0.0]
        assert scores[:, 0].tolist() == [0.0, 0.0, 0.0]
        assert scores[1, 1] > 0
    # proposals sharing no word with any reviewer
    no_overlap = affinity_scores([{"title": "ロボット"}], [{"keywords": ["光伝送"]}])
    assert no_overlap.tolist() == [[0.0]]
    # every reviewer empty: average length 0
    assert affinity_scores([{"title": "光伝送"}], [{}, {}]).tolist() == [[0.0, 0.0]]


def test_empty_collections():
    assert affinity_scores([], REVIEWERS).shape == (0, len(REVIEWERS))
    assert affinity_scores([p for p, _ in PROPOSALS], []).shape == (len(PROPOSALS), 0)
    assert bm25_matrix([], []).shape == (0, 0)


def test_deterministic_and_rounded_to_six_decimals():
    proposals = [p for p, _ in PROPOSALS]
    first = affinity_scores(proposals, REVIEWERS)
    second = affinity_scores(proposals, REVIEWERS)
    assert np.array_equal(first, second)
    assert np.array_equal(first, np.round(first, 6))
    assert first.dtype == np.float64
    # exact in millionths, as the assignment solver counts them
    millionths = np.round(first * 10**6)
    assert np.array_equal(millionths / 10**6, first)


def test_reviewer_order_only_permutes_columns():
    proposals = [p for p, _ in PROPOSALS]
    order = [3, 5, 0, 2, 4, 1]
    base = affinity_scores(proposals, REVIEWERS)
    permuted = affinity_scores(proposals, [REVIEWERS[i] for i in order])
    np.testing.assert_allclose(permuted, base[:, order], rtol=0, atol=1e-6)


def test_keywords_as_a_single_string_are_accepted():
    assert reviewer_text({"keywords": "光伝送", "profile": "x"}) == "光伝送\n光伝送\nx"


def test_unknown_method_rejected():
    with pytest.raises(ValueError):
        affinity_scores([], [], method="word2vec")


def test_module_has_no_django_import():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(affinity))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [node])
        if getattr(alias, "name", None)
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "django" not in imported
