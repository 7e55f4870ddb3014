import math

from prediction.labels import describe


def test_pageviews_are_counted():
    assert describe("pageviews", {"pageviews": math.log1p(5)}) == "5 pages viewed"


def test_a_single_search_reads_as_searched():
    assert describe("searches", {"searches": math.log1p(1)}) == "searched"


def test_paid_campaign_reads_as_such():
    assert describe("paid_campaign", {"paid_campaign": 1.0}) == "came from a paid campaign"


def test_device_names_the_session_s_device():
    assert describe("device", {"device:mobile": 1.0}) == "on a mobile device"


def test_unknown_custom_events_are_quoted_by_name():
    label = describe("name:video_play", {"name:video_play": math.log1p(3)})

    assert label == 'triggered "video_play" (3×)'


def test_other_kinds_are_phrased_from_the_kind():
    assert describe("kind:FORM_SUBMITTED", {}) == "has not submitted a form"
