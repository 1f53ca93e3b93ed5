-- activityGroups: the default query (column contract in docs/procapita-schema.md).
SELECT activity_id, group_id
FROM activity_group
