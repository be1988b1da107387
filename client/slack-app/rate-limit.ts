/**
 * Requests per Slack user in a sliding window: a person (or a script with their session) mashing the
 * buttons becomes a few workflow calls, not a storm. In memory, bounded in users (oldest forgotten).
 */
export function createUserRateLimit(limit: number, windowMs: number, maxUsers = 10_000): (user: string, nowMs?: number) => boolean {
  const hits = new Map<string, number[]>();
  return (user, nowMs = Date.now()) => {
    const recent = (hits.get(user) ?? []).filter((t) => nowMs - t < windowMs);
    const allowed = recent.length < limit;
    if (allowed) recent.push(nowMs);
    hits.delete(user); // re-inserted last: the map's order is the eviction order
    hits.set(user, recent);
    if (hits.size > maxUsers) hits.delete(hits.keys().next().value!);
    return allowed;
  };
}
