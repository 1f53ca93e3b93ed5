-- schoolUnitForms: the default query (column contract in docs/procapita-schema.md).
SELECT unit_id, school_form, start_date, end_date
FROM school_unit_form
