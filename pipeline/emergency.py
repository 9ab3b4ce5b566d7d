"""The number an emergency care card tells readers to call, by region.

A locale with a ``region`` in ``locales/locales.yaml`` shows its region's medical
emergency number on emergency care cards: the ``emergency_number`` configured for it,
or else the one in ``MEDICAL_EMERGENCY`` below. Either way the number must be an
emergency number of that region according to ``phonenumbers`` (Google's
libphonenumber metadata); a locale without a region shows no number at all, never a
guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

__all__ = ["MEDICAL_EMERGENCY", "emergency_number"]

MEDICAL_EMERGENCY: dict[str, str] = {
    # Where a dedicated ambulance / medical number exists, that one (it reaches a
    # clinician soonest); otherwise the general emergency number.
    "AE": "998",
    "AR": "107",
    "AT": "144",
    "AU": "000",
    "BE": "112",
    "BR": "192",
    "CA": "911",
    "CH": "144",
    "CN": "120",
    "CO": "123",
    "DE": "112",
    "EG": "123",
    "ES": "112",
    "FR": "15",
    "GB": "999",
    "HK": "999",
    "IE": "112",
    "IN": "108",
    "IT": "118",
    "JP": "119",
    "KR": "119",
    "MX": "911",
    "NL": "112",
    "NZ": "111",
    "PL": "112",
    "PT": "112",
    "SA": "997",
    "SE": "112",
    "SG": "995",
    "TR": "112",
    "TW": "119",
    "US": "911",
    "ZA": "10177",
}
"""Curated medical emergency numbers by ISO 3166-1 alpha-2 region (each one also
passes ``phonenumbers.is_emergency_number`` for its region: a test holds them to it)."""


@dataclass(frozen=True)
class EmergencyNumber:
    """A region's emergency number, or why there is none (``problem``)."""

    number: str | None
    problem: str | None = None


def emergency_number(region: str | None, configured: str | None) -> EmergencyNumber:
    """The number to show for ``region``: ``configured`` if given, else the curated one.

    No region gives no number (and no problem) unless a number is configured without
    one. A number that ``phonenumbers`` does not know as an emergency number of the
    region is a problem, curated or configured."""
    if region is None:
        if configured is not None:
            return EmergencyNumber(
                None,
                f"emergency_number {configured!r} needs a region (ISO 3166-1 alpha-2, "
                "e.g. region: ES) to be checked against",
            )
        return EmergencyNumber(None)
    if region not in phonenumbers.SUPPORTED_REGIONS:
        return EmergencyNumber(None, f"region {region!r} is not an ISO 3166-1 alpha-2 region")
    number = configured if configured is not None else MEDICAL_EMERGENCY.get(region)
    if number is None:
        return EmergencyNumber(
            None,
            f"careloc has no curated medical emergency number for region {region!r}; "
            "set emergency_number for this locale",
        )
    if not phonenumbers.is_emergency_number(number, region):
        return EmergencyNumber(
            None, f"{number!r} is not an emergency number in region {region!r} (phonenumbers)"
        )
    return EmergencyNumber(number)
