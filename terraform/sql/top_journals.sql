-- Journal(s) mentioning the largest number of distinct drugs, across both sources
-- (PubMed and clinical trials). Ties are all returned, sorted by journal name.
-- Terraform renders ${mentions_table} (project.dataset.mentions) when it creates the
-- `top_journals` view; to run it by hand, replace it with the table id.
WITH drugs_per_journal AS (
  SELECT
    journal,
    COUNT(DISTINCT drug) AS distinct_drugs
  FROM `${mentions_table}`
  WHERE journal IS NOT NULL
    AND TRIM(journal) != ''
  GROUP BY journal
)
SELECT
  journal,
  distinct_drugs
FROM drugs_per_journal
WHERE distinct_drugs = (SELECT MAX(distinct_drugs) FROM drugs_per_journal)
ORDER BY distinct_drugs DESC, journal ASC
