-- Employer eligibility files: each submitted roster, its progress and outcome, and the
-- staging rows the gateway worker bulk-loads (COPY) before applying them set-based.

CREATE TABLE eligibility_files (
    id                    uuid PRIMARY KEY,
    employer_id           uuid NOT NULL REFERENCES employers (id),
    bucket                text NOT NULL,
    object_key            text NOT NULL,
    status                text NOT NULL DEFAULT 'queued'
                          CHECK (status IN ('queued', 'processing', 'needs_confirmation', 'done', 'failed')),
    rows_read             int NOT NULL DEFAULT 0 CHECK (rows_read >= 0),
    accepted              int NOT NULL DEFAULT 0 CHECK (accepted >= 0),
    rejected              int NOT NULL DEFAULT 0 CHECK (rejected >= 0),
    members_updated       int NOT NULL DEFAULT 0 CHECK (members_updated >= 0),
    records_upserted      int NOT NULL DEFAULT 0 CHECK (records_upserted >= 0),
    terminated            int NOT NULL DEFAULT 0 CHECK (terminated >= 0),
    -- Set while the file waits in needs_confirmation: how many members it would end.
    terminations_pending  int CHECK (terminations_pending >= 0),
    active_members        int CHECK (active_members >= 0),
    report_key            text,
    error                 text,
    attempts              int NOT NULL DEFAULT 0,
    submitted_by          uuid REFERENCES users (id),
    confirmed_by          uuid REFERENCES users (id),
    confirmed_at          timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    started_at            timestamptz,
    finished_at           timestamptz,
    updated_at            timestamptz NOT NULL DEFAULT now()
);
-- One submission per object: the report goes create-only next to it, so a second run of the
-- same key could not write its own.
CREATE UNIQUE INDEX eligibility_files_object_key ON eligibility_files (bucket, object_key);
CREATE INDEX eligibility_files_employer_idx ON eligibility_files (employer_id, created_at DESC);

-- Every data line of a file being processed: the typed values of an accepted line, or the
-- reason it was rejected (with its email when the address itself was valid: that employee
-- is still listed, so is not terminated). Rows live from the load until the file is done
-- (kept while it waits for an admin's confirmation: terminations are computed from them).
-- No foreign key: COPY of 600,000 rows should not check one per row.
CREATE TABLE eligibility_staging (
    file_id     uuid NOT NULL,
    line_no     int NOT NULL,
    email       text,
    full_name   text,
    country     char(2),
    birth_date  date,
    salary      numeric(14, 2),
    reason      text,
    PRIMARY KEY (file_id, line_no),
    CHECK (reason IS NOT NULL OR (email IS NOT NULL AND country IS NOT NULL))
);
