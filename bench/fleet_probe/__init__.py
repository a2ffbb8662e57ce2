"""A bench-only tenant app whose second migration plays "one new migration" for `make bench NAME=fleet`.

Installed only by bench.fleet_settings; FLEET_PHASE=1 (default) knows migration 0001, FLEET_PHASE=2 adds 0002.
"""
