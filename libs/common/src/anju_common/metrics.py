"""Prometheus metrics shared by the services."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "anju_http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "anju_http_request_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_PUBLISHED = Counter("anju_outbox_published_total", "Outbox events published to Kafka")
OUTBOX_PENDING = Gauge("anju_outbox_pending", "Outbox events waiting (0 after an empty poll)")
EVENTS_CONSUMED = Counter(
    "anju_events_consumed_total", "Events handled by consumers", ["consumer", "type", "outcome"]
)
EVENT_LATENCY = Histogram(
    "anju_event_handle_seconds",
    "Time to handle one consumed event",
    ["consumer"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 5),
)
DEAD_LETTERS = Counter("anju_dead_letters_total", "Messages sent to a dead-letter topic", ["consumer"])
