"""Money under chaos, large: thousands of top-ups (圈存 and WeChat Pay) and payments while relay
workers are SIGKILLed at random and the bank, card ledger, fee and WeChat Pay simulators inject faults
(5xx, lost replies after commit, retransmissions, latency; lost and repeated notifications, payments
landing as we close). Reports the count, the kills and the money invariants.

`make bench` calls `run`; alone: `python -m bench.bench_topup_chaos [--quick]`.
"""

from __future__ import annotations

import json
import pathlib
import sys
import tempfile
from typing import Any

from tests.harness import running_stack
from tests.topup_chaos import run_chaos


def run(results_dir: pathlib.Path, quick: bool) -> dict[str, Any]:
    count, kills = (150, 4) if quick else (2000, 25)
    with tempfile.TemporaryDirectory(prefix="bench-topup-") as tmp, running_stack(pathlib.Path(tmp)) as stack:
        figures = run_chaos(stack, count=count, kills=kills, processes=1 if quick else 2)
    figures["money_adds_up"] = (
        figures["not_terminal"] == 0 and figures["wrong_count"] == 0
        and figures["bank_debits_net_fen"] == figures["card_topup_credits_fen"]
        and figures["card_payment_debits_net_fen"] == figures["fee_credits_fen"]
        and figures["wechatpay_paid_fen"] == figures["wechatpay_credited_fen"] + figures["wechatpay_refunded_fen"]
        and figures["unexplained_differences"] == 0)
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "topup_chaos.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    return figures


if __name__ == "__main__":
    result = run(pathlib.Path("test-output/bench"), quick="--quick" in sys.argv)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    sys.exit(0 if result["money_adds_up"] else 1)
