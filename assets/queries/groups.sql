-- groups: the default query (column contract in docs/procapita-schema.md).
-- Rows that ended before @history_from (the sync date minus one year) cannot pass any rule.
SELECT group_id, unit_id, school_form, name, start_date, end_date
FROM student_group
WHERE end_date IS NULL OR end_date >= @history_from
