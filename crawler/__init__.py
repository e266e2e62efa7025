"""Consent dark-pattern crawler: replays user journeys in Chromium and flags consent dark patterns."""

__version__ = "0.1.0"
