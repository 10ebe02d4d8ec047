"""Prices a seller writes into the text: 原价399, 吊牌价：¥1299, 专柜价 2,680元.

A listing whose structured data carries no crossed-out price often states one in its title
(到手价仅9.9 原价399); the discount check reads it from there. Only a number right after one
of the labels counts, so 原价 alone, 原价格, or 原价购入 say nothing.
"""

from __future__ import annotations

import re

# The labels regulators meet for a stated reference price (《明码标价和禁止价格欺诈规定》第十九条
# names 原价 and 划线价; 吊牌价, 专柜价 and 市场价 are the same claim on clothes and cosmetics).
_ORIGINAL = re.compile(
    r"(?:原价|划线价|吊牌价|专柜价|市场价|门市价|官方价|指导价)\s*[:：]?\s*(?:[¥￥]|rmb)?\s*"
    r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?!\d)",
    re.IGNORECASE,
)


# A second-hand seller's 原价 is what they paid, not a discount claim (闲置 原价1299 现价300).
_SECOND_HAND = re.compile(
    r"闲置|二手|闲鱼|转让|转卖|自用|用过|试穿|回血|[一二三四五六七八九]成新|(?<!\d)[5-9]\d?新(?![款品年])"
)


def stated_original_price(*texts: str | None) -> float | None:
    """The first reference price stated in the texts, in yuan, or None.

    None as well where the texts say the goods are second-hand: there 原价 is the price once
    paid.
    """
    present = [text for text in texts if text]
    found = next((f for text in present if (f := _ORIGINAL.search(text))), None)
    if found is None or any(_SECOND_HAND.search(text) for text in present):
        return None
    whole, cents = found.group(1).replace(",", ""), found.group(2) or "0"
    return float(f"{whole}.{cents}")
