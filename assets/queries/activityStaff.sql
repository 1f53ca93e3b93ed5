-- activityStaff: the default query (column contract in docs/procapita-schema.md).
SELECT activity_id, person_id
FROM activity_staff
