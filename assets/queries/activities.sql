-- activities: the default query (column contract in docs/procapita-schema.md).
-- Rows that ended before @history_from (the sync date minus one year) cannot pass any rule.
SELECT activity_id, unit_id, school_form, name, notes, start_date, end_date, cancelled
FROM activity
WHERE end_date IS NULL OR end_date >= @history_from
