// The 'use cache' store of the example (next.config.ts cacheHandlers.default): Next's own
// in-memory handler, unchanged. When BFF_EXAMPLE_CACHE_LOG names a file, every key, tag and value it
// is given is appended to it as one JSON line, so a test can prove no token ever reaches the cache
// (tests/integration/cache-components.test.ts). Nothing is recorded otherwise.
//
// A shared store for several instances (Redis, …) is a handler like this one; without it each
// instance has its own cache, and a logout on one expires the user's entries on that one only.
const { appendFileSync } = require('node:fs');
// Next's default handler (an implementation detail of next 16.4, which the example pins).
const { createDefaultCacheHandler } = require('next/dist/server/lib/cache-handlers/default');

const inner = createDefaultCacheHandler(50 * 1024 * 1024);
const log = process.env.BFF_EXAMPLE_CACHE_LOG;
const record = (line) => appendFileSync(log, `${JSON.stringify(line)}\n`);

module.exports = log
  ? {
      async get(cacheKey, softTags) {
        const entry = await inner.get(cacheKey, softTags);
        record({ op: 'get', key: cacheKey, hit: entry !== undefined });
        return entry;
      },
      async set(cacheKey, pendingEntry) {
        const entry = await pendingEntry;
        const [mine, theirs] = entry.value.tee();
        const text = await new Response(mine).text();
        record({ op: 'set', key: cacheKey, tags: entry.tags, value: text });
        return inner.set(cacheKey, Promise.resolve({ ...entry, value: theirs }));
      },
      refreshTags: () => inner.refreshTags(),
      getExpiration: (tags) => inner.getExpiration(tags),
      async updateTags(tags, durations) {
        record({ op: 'updateTags', tags, durations });
        return inner.updateTags(tags, durations);
      },
    }
  : inner;
