"""Progressive demotion's writes, one module per concern: policies, evaluation, notices, reinstatement. Import from the
modules."""
