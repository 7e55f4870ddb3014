import pickle

from identity import InvalidIdentity


def test_message_is_field_then_reason():
    error = InvalidIdentity("email", "must not be blank")
    assert str(error) == "email: must not be blank"


def test_exposes_field_and_reason():
    error = InvalidIdentity("phone", "is not a valid phone number")
    assert (error.field, error.reason) == ("phone", "is not a valid phone number")


def test_is_a_value_error():
    assert issubclass(InvalidIdentity, ValueError)


def test_survives_pickling():
    restored = pickle.loads(pickle.dumps(InvalidIdentity("cookieId", "must not be blank")))
    assert (restored.field, restored.reason, str(restored)) == (
        "cookieId",
        "must not be blank",
        "cookieId: must not be blank",
    )
