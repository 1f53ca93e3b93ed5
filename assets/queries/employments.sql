-- employments: the default query (column contract in docs/procapita-schema.md).
-- Rows that ended before @history_from (the sync date minus one year) cannot pass any rule.
SELECT employment_id, person_id, unit_id, start_date, end_date
FROM employment
WHERE end_date IS NULL OR end_date >= @history_from
