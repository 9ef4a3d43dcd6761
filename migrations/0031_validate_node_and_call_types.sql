-- Second half of 0030: check the existing rows against the new format CHECKs, so the
-- planner and a DBA can rely on them (convalidated = true). Its own migration, hence its
-- own transaction: VALIDATE CONSTRAINT scans the table under SHARE UPDATE EXCLUSIVE only
-- (reads, inserts, updates and deletes go on; only DDL and VACUUM wait), so on a 100M-row
-- table the scan may take minutes without blocking the application. Every row written
-- before 0030 passed the old closed list, whose values all match the format.
-- depends: 0030_open_node_and_call_types

SET lock_timeout = '1s';
-- VALIDATE scans each table under SHARE UPDATE EXCLUSIVE (writers go on); on 100M rows
-- that takes minutes, so the bound is generous: it only stops a runaway scan.
SET statement_timeout = '2h';

ALTER TABLE nodes
    VALIDATE CONSTRAINT check_nodes_node_type_format;

ALTER TABLE llm_call_history
    VALIDATE CONSTRAINT check_lch_call_type_format;
