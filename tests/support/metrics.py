"""Reading the service's /metrics as an operator's scraper does."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


async def scrape(service, **kwargs) -> dict[tuple[str, tuple], float]:
    response = await service.http.get("/metrics", **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)
