"""Notifications benchmark: SMPP submit rate and event-to-submit latency through the whole pipeline."""
