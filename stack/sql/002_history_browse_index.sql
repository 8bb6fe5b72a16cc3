-- Paging the Message History view inside one topic and data type (newest first, keyset on
-- message_timestamp, id). Without it a page of a rare topic scans the time index; measured
-- with bench/history-pages.ts on 1,000,000 rows: 10–28 ms without, 2.5–6.5 ms with.
CREATE INDEX IF NOT EXISTS message_history_browse_idx
    ON message_history (topic, data_type, message_timestamp, id);
