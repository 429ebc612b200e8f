-- honnin issuer schema, version 9: RESERVED for the lead's migration of
-- issue 12 (the merchant branch uses 0010). This placeholder only keeps the
-- numbering gap-free on the merchant branch; drop it when the lead's 0009
-- lands (two 0009 files fail the migration list at test time).
SELECT 1;
