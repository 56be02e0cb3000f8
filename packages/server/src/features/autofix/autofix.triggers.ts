/**
 * The ledger triggers of the GitHub loop's CI and review work (shared convention, so `ledger.count` by prefix
 * counts the right rows): each prefix ends with a separator (`@`, `#`), so PR #1's never counts PR #12's.
 */
export function triggers(repo: string, number: number, sha?: string, reviewId?: number) {
  return {
    /** ci_fix, once per failing commit. */
    ci: `ci:${repo}#${number}@${sha ?? ''}`,
    /** Every ci_fix of this PR (the per-PR cap). */
    ciPr: `ci:${repo}#${number}@`,
    /** Every ci_fix of the repository (the per-day cap, with a since). */
    ciRepo: `ci:${repo}#`,
    /** The one re-dispatch of this PR, and every re-dispatch of the repository (they count against the day cap). */
    ciNew: `ci-new:${repo}#${number}`,
    ciNewRepo: `ci-new:${repo}#`,
    /** The one CI escalation of this PR. */
    ciCap: `ci-cap:${repo}#${number}`,
    /** review_fix, once per review, and every one of this PR. */
    review: `review:${repo}#${number}#${reviewId ?? ''}`,
    reviewPr: `review:${repo}#${number}#`,
    reviewCap: `review-cap:${repo}#${number}`,
  };
}
