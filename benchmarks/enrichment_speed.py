"""Speed of enrichment.build_context on a realistic mix of requests.

Run: .venv/bin/python benchmarks/enrichment_speed.py
Prints one-off load costs, then microseconds per call after warm-up (median of rounds).
"""

from __future__ import annotations

import ipaddress
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROUNDS = 7
CALLS_PER_ROUND = 20_000

USER_AGENTS = [  # most common first: traffic is dominated by a few agents
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/442.0.0.36.118;FBBV/548493370;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.1;FBSS/3;FBID/phone;FBLC/en_GB;FBOP/5]",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
]
REFERRERS = [None, None, None, "https://www.google.com/", "https://www.google.co.uk/",
             "https://shop.example.com/cart", "https://l.facebook.com/l.php?u=x", "https://t.co/abc",
             "https://mail.google.com/mail/u/0/", "https://some-blog.example.org/post/1"]
PAGES = ["https://shop.example.com/", "https://shop.example.com/products/42",
         "https://shop.example.com/?utm_source=newsletter&utm_medium=email&utm_campaign=spring",
         "https://shop.example.com/sale?gclid=EAIaIQobChMI&utm_source=google&utm_medium=cpc",
         "https://shop.example.com/search?q=red+shoes&page=2"]
LANGUAGES = [None, "en-GB,en;q=0.9", "en-US,en;q=0.9", "de-DE,de;q=0.9,en;q=0.8", "fr"]


def public_ips(rng: random.Random, count: int) -> list[str]:
    ips: list[str] = []
    while len(ips) < count:
        address = ipaddress.IPv4Address(rng.getrandbits(32))
        if address.is_global:
            ips.append(str(address))
    return ips


def requests(rng: random.Random, count: int, ip_pool: list[str]) -> list[dict]:
    agent_weights = [1 / (rank + 1) for rank in range(len(USER_AGENTS))]
    return [
        {
            "user_agent": rng.choices(USER_AGENTS, agent_weights)[0],
            "ip": rng.choice(ip_pool),
            "referrer": rng.choice(REFERRERS),
            "page_url": rng.choice(PAGES),
            "accept_language": rng.choice(LANGUAGES),
            "site_hosts": frozenset({"shop.example.com"}),
            "anonymise_ip": True,
        }
        for _ in range(count)
    ]


def microseconds_per_call(function, arguments: list[dict]) -> float:
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter_ns()
        for kwargs in arguments:
            function(**kwargs)
        timings.append((time.perf_counter_ns() - started) / len(arguments) / 1000)
    return statistics.median(timings)


def main() -> None:
    started = time.perf_counter()
    import enrichment
    from enrichment import context, geo, user_agent

    print(f"import enrichment            {(time.perf_counter() - started) * 1000:8.1f} ms")
    started = time.perf_counter()
    geo.load_database()
    print(f"GeoIP database load (once)   {(time.perf_counter() - started) * 1000:8.1f} ms")
    started = time.perf_counter()
    enrichment.warm_up()
    print(f"rest of warm_up (once)       {(time.perf_counter() - started) * 1000:8.1f} ms")

    rng = random.Random(7)
    unique_ips = public_ips(rng, CALLS_PER_ROUND)
    database = geo._get_database()
    if database is None:
        raise SystemExit("geoip2fast has no database here")
    started = time.perf_counter_ns()
    for ip in unique_ips:
        database.lookup(ip)
    geo_us = (time.perf_counter_ns() - started) / len(unique_ips) / 1000
    print(f"geoip2fast lookup, uncached  {geo_us:8.2f} us")

    import ua_parser

    unique_agents = [f"{USER_AGENTS[i % len(USER_AGENTS)]} build/{i}" for i in range(5_000)]
    started = time.perf_counter_ns()
    for agent in unique_agents:
        ua_parser.parse(agent)
    parse_us = (time.perf_counter_ns() - started) / len(unique_agents) / 1000
    print(f"ua_parser.parse, uncached    {parse_us:8.2f} us")

    # Realistic: a dozen agents by popularity, visitors sending several events each.
    mix = requests(rng, CALLS_PER_ROUND, public_ips(rng, CALLS_PER_ROUND // 5))
    for kwargs in mix:  # warm-up: fill caches, settle the interpreter
        enrichment.build_context(**kwargs)
    print(f"build_context, realistic mix {microseconds_per_call(enrichment.build_context, mix):8.2f} us/call")

    # Worst case: every agent and address new, so every cache misses.
    cold = requests(rng, CALLS_PER_ROUND, ["replaced below"])
    cold_ips = public_ips(rng, CALLS_PER_ROUND * ROUNDS)
    for index, kwargs in enumerate(cold):
        kwargs["user_agent"] = f"{kwargs['user_agent']} build/{index}"
    timings = []
    for round_index in range(ROUNDS):
        user_agent._describe.cache_clear()
        context._cached_address_facts.cache_clear()
        for index, kwargs in enumerate(cold):
            kwargs["ip"] = cold_ips[round_index * CALLS_PER_ROUND + index]
        started = time.perf_counter_ns()
        for kwargs in cold:
            enrichment.build_context(**kwargs)
        timings.append((time.perf_counter_ns() - started) / len(cold) / 1000)
    print(f"build_context, all misses    {statistics.median(timings):8.2f} us/call")


if __name__ == "__main__":
    main()
