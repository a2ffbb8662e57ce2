"""Company portability: one company (its schema, media files and public-schema rows) into one archive, and back into
this or another Canopy installation under any subdomain. docs/portability.md says how to use it and what it keeps.

archive.py   the archive's layout and manifest, table and checksum queries shared by both directions
export.py    company_export: a consistent snapshot (one REPEATABLE READ transaction) written to a tar.gz
importing.py company_import: one transaction (all or nothing), schema cloned from the template then COPY per table
public_rows.py the public-schema rows that belong to a company, and how their keys are remapped on import
"""
