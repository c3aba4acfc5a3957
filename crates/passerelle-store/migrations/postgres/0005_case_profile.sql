-- The case's coarse profile for statistics, kept in clear beside the statistical attributes:
-- health and social services region (RSS, separate from the administrative region), the type
-- of trafficking and the forms of exploitation (from the screenings, confirmed by the worker).
ALTER TABLE cases ADD COLUMN hss_region TEXT;
ALTER TABLE cases ADD COLUMN trafficking_type TEXT;
ALTER TABLE cases ADD COLUMN exploitation TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN profile_confirmed BOOLEAN NOT NULL DEFAULT FALSE;
