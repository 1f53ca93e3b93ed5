-- groupMemberships: the default query (column contract in docs/procapita-schema.md).
-- Rows that ended before @history_from (the sync date minus one year) cannot pass any rule.
SELECT group_id, person_id, start_date, end_date
FROM group_membership
WHERE end_date IS NULL OR end_date >= @history_from
