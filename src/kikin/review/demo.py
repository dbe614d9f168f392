"""The demo reviewer's profile (keywords for the affinity of reviewer assignment)."""

from kikin.accounts.models import Role

from .models import ReviewerProfile


def load_demo_reviewer_profile(user) -> None:
    """Give a demo reviewer a profile once; other users are left alone."""
    if user.role != Role.REVIEWER:
        return
    ReviewerProfile.objects.get_or_create(
        user=user,
        defaults={
            "keywords": "コアネットワーク, クラウド, 5G, 大規模言語モデル, foundation models",
            "profile": "移動通信のコアネットワークと生成AI基盤モデルの研究。",
        },
    )
