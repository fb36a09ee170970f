"""Reports for advertisers and analysts, built from the analyst queries in sql/queries/."""
