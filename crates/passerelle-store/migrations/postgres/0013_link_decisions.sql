-- A decision on a link looks up the other links of each of its two cases (to close the
-- alternatives of a confirmed pair, or to refuse a second case of one organization): by
-- either end. The unique (case_a, case_b) index serves case_a; this one serves case_b.
CREATE INDEX child_links_case_b ON child_links (case_b);
