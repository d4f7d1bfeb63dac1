"""SMS hand-off: 2,000 SMS handed to GatewayAPI in batched requests, against one single SMS.

``GatewayApiSms`` sends to ``FakeGatewayApi`` (from the tests) on a free port in this process;
the fake answers every request after 50 ms (``--answer-ms``), as a gateway across the
internet would. Baseline, in the same run: the time to hand over one SMS (one request).
Batch: the time from calling ``send`` with ``--recipients`` SMS (each its own message object
with its own ``userref``, as pages are) to having every id. Target: 2,000 SMS handed over
within 2 s. Prints medians over ``--runs`` runs, the requests made and the ratio.

    .venv/bin/python benchmarks/sms_batch.py [--runs 5] [--recipients 2000] [--answer-ms 50]
"""

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.channels.sms.base import OutgoingSms  # noqa: E402
from bot.channels.sms.gatewayapi import GatewayApiSms  # noqa: E402
from tests.fakes.gatewayapi import FakeGatewayApi  # noqa: E402

TEXT = "Krise K-2026-001 (O365 nede): du indkaldes til Byrådssalen, Struer Rådhus, kl. 14:30. Svar KRISE 1K til 1204"


def messages(count: int) -> list[OutgoingSms]:
    return [OutgoingSms(to=f"+45{20000000 + n}", text=TEXT, ref=f"K-2026-001/summons/p{n}/{n}/sms") for n in range(count)]


async def timed(provider: GatewayApiSms, batch: list[OutgoingSms]) -> float:
    start = time.perf_counter()
    ids = await provider.send(batch)
    elapsed = time.perf_counter() - start
    assert len(ids) == len(batch)
    return elapsed


async def main(runs: int, recipients: int, answer_ms: int) -> None:
    single, batched, requests = [], [], []
    async with FakeGatewayApi() as fake, aiohttp.ClientSession() as session:
        fake.delay = answer_ms / 1000
        provider = GatewayApiSms(session, base_url=fake.url, token=fake.token, sender="Krisebot")
        await timed(provider, messages(1))  # warm-up: connection set up, code paths loaded
        for _ in range(runs):
            single.append(await timed(provider, messages(1)))
            before = len(fake.requests)
            batched.append(await timed(provider, messages(recipients)))
            requests.append(len(fake.requests) - before)
    baseline, batch = statistics.median(single), statistics.median(batched)
    print(f"runs: {runs} (medians; the fake gateway answers after {answer_ms} ms)")
    print(f"baseline, 1 SMS:          {baseline * 1000:7.1f} ms (1 request)")
    print(f"batch, {recipients} SMS:       {batch * 1000:7.1f} ms ({statistics.median(requests):.0f} requests)")
    print(f"ratio to baseline:        x{batch / baseline:.2f}")
    print(f"target: {recipients} SMS handed over < 2 s: {'met' if batch < 2 else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--answer-ms", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.recipients, args.answer_ms))
