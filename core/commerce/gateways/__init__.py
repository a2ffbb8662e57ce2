"""Outside payment providers, behind small functions that take plain values (no models), so services stay testable
against the localstripe emulator and a provider can be swapped without touching the order flow."""
