"""Pure helpers of the shared kit: masking, redaction, cursors, field encryption, preconditions."""

from __future__ import annotations

import base64
import os

import pytest
from anju_common.crypto import DecryptionError, FieldCipher
from anju_common.errors import PreconditionFailedError, check_version, parse_if_match
from anju_common.pagination import decode_cursor, encode_cursor
from anju_common.pii import mask_id_number, mask_phone, redact, redact_text
from anju_common.problems import Problem


def test_masks() -> None:
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("110105199001011234") == "110105********1234"
    assert mask_phone(None) is None


@pytest.mark.parametrize(
    "text",
    ["call 13812345678 now", "phone=+86 138 1234 5678", "id 11010519900101123X here", "+8613812345678"],
)
def test_redaction_leaves_no_full_number(text: str) -> None:
    out = redact_text(text)
    assert "12345678" not in out.replace(" ", "")
    assert "19900101" not in out


def test_redaction_walks_nested_values() -> None:
    out = redact({"a": ["13812345678", {"b": "110105199001011234"}], "n": 5})
    assert out == {"a": ["138****5678", {"b": "110105********1234"}], "n": 5}


def test_cursor_round_trip_and_tampering() -> None:
    cur = encode_cursor(["2026-01-01T00:00:00", "id"])
    assert decode_cursor(cur, 2) == ["2026-01-01T00:00:00", "id"]
    assert decode_cursor(None, 2) is None
    for bad in ("!!!", encode_cursor(["only-one"]), base64.urlsafe_b64encode(b"{}").decode()):
        with pytest.raises(Problem) as err:
            decode_cursor(bad, 2)
        assert err.value.status == 400


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_cipher_round_trip_rotation_and_tamper_detection() -> None:
    old = FieldCipher.from_config(f"k1:{_key()}", "h")
    token = old.encrypt("+8613812345678", context="phone")
    assert token.startswith("k1:") and "13812345678" not in token
    rotated = FieldCipher.from_config(
        f"k1:{old.keys['k1'] and base64.urlsafe_b64encode(old.keys['k1']).decode()},k2:{_key()}", "h"
    )
    assert rotated.active_kid == "k2"
    assert rotated.decrypt(token, context="phone") == "+8613812345678"
    assert rotated.needs_rotation(token)
    with pytest.raises(DecryptionError):
        rotated.decrypt(token, context="id_number")
    with pytest.raises(DecryptionError):
        rotated.decrypt(token[:-4] + "AAAA", context="phone")
    assert (
        old.blind_index("x")
        == rotated.blind_index("x")
        != FieldCipher.from_config(f"k:{_key()}", "other").blind_index("x")
    )
    with pytest.raises(ValueError):
        FieldCipher.from_config("k1:c2hvcnQ=", "h")


def test_preconditions() -> None:
    assert parse_if_match('W/"3"') == 3 and parse_if_match('"4"') == 4 and parse_if_match(None) is None
    with pytest.raises(Problem):
        parse_if_match("abc")
    check_version(3, 3, None)
    with pytest.raises(PreconditionFailedError):
        check_version(3, 2, None)
    with pytest.raises(Problem) as conflict:
        check_version(3, None, 2)
    assert conflict.value.status == 409
    with pytest.raises(Problem) as missing:
        check_version(3, None, None)
    assert missing.value.status == 428
