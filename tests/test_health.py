from __future__ import annotations


def test_healthz_says_the_process_is_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database_and_the_broker(client, db):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] == "ok"


def test_the_openapi_schema_describes_the_diary(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/diary/{day}/" in schema["paths"]
    assert "put" in schema["paths"]["/api/v1/diary/{day}/"]
    assert "/api/v1/care-links/redeem/" in schema["paths"]


def test_the_api_docs_page_renders(client, db):
    assert client.get("/api/docs/").status_code == 200


def test_an_api_url_that_matches_nothing_answers_json(client, db):
    response = client.get("/api/v1/flags/not-a-number/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
