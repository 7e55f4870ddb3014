"""Identity verification: a deployment can require that identities sent from browsers carry
the site's signature; unsigned ones never lead a browser into a known customer's journey and
the /collect answer never tells whether an identity is known."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys

import pytest

from tests.support.service import Service

ROTATE = 'mutation { rotateIdentitySecret(deploymentId: "default") { deploymentId secret } }'
MODE = """mutation($m: IdentityVerification!) { saveDeployment(input: {id: "default", allowedOrigins: ["*"],
    identityVerification: $m}) { identityVerification hasIdentitySecret } }"""
PROFILE = """query($c: ID!) { customer(id: $c) { identified identities { type value verified }
    sessions { nodes { id } } } }"""
BY_EMAIL = 'query($v: String!) { customerByIdentity(type: EMAIL, value: $v) { id } }'


def sign(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def identify(event_id: str, signatures: dict | None = None, **traits) -> dict:
    event = {"id": event_id, "type": "identify", "traits": traits}
    if signatures is not None:
        event["signatures"] = signatures
    return event


def pageview(event_id: str) -> dict:
    return {"id": event_id, "type": "pageview", "page": {"url": f"https://shop.example/{event_id}"}}


async def verifying(service: Service, mode: str) -> str:
    secret = (await service.data(ROTATE))["rotateIdentitySecret"]["secret"]
    saved = await service.data(MODE, {"m": mode})
    assert saved["saveDeployment"] == {"identityVerification": mode, "hasIdentitySecret": True}
    return secret


async def known_customer(service: Service, secret: str, email: str = "kim@shop.example") -> dict:
    body = await service.collect([pageview("k1"), identify("k2", {"email": sign(secret, email)}, email=email)],
                                 cookie_id="kim-laptop")
    return {"c": body["customerIds"][0], "s": body["sessionIds"][0]}


def answer_shape(body: dict, own: str) -> tuple:
    return (body["accepted"], body["rejected"], [e["status"] for e in body["events"]],
            [customer == own for customer in body["customerIds"]])


async def test_unsigned_identity_never_joins_a_known_customer_and_the_answer_tells_nothing(service: Service):
    secret = await verifying(service, "OPTIONAL")
    kim = await known_customer(service, secret)
    answers = {}
    for email, cookie in (("kim@shop.example", "attacker"), ("nobody@shop.example", "control")):
        first = await service.collect([pageview("1")], cookie_id=cookie)
        own = first["customerIds"][0]
        claimed = await service.collect([identify("2", email=email)], cookie_id=cookie)
        later = await service.collect([pageview("3")], cookie_id=cookie)
        answers[email] = (answer_shape(claimed, own), answer_shape(later, own))
        assert later["customerIds"] == [own]
        profile = (await service.data(PROFILE, {"c": own}))["customer"]
        assert profile["identified"] is False
        assert {"type": "EMAIL", "value": email, "verified": False} in profile["identities"]
    assert answers["kim@shop.example"] == answers["nobody@shop.example"]
    kims = (await service.data(PROFILE, {"c": kim["c"]}))["customer"]
    assert [n["id"] for n in kims["sessions"]["nodes"]] == [kim["s"]]
    assert kims["identities"][-1] == {"type": "EMAIL", "value": "kim@shop.example", "verified": True}
    assert (await service.data(BY_EMAIL, {"v": "kim@shop.example"}))["customerByIdentity"] == {"id": kim["c"]}
    assert (await service.data(BY_EMAIL, {"v": "nobody@shop.example"}))["customerByIdentity"] is None


async def test_signed_identity_stitches_into_the_known_customer(service: Service):
    secret = await verifying(service, "OPTIONAL")
    kim = await known_customer(service, secret)
    phone = await service.collect([pageview("1")], cookie_id="kim-phone")
    email = "Kim@Shop.example"  # signed as sent; normalised afterwards
    await service.collect([identify("2", {"email": sign(secret, email)}, email=email)], cookie_id="kim-phone")
    kims = (await service.data(PROFILE, {"c": kim["c"]}))["customer"]
    assert {n["id"] for n in kims["sessions"]["nodes"]} == {kim["s"], phone["sessionIds"][0]}


@pytest.mark.parametrize(("signatures", "reason"), [
    (None, "events[0].signatures.email: is required"),
    ({"email": "0" * 64}, "events[0].signatures.email: does not match"),
    ({"email": 7}, "events[0].signatures.email: must be a string of at most 128 characters"),
    ({"plan": "x"}, "events[0].signatures.plan: is not an identity (email, phone or externalId)"),
])
async def test_required_rejects_identities_not_signed_and_stores_nothing(service: Service, signatures, reason):
    secret = await verifying(service, "REQUIRED")
    kim = await known_customer(service, secret)
    first = await service.collect([pageview("1")], cookie_id="attacker")
    body = await service.collect([identify("2", signatures, email="kim@shop.example", plan="gold")],
                                 cookie_id="attacker")
    assert body["events"][0]["status"] == "rejected"
    assert body["events"][0]["reason"] == reason
    profile = (await service.data(PROFILE, {"c": first["customerIds"][0]}))["customer"]
    assert profile["identified"] is False
    assert [i["type"] for i in profile["identities"]] == ["COOKIE"]
    kims = (await service.data(PROFILE, {"c": kim["c"]}))["customer"]
    assert [n["id"] for n in kims["sessions"]["nodes"]] == [kim["s"]]


async def test_a_rotated_secret_replaces_the_old_one_at_once(service: Service):
    old = await verifying(service, "REQUIRED")
    await service.collect([pageview("0")], cookie_id="b")  # the deployment is now in the ingest cache
    new = (await service.data(ROTATE))["rotateIdentitySecret"]["secret"]
    assert new != old
    stale = await service.collect([identify("1", {"email": sign(old, "a@shop.example")}, email="a@shop.example")],
                                  cookie_id="b")
    assert stale["events"][0]["reason"] == "events[0].signatures.email: does not match"
    fresh = await service.collect([identify("2", {"email": sign(new, "a@shop.example")}, email="a@shop.example")],
                                  cookie_id="b")
    assert fresh["events"][0]["status"] == "accepted"


async def test_server_side_identities_need_no_signature(service: Service):
    await verifying(service, "REQUIRED")
    body = await service.collect([pageview("1")], cookie_id="srv")
    data = await service.data(
        'mutation { trackEvents(deploymentId: "default", events: [{id: "i", type: IDENTIFY, cookieId: "srv", '
        'traits: {email: "srv@shop.example"}}]) { accepted } }')
    assert data["trackEvents"]["accepted"] == 1
    identified = await service.data(
        'mutation($c: ID!) { identifyCustomer(input: {customerId: $c, phone: "+1 650 253 0000"}) '
        '{ identities { type verified } } }', {"c": body["customerIds"][0]})
    kinds = {(i["type"], i["verified"]) for i in identified["identifyCustomer"]["identities"]}
    assert {("EMAIL", True), ("PHONE", True)} <= kinds


async def test_verification_needs_a_secret_first_and_off_is_the_default(service: Service):
    listing = await service.data(
        'mutation { saveDeployment(input: {id: "shop", allowedOrigins: ["*"]}) '
        '{ identityVerification hasIdentitySecret } }')
    assert listing["saveDeployment"] == {"identityVerification": "OFF", "hasIdentitySecret": False}
    answer = await service.graphql(MODE, {"m": "REQUIRED"})
    assert answer["errors"][0]["message"] == (
        "identityVerification: needs an identity secret first: call rotateIdentitySecret")
    unknown = await service.graphql('mutation { rotateIdentitySecret(deploymentId: "nope") { secret } }')
    assert unknown["errors"][0]["message"] == "deploymentId: no such deployment"


def cli(service: Service, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "deployments", *args],
        env={"JOURNEY_MONGODB_URI": service.settings.mongodb_uri, "JOURNEY_DATABASE": service.settings.database,
             "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60,
    )


@pytest.mark.slow
async def test_the_command_line_rotates_the_secret_and_sets_verification(service: Service):
    refused = cli(service, "save", "default", "--origin", "*", "--identity-verification", "REQUIRED")
    assert refused.returncode == 2
    assert "identityVerification: needs an identity secret first" in refused.stderr
    secret = cli(service, "rotate-identity-secret", "default").stdout.strip().splitlines()[-1]
    saved = cli(service, "save", "default", "--origin", "*", "--identity-verification", "REQUIRED")
    assert json.loads(saved.stdout.strip().splitlines()[-1])["identityVerification"] == "REQUIRED"
    service.services.ingestor.forget_deployment("default")  # saved by another process: no cache to wait out
    body = await service.collect([identify("1", {"email": sign(secret, "cli@shop.example")}, email="cli@shop.example"),
                                  identify("2", email="other@shop.example")], cookie_id="cli")
    assert [e["status"] for e in body["events"]] == ["accepted", "rejected"]


async def test_a_claim_carried_out_again_after_a_cut_is_kept_once(service: Service):
    await verifying(service, "OPTIONAL")
    batch = [pageview("1"), identify("2", email="kim@shop.example")]
    body = await service.collect(batch, cookie_id="retry")
    # As if the service had stopped after noting the claim, before marking the event carried out.
    await service.services.db.events.update_many({"type": "identify"}, {"$unset": {"acted": ""}})
    await service.collect(batch, cookie_id="retry")
    profile = (await service.data(PROFILE, {"c": body["customerIds"][0]}))["customer"]
    assert [i for i in profile["identities"] if not i["verified"]] == [
        {"type": "EMAIL", "value": "kim@shop.example", "verified": False}]
