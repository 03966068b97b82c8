"""Answer: the cited answer built from the retrieved passages (sentence choice, confidence, answer types,
sentence vectors, the fitted answer models) and referrals to other agencies. Reads retrieve/, never reports/."""
