"""Prometheus metrics of the notifications service."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SMS_OUTCOMES = Counter("anju_sms_outcomes_total", "SMS submit outcomes", ["provider", "status"])
SUBMIT_LATENCY = Histogram(
    "anju_sms_submit_batch_seconds",
    "Time to submit one batch to the provider",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10),
)
WEBHOOK_OUTCOMES = Counter("anju_webhook_deliveries_total", "Office webhook delivery attempts", ["outcome"])
