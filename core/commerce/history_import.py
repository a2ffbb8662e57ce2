"""Historic orders import for a company migrating from another system (work in progress).

Every row is validated first; the whole file is written or nothing is (mirrors core.members.importing).
"""
