-- eligibility_staging without its primary key (file_id, line_no): the COPY of a 600,000 line
-- file maintained it row by row, a third of the COPY's server time and half its WAL (116 -> 65
-- MB), for no reader that needs it: every statement on a file's rows reads all of them (a
-- sequential scan), the report sorts them by line, and a load starts by deleting what an
-- earlier attempt of the same file left, so no (file, line) is staged twice.
ALTER TABLE eligibility_staging DROP CONSTRAINT eligibility_staging_pkey;
