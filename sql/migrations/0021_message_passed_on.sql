-- Messages of the outbox channel are passed on by staff themselves (usually by phone): the
-- outbox page records who marked one as passed on, and when, so the list of messages still to
-- phone shrinks as the desk works through it.
ALTER TABLE messages
    ADD COLUMN passed_on_at  timestamptz,
    ADD COLUMN passed_on_by  uuid REFERENCES users (id),
    ADD CONSTRAINT messages_passed_on_outbox CHECK (passed_on_at IS NULL OR channel = 'outbox');
