"""CSV import of many tasks: an upload is checked and stored, then a job imports it batch by batch.

The upload is refused whole (422, nothing stored) when the file itself is wrong: not UTF-8, too big, too many
rows, unreadable CSV, or a header that does not match the task type (unknown, repeated or missing required
columns). Otherwise the text is stored with its row count and the job is enqueued in the same transaction.

The job streams the stored text and works in batches of :data:`service.importing.BATCH_ROWS` rows. Each batch
is one transaction that writes the accepted rows' tasks and ``created`` events in bulk, one report line per
row (accepted with its task, or rejected with one error per bad column), one outbox row that announces the
batch's new tasks, and the import's progress. The report lines are the job's bookmark: a run resumes after the
highest row number already reported, so a job that crashed, or runs twice, never imports a row twice.

``service/upload`` checks and stores the file, ``service/reports`` reads imports and their report lines,
``service/importing`` imports the rows; ``jobs`` registers the two jobs. The limits and the batch size are
read from the submodule that uses them (patch them there).
"""
