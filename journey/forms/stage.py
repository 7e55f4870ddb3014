"""Keeps only the form fields a deployment allows, before anything is stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from journey.forms.events import allowed_fields
from journey.work import SessionWork
from storage.documents import DeploymentDocument

Deployments = Callable[[str], Awaitable[DeploymentDocument | None]]


class FormFieldStage:
    def __init__(self, deployment: Deployments) -> None:
        self._deployment = deployment
        self._allow_lists: dict[str, list[str]] = {}

    async def prepare(self, works: list[SessionWork]) -> None:
        # The deployment lookup is cached by the ingestor: no extra round trip.
        for deployment_id in {work.delta.deployment_id for work in works}:
            deployment = await self._deployment(deployment_id)
            self._allow_lists[deployment_id] = (deployment.get("formFields") if deployment else None) or []

    def process(self, work: SessionWork) -> None:
        allow_list = self._allow_lists.get(work.delta.deployment_id, [])
        for document in work.items:
            if "form" in document:
                document["form"]["fields"] = allowed_fields(document["form"]["fields"], allow_list)
