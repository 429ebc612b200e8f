-- Placeholder for the portal's migration 0005 so this branch's migrations
-- (0007, 0008) have no gap; the merge replaces it with the real 0005.
SELECT 1;
