"""The ad CTR product: pure math for smoothed CTR and budget pacing (the job and loader call it)."""
