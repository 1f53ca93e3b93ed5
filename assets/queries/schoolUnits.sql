-- schoolUnits: the default query (column contract in docs/procapita-schema.md).
SELECT unit_id, unit_code, name, start_date, end_date
FROM school_unit
