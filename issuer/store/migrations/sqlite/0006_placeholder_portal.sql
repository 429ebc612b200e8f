-- Placeholder for the portal's migration 0006 so this branch's migrations
-- (0007, 0008) have no gap; the merge replaces it with the real 0006.
SELECT 1;
