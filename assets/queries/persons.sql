-- persons: the default query (column contract in docs/procapita-schema.md).
SELECT person_id, given_name, family_name, personal_number, email, protected_identity, deregistered, deceased
FROM person
