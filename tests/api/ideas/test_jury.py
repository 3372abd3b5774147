"""The jury through the HTTP API: criteria and weights published in advance (and then fixed), jurors appointed by the
organiser, their scores shown by name with the results, and the final ranking computed by hand."""

from __future__ import annotations

import httpx
import pytest

from tests.support.ideas import IdeaEvent
from tests.support.members import Members, quick_member

pytestmark = pytest.mark.anyio

CRITERIA = [{"key": "impact", "title": "Impact", "weight": 3}, {"key": "haalbaar", "title": "Haalbaarheid",
                                                                  "weight": 1}]


async def test_jury_scores_and_the_final_ranking(client: httpx.AsyncClient, members: Members) -> None:
    ideas = await IdeaEvent(client).setup(criteria=CRITERIA, jury_weight=50)
    org = ideas.organiser["headers"]
    anna, bram = await ideas.holder(), await ideas.holder()
    x = (await ideas.submit(anna, title="X"))["id"]
    y = (await ideas.submit(bram, title="Y"))["id"]
    url = f"{ideas.url}/jury"

    published = (await client.get(url)).json()
    assert [c["key"] for c in published["criteria"]] == ["impact", "haalbaar"]
    assert published["jury_weight"] == 50
    assert published["jurors"] == []
    assert published["score_max"] == 10

    judge = await quick_member(name="Jet Jurylid")
    unverified = await quick_member(verified=False)
    assert (await client.post(f"{url}/jurors", json={"email": judge["email"]}, headers=anna["headers"])
            ).status_code == 403
    refused = await client.post(f"{url}/jurors", json={"email": unverified["email"]}, headers=org)
    assert refused.status_code == 422
    assert refused.json()["code"] == "juror_not_a_member"
    appointed = await client.post(f"{url}/jurors", json={"email": judge["email"].upper()}, headers=org)
    assert appointed.status_code == 201, appointed.text
    assert [j["name"] for j in appointed.json()["jurors"]] == ["Jet Jurylid"]
    spare = await quick_member(name="Reserve")
    spare_id = next(j["id"] for j in (await client.post(f"{url}/jurors", json={"email": spare["email"]},
                                                         headers=org)).json()["jurors"] if j["name"] == "Reserve")
    assert (await client.get(url, headers=judge["headers"])).json()["you_are_juror"] is True

    # Jet scores: X impact 10, haalbaar 2 → (30 + 2) / 40 = 0.8; Y impact 4, haalbaar 8 → (12 + 8) / 40 = 0.5.
    scores = [{"idea": x, "criterion": "impact", "score": 10}, {"idea": x, "criterion": "haalbaar", "score": 2},
              {"idea": y, "criterion": "impact", "score": 4}, {"idea": y, "criterion": "haalbaar", "score": 8}]
    assert (await client.put(f"{url}/scores", json={"scores": scores}, headers=anna["headers"])
            ).json()["code"] == "not_a_juror"
    bad = await client.put(f"{url}/scores", json={"scores": [{"idea": x, "criterion": "smaak", "score": 3}]},
                           headers=judge["headers"])
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_jury_score"
    assert bad.json()["errors"][0]["field"] == "scores[0]"
    too_high = await client.put(f"{url}/scores", json={"scores": [{"idea": x, "criterion": "impact", "score": 11}]},
                                headers=judge["headers"])
    assert too_high.status_code == 400
    scored = await client.put(f"{url}/scores", json={"scores": scores}, headers=judge["headers"])
    assert scored.status_code == 200, scored.text
    assert len(scored.json()["scores"]) == 4
    # Criteria and weights were published in advance: they no longer change.
    locked = await client.put(f"{ideas.url}/settings", json={"criteria": CRITERIA[:1], "jury_weight": 50},
                              headers=org)
    assert locked.status_code == 409
    assert locked.json()["code"] == "jury_locked"

    vote = (await client.post(f"{ideas.url}/votes", json={"method": "approval", "choices": 1}, headers=org)).json()
    # The public prefers Y: 2 votes against 1.
    voters = [await ideas.holder() for _ in range(3)]
    for voter, choice in zip(voters, [y, y, x], strict=True):
        cast = await client.post(f"{ideas.url}/votes/{vote['id']}/ballot", json={"choices": [choice]},
                                 headers=voter["headers"])
        assert cast.status_code == 201, cast.text
    await client.post(f"{ideas.url}/votes/{vote['id']}/close", headers=org)
    results = (await client.get(f"{ideas.url}/votes/{vote['id']}/results")).json()
    assert [(s["idea"], s["points"]) for s in results["standings"]] == [(y, 2), (x, 1)]
    assert results["jurors"] == [
        {"juror": "Jet Jurylid", "scores": {str(x): {"haalbaar": 2, "impact": 10},
                                            str(y): {"haalbaar": 8, "impact": 4}}},
        {"juror": "Reserve", "scores": {}},
    ]
    # Final = ½ × public share + ½ × jury: X = ½ × ½ + ½ × 0.8 = 0.65; Y = ½ × 1 + ½ × 0.5 = 0.75.
    final = [(f["idea"], f["public_share"], f["jury_score"], f["final_score"]) for f in results["final"]]
    assert final == [(y, 1.0, 0.5, 0.75), (x, 0.5, 0.8, 0.65)]

    # After the close the published scores stay, and so does a juror who scored.
    late = await client.put(f"{url}/scores", json={"scores": scores[:1]}, headers=judge["headers"])
    assert late.status_code == 409
    assert late.json()["code"] == "idea_result_published"
    jet_id = next(j["id"] for j in published_jurors(await client.get(url)) if j["name"] == "Jet Jurylid")
    stays = await client.delete(f"{url}/jurors/{jet_id}", headers=org)
    assert stays.status_code == 409
    assert stays.json()["code"] == "juror_has_scored"
    removed = await client.delete(f"{url}/jurors/{spare_id}", headers=org)
    assert removed.status_code == 200
    assert [j["name"] for j in removed.json()["jurors"]] == ["Jet Jurylid"]
    assert (await client.delete(f"{url}/jurors/{spare_id}", headers=org)).json()["code"] == "juror_not_found"


def published_jurors(response: httpx.Response) -> list[dict]:
    return list(response.json()["jurors"])
