"""Database guards on the two trees, so no code path (a race, a hand edit, a future bug) can store a loop.

* A CHECK per tree, on the row alone: a stored path ends with the member itself, names it nowhere else (a member
  is never its own ancestor), and its length matches the depth. Empty paths are allowed (the holding tank, and a
  new member's row before it is attached in the same transaction).
* A constraint trigger per tree, deferred to commit, on every row whose parent changed: its path must be its
  parent's path plus itself. A move rewrites a subtree's paths and then its parent in two statements, so this can
  only be checked at commit; checking only rows whose parent changed keeps it to one primary-key lookup per moved
  member (a 500k-member leg moved as one subtree is one check). Together with the CHECK, every parent chain strictly
  shortens the path, so parent links cannot loop. Rows inserted by the bulk importer are not checked here (their
  paths are built from the parents in the same transaction); ``manage.py check_trees`` checks everything.
The schema is taken from the trigger (``TG_TABLE_SCHEMA``), so a commit after the connection switched company
still checks the right table.
"""

from django.db import migrations

CHECK = """
ALTER TABLE members_member ADD CONSTRAINT member_{tree}_path_valid CHECK (
    cardinality({tree}_path) = 0 OR (
        {tree}_path[cardinality({tree}_path)] = id
        AND {tree}_depth = cardinality({tree}_path) - 1
        AND NOT id = ANY({tree}_path[1:cardinality({tree}_path) - 1])
    )
);
"""

FUNCTION = """
CREATE FUNCTION member_tree_parent_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tree text := TG_ARGV[0];
    parent_col text := CASE TG_ARGV[0] WHEN 'sponsor' THEN 'sponsor_id' ELSE 'placement_parent_id' END;
    path_col text := TG_ARGV[0] || '_path';
    ok boolean;
BEGIN
    EXECUTE format(
        'SELECT CASE WHEN m.%1$I IS NULL THEN cardinality(m.%2$I) <= 1 '
        '            ELSE cardinality(p.%2$I) > 0 AND m.%2$I = p.%2$I || m.id END '
        '  FROM %3$I.%4$I m LEFT JOIN %3$I.%4$I p ON p.id = m.%1$I WHERE m.id = $1',
        parent_col, path_col, TG_TABLE_SCHEMA, TG_TABLE_NAME
    ) INTO ok USING NEW.id;
    IF ok IS FALSE THEN
        RAISE EXCEPTION USING
            ERRCODE = 'check_violation',
            MESSAGE = format('member %s: its %s path does not continue its parent''s path (a loop?)', NEW.id, tree);
    END IF;
    RETURN NULL;
END
$$;
"""

TRIGGER = """
CREATE CONSTRAINT TRIGGER member_{tree}_parent_check AFTER UPDATE OF {parent} ON members_member
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.{parent} IS DISTINCT FROM NEW.{parent})
    EXECUTE FUNCTION member_tree_parent_check('{tree}');
"""

TREES = (("sponsor", "sponsor_id"), ("placement", "placement_parent_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_downline_counts"),
    ]

    operations = [
        migrations.RunSQL(
            "".join(CHECK.format(tree=tree) for tree, _ in TREES)
            + FUNCTION
            + "".join(TRIGGER.format(tree=tree, parent=parent) for tree, parent in TREES),
            "".join(f"DROP TRIGGER member_{tree}_parent_check ON members_member;" for tree, _ in TREES)
            + "DROP FUNCTION member_tree_parent_check();"
            + "".join(f"ALTER TABLE members_member DROP CONSTRAINT member_{tree}_path_valid;" for tree, _ in TREES),
        ),
    ]
