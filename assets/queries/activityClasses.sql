-- activityClasses: the default query (column contract in docs/procapita-schema.md).
SELECT activity_id, class_id
FROM activity_class
