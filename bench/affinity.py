"""Bench: reviewer–proposal affinity on a full-size call (5,000 proposals x 2,000 reviewers).

    .venv/bin/python bench/affinity.py [--proposals 5000] [--reviewers 2000] [--seed 7]

Generates proposal texts (~600 Japanese characters each: sentences built from the technical
vocabulary of 20 fields, generic research words and function words) and reviewer profiles (5-10
keywords, Japanese with some English, plus one sentence), then times

* tokenisation of every text (SudachiPy, the cost that dominates), and
* the full P x R BM25 matrix from the (cached) tokens (and the tf-idf cosine alternative),

and reports the peak RSS.  As a sanity figure it also reports how often a proposal's best
reviewer works in the proposal's own field.  The last line is one JSON object with every figure
and its target.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from kikin.solvers import affinity  # noqa: E402

SECONDS_TARGET = 120
RSS_TARGET_MIB = 2048

# field: (Japanese technical terms, English keywords)
FIELDS: dict[str, tuple[list[str], list[str]]] = {
    "光伝送": (
        [
            "光伝送",
            "デジタルコヒーレント",
            "波長多重",
            "光ファイバ",
            "光増幅器",
            "マルチコアファイバ",
            "非線形補償",
            "光トランシーバ",
            "シリコンフォトニクス",
            "光スイッチ",
            "偏波多重",
            "光変調器",
        ],
        ["optical transmission", "coherent optics", "WDM", "silicon photonics", "optical fiber"],
    ),
    "EUV露光": (
        [
            "EUV露光",
            "フォトレジスト",
            "マスク欠陥",
            "リソグラフィ",
            "露光装置",
            "ペリクル",
            "多層膜ミラー",
            "確率的欠陥",
            "高NA",
            "パターン転写",
            "エッチング",
            "線幅ばらつき",
        ],
        ["EUV lithography", "photoresist", "mask inspection", "lithography", "exposure tool"],
    ),
    "量子計算": (
        [
            "量子コンピュータ",
            "超伝導量子ビット",
            "量子誤り訂正",
            "表面符号",
            "量子ゲート",
            "デコヒーレンス",
            "量子アルゴリズム",
            "イオントラップ",
            "論理量子ビット",
            "希釈冷凍機",
            "量子回路",
            "中性原子",
        ],
        ["quantum computing", "qubits", "quantum error correction", "superconducting qubits"],
    ),
    "大規模言語モデル": (
        [
            "大規模言語モデル",
            "基盤モデル",
            "事前学習",
            "自然言語処理",
            "生成AI",
            "指示チューニング",
            "トークナイザ",
            "強化学習",
            "推論効率",
            "日本語コーパス",
            "幻覚抑制",
            "検索拡張生成",
        ],
        ["large language models", "foundation models", "LLM", "NLP", "generative AI"],
    ),
    "ロボット": (
        [
            "ロボット",
            "マニピュレーション",
            "自律移動",
            "遠隔操作",
            "把持",
            "動作計画",
            "自己位置推定",
            "力覚センサ",
            "ヒューマノイド",
            "協働ロボット",
            "模倣学習",
            "経路計画",
        ],
        ["robotics", "manipulation", "autonomous navigation", "teleoperation", "SLAM"],
    ),
    "基地局": (
        [
            "基地局",
            "O-RAN",
            "無線アクセスネットワーク",
            "仮想化基地局",
            "Massive MIMO",
            "ミリ波",
            "ビームフォーミング",
            "フロントホール",
            "RIC",
            "スモールセル",
            "周波数共用",
            "無線リソース制御",
        ],
        ["base station", "O-RAN", "vRAN", "5G", "6G", "radio access network"],
    ),
    "パワー半導体": (
        [
            "パワー半導体",
            "炭化ケイ素",
            "窒化ガリウム",
            "インバータ",
            "電力変換",
            "耐圧",
            "スイッチング損失",
            "ゲート駆動",
            "熱抵抗",
            "パワーモジュール",
            "結晶欠陥",
            "オン抵抗",
        ],
        ["power semiconductors", "SiC", "GaN", "power electronics", "inverter"],
    ),
    "蓄電池": (
        [
            "蓄電池",
            "全固体電池",
            "リチウムイオン電池",
            "固体電解質",
            "正極材料",
            "負極材料",
            "界面抵抗",
            "劣化診断",
            "急速充電",
            "電池管理",
            "ナトリウムイオン電池",
            "サイクル寿命",
        ],
        ["batteries", "solid-state battery", "lithium-ion", "electrolyte", "battery management"],
    ),
    "画像認識": (
        [
            "画像認識",
            "物体検出",
            "セグメンテーション",
            "深層学習",
            "畳み込みニューラルネットワーク",
            "動画解析",
            "姿勢推定",
            "三次元再構成",
            "異常検知",
            "データ拡張",
            "視覚言語モデル",
            "顔認識",
        ],
        [
            "computer vision",
            "object detection",
            "segmentation",
            "deep learning",
            "3D reconstruction",
        ],
    ),
    "サイバーセキュリティ": (
        [
            "サイバーセキュリティ",
            "脆弱性",
            "侵入検知",
            "マルウェア",
            "ゼロトラスト",
            "暗号",
            "耐量子暗号",
            "認証",
            "サプライチェーン攻撃",
            "ファジング",
            "脅威インテリジェンス",
            "秘密計算",
        ],
        ["cybersecurity", "intrusion detection", "malware", "post-quantum cryptography", "fuzzing"],
    ),
    "データセンタ": (
        [
            "データセンタ",
            "省電力",
            "液浸冷却",
            "サーバ",
            "アクセラレータ",
            "GPUクラスタ",
            "分散処理",
            "ストレージ",
            "光インターコネクト",
            "電力効率",
            "仮想化",
            "スケジューリング",
        ],
        ["data center", "GPU", "accelerators", "cooling", "distributed computing"],
    ),
    "半導体設計": (
        [
            "半導体設計",
            "チップレット",
            "先端パッケージ",
            "回路設計",
            "RISC-V",
            "論理合成",
            "低消費電力設計",
            "検証",
            "メモリ",
            "三次元実装",
            "配線遅延",
            "設計自動化",
        ],
        ["chip design", "chiplets", "advanced packaging", "EDA", "RISC-V"],
    ),
    "衛星通信": (
        [
            "衛星通信",
            "低軌道衛星",
            "非地上系ネットワーク",
            "フェーズドアレイ",
            "衛星コンステレーション",
            "地上局",
            "光衛星間通信",
            "ドップラー補償",
            "HAPS",
            "Ka帯",
            "軌道制御",
            "電波干渉",
        ],
        ["satellite communications", "LEO", "NTN", "phased array", "HAPS"],
    ),
    "自動運転": (
        [
            "自動運転",
            "LiDAR",
            "センサフュージョン",
            "車載ソフトウェア",
            "走行計画",
            "V2X",
            "高精度地図",
            "運転支援",
            "安全性評価",
            "シミュレーション",
            "車両制御",
            "歩行者検出",
        ],
        ["autonomous driving", "LiDAR", "sensor fusion", "V2X", "ADAS"],
    ),
    "材料科学": (
        [
            "マテリアルズインフォマティクス",
            "第一原理計算",
            "触媒",
            "薄膜",
            "結晶成長",
            "高分子",
            "磁性材料",
            "材料探索",
            "分子動力学",
            "放射光",
            "ナノ構造",
            "界面制御",
        ],
        ["materials informatics", "DFT", "catalysts", "thin films", "crystal growth"],
    ),
    "スマートグリッド": (
        [
            "スマートグリッド",
            "再生可能エネルギー",
            "需給調整",
            "系統安定化",
            "仮想発電所",
            "電力市場",
            "分散型電源",
            "需要予測",
            "蓄電システム",
            "配電網",
            "周波数制御",
            "デマンドレスポンス",
        ],
        ["smart grid", "renewable energy", "virtual power plant", "demand response", "grid"],
    ),
    "医療AI": (
        [
            "医療AI",
            "画像診断",
            "電子カルテ",
            "創薬",
            "ゲノム解析",
            "病理画像",
            "臨床試験",
            "バイオマーカー",
            "予後予測",
            "医療機器",
            "個別化医療",
            "プライバシー保護",
        ],
        ["medical AI", "diagnostic imaging", "drug discovery", "genomics", "digital health"],
    ),
    "IoT": (
        [
            "IoT",
            "センサネットワーク",
            "エッジコンピューティング",
            "低消費電力無線",
            "LPWA",
            "組込みシステム",
            "デジタルツイン",
            "予知保全",
            "スマート工場",
            "時刻同期",
            "ファームウェア更新",
            "エネルギーハーベスティング",
        ],
        ["IoT", "edge computing", "sensor networks", "digital twin", "embedded systems"],
    ),
    "ドローン": (
        [
            "ドローン",
            "無人航空機",
            "飛行制御",
            "目視外飛行",
            "運航管理",
            "機体設計",
            "物流",
            "インフラ点検",
            "衝突回避",
            "バッテリー交換",
            "空撮",
            "自律飛行",
        ],
        ["drones", "UAV", "flight control", "BVLOS", "UTM"],
    ),
    "光電融合": (
        [
            "光電融合",
            "光電子集積回路",
            "光インターコネクト",
            "シリコンフォトニクス",
            "レーザ",
            "光検出器",
            "光パッケージング",
            "共同パッケージ光学",
            "光集積",
            "低遅延",
            "光配線",
            "光メモリ",
        ],
        ["photonic-electronic convergence", "co-packaged optics", "photonic integrated circuits"],
    ),
}

GENERIC = [
    "研究",
    "開発",
    "実証",
    "評価",
    "手法",
    "技術",
    "システム",
    "性能",
    "効率",
    "課題",
    "社会実装",
    "実用化",
    "産業",
    "国際競争力",
    "標準化",
    "試作",
    "検証",
    "基盤",
    "高度化",
    "低コスト",
    "省エネルギー",
    "信頼性",
    "設計",
    "解析",
    "実験",
    "応用",
    "事業化",
    "体制",
]

TEMPLATES = [
    "本研究では、{a}における{b}の課題を解決するため、{c}を用いた新たな{g}を開発する。",
    "{a}と{b}を組み合わせ、{c}の{g}を従来比で大幅に向上させることを目指す。",
    "具体的には、{a}の{g}を行い、{b}に関する{c}の有効性を{h}によって示す。",
    "また、{a}の{b}については、{c}の観点から{g}と{h}を並行して進める。",
    "初年度は{a}の{g}に取り組み、次年度以降は{b}及び{c}の{h}を実施する。",
    "これにより、{a}分野における{b}の{g}が可能となり、{c}の{h}に貢献する。",
    "さらに、{a}で得られた知見を{b}へ展開し、{c}との連携による{g}を図る。",
    "最終年度には{a}の{h}を完了し、{b}の{g}に向けた{c}を確立する。",
]

SENTENCES = [
    "{a}と{b}を専門とし、{c}の研究開発に従事している。",
    "Works on {a} and {b}, with industry experience in {c}.",
    "{a}、{b}に関する研究および{c}の社会実装を推進してきた。",
    "大学にて{a}と{b}の研究室を主宰し、{c}の共同研究を多数実施。",
]


def make_proposal(rng: random.Random, field: str, target_chars: int = 600) -> dict:
    own = FIELDS[field][0]
    other = [t for f, (terms, _) in FIELDS.items() if f != field for t in terms]

    def term():
        return rng.choice(own) if rng.random() < 0.8 else rng.choice(other)

    title = f"{term()}による{term()}の{rng.choice(GENERIC)}"
    sentences: list[str] = []
    size = 0
    while size < target_chars:
        s = rng.choice(TEMPLATES).format(
            a=term(), b=term(), c=term(), g=rng.choice(GENERIC), h=rng.choice(GENERIC)
        )
        sentences.append(s)
        size += len(s)
    cut = max(1, len(sentences) // 2)
    return {"title": title, "abstract": "".join(sentences[:cut]), "plan": "".join(sentences[cut:])}


def make_reviewer(rng: random.Random, field: str) -> dict:
    ja, en = FIELDS[field]
    n = rng.randint(5, 10)
    n_en = rng.randint(0, min(3, n - 2))
    keywords = rng.sample(ja, n - n_en) + rng.sample(en, min(n_en, len(en)))
    if rng.random() < 0.2:  # a second, minor field
        keywords.append(rng.choice(FIELDS[rng.choice(list(FIELDS))][0]))
    template = rng.choice(SENTENCES)
    pool = en if template.startswith("Works") else ja
    a, b, c = rng.sample(pool, 3)
    return {"keywords": keywords, "profile": template.format(a=a, b=b, c=c)}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=5000)
    parser.add_argument("--reviewers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    t_start = time.perf_counter()
    rng = random.Random(args.seed)
    names = list(FIELDS)
    p_fields = [names[i % len(names)] for i in range(args.proposals)]
    r_fields = [names[i % len(names)] for i in range(args.reviewers)]
    rng.shuffle(p_fields)
    rng.shuffle(r_fields)
    proposals = [make_proposal(rng, f) for f in p_fields]
    reviewers = [make_reviewer(rng, f) for f in r_fields]
    p_texts = [affinity.proposal_text(p) for p in proposals]
    r_texts = [affinity.reviewer_text(r) for r in reviewers]
    generate_s = time.perf_counter() - t_start
    chars = sum(len(p["abstract"]) + len(p["plan"]) for p in proposals) / len(proposals)
    print(
        f"generated {len(proposals)} proposals (mean {chars:.0f} chars of abstract+plan) "
        f"and {len(reviewers)} reviewers in {generate_s:.1f} s"
    )

    t0 = time.perf_counter()
    n_tokens = sum(len(affinity.tokenize(t)) for t in p_texts + r_texts)
    tokenize_s = time.perf_counter() - t0
    print(f"tokenise: {tokenize_s:.1f} s ({n_tokens} tokens)")

    t0 = time.perf_counter()
    scores = affinity.bm25_matrix(p_texts, r_texts)
    matrix_s = time.perf_counter() - t0
    print(f"BM25 matrix {scores.shape}: {matrix_s:.1f} s (tokens from the cache)")

    t0 = time.perf_counter()
    cosine = affinity.tfidf_cosine_matrix(p_texts, r_texts)
    tfidf_s = time.perf_counter() - t0
    cosine_field_match = float(
        np.mean([r_fields[b] == f for b, f in zip(cosine.argmax(axis=1), p_fields, strict=False)])
    )
    del cosine
    print(f"tf-idf cosine matrix: {tfidf_s:.1f} s")

    t0 = time.perf_counter()
    rounded = np.round(scores.astype(np.float64), affinity.DECIMALS)  # as affinity_scores
    round_s = time.perf_counter() - t0

    best = rounded.argmax(axis=1)
    field_match = float(np.mean([r_fields[b] == f for b, f in zip(best, p_fields, strict=False)]))
    finite = bool(np.isfinite(rounded).all())
    in_range = bool(((rounded >= 0) & (rounded <= 1)).all())
    total_s = time.perf_counter() - t_start
    rss = peak_rss_mib()
    print(
        f"best reviewer in the proposal's field: {field_match:.1%}; total {total_s:.1f} s; "
        f"peak RSS {rss:.0f} MiB"
    )

    ok = total_s < SECONDS_TARGET and rss < RSS_TARGET_MIB and finite and in_range
    print(
        json.dumps(
            {
                "bench": "affinity",
                "proposals": len(proposals),
                "reviewers": len(reviewers),
                "mean_proposal_chars": round(chars),
                "tokens": n_tokens,
                "generate_seconds": round(generate_s, 2),
                "tokenize_seconds": round(tokenize_s, 2),
                "matrix_seconds": round(matrix_s, 2),
                "tfidf_matrix_seconds": round(tfidf_s, 2),
                "round_seconds": round(round_s, 2),
                "total_seconds": round(total_s, 2),
                "seconds_target": SECONDS_TARGET,
                "peak_rss_mib": round(rss, 1),
                "peak_rss_target_mib": RSS_TARGET_MIB,
                "best_reviewer_in_field": round(field_match, 4),
                "best_reviewer_in_field_tfidf": round(cosine_field_match, 4),
                "finite_and_in_unit_range": finite and in_range,
                "ok": ok,
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
