-- PLACEHOLDER on branch av only, so that 0012_av_keys.sql has no gap
-- before it: the lead's 0011_emv.sql replaces this file at merge.
SELECT 1;
