-- classStaff: the default query (column contract in docs/procapita-schema.md).
SELECT class_id, person_id
FROM class_staff
