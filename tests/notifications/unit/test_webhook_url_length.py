"""A webhook URL longer than the stored column is a 422 naming the field, not a database error (API fuzz)."""

from __future__ import annotations

import pytest
from notifications.schemas import WEBHOOK_URL_MAX, WebhookCreate
from pydantic import ValidationError


def test_urls_that_do_not_fit_the_column_are_refused() -> None:
    host = "a" * 60 + "." + "b" * 60 + ".com"
    fits = f"https://{host}/" + "c" * (WEBHOOK_URL_MAX - len(host) - 9)
    assert len(str(WebhookCreate.model_validate({"url": fits}).url)) == WEBHOOK_URL_MAX
    for too_long in (fits + "c", "https://" + ".".join(["a" * 63] * 30)):
        with pytest.raises(ValidationError) as err:
            WebhookCreate.model_validate({"url": too_long})
        assert err.value.errors()[0]["loc"] == ("url",)
    assert WebhookCreate.model_json_schema()["properties"]["url"]["maxLength"] == WEBHOOK_URL_MAX
