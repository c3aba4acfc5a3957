-- A confirmation can be undone (the coordinator confirmed the wrong look-alike): the
-- proposals it closed as alternatives must then be open again, so each closed proposal
-- names the confirmation that closed it. No foreign key: a backup restores the rows in any
-- order, and confirmed links are never deleted while one names them.
ALTER TABLE child_links ADD COLUMN superseded_by BLOB;
CREATE INDEX child_links_superseded_by ON child_links (superseded_by);
