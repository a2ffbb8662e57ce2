"""Members' writes, one module per concern: enrolment, moves, profiles, customers. Import from the modules."""
