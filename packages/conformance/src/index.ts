import { afterAll, beforeAll, beforeEach, describe } from 'vitest'
import { type Blog, ConformanceContext, type ConformanceTarget, LIMITED_ACQUIRE_TIMEOUT } from './context.js'
import { badInputSuite } from './suites/bad-input.js'
import { bulkSuite } from './suites/bulk.js'
import { castSuite } from './suites/casts.js'
import { dateSuite } from './suites/dates.js'
import { combinatorSuite } from './suites/combinators.js'
import { explainSuite } from './suites/explain.js'
import { expressionSuite } from './suites/expressions.js'
import { functionSuite } from './suites/functions.js'
import { instanceSuite } from './suites/instances.js'
import { jsonSuite } from './suites/json.js'
import { customLookupSuite } from './suites/custom-lookups.js'
import { iteratorSuite } from './suites/iterator.js'
import { loadingSuite } from './suites/loading.js'
import { deferredSuite } from './suites/deferred.js'
import { prefetchSuite } from './suites/prefetch.js'
import { planCacheSuite } from './suites/plan-cache.js'
import { lookupSuite } from './suites/lookups.js'
import { deletionSuite } from './suites/deletion.js'
import { managerSuite } from './suites/managers.js'
import { signalSuite } from './suites/signals.js'
import { methodSuite } from './suites/methods.js'
import { migrationSuite } from './suites/migrations.js'
import { migrationHistorySuite } from './suites/migrations-history.js'
import { querySetSuite } from './suites/querysets.js'
import { relationSuite } from './suites/relations.js'
import { typeSuite } from './suites/types.js'
import { rowLockSuite } from './suites/row-locks.js'
import { transactionLoadSuite } from './suites/transaction-load.js'
import { transactionSuite } from './suites/transactions.js'

export * from './models.js'
export { type Blog, ConformanceContext, type ConformanceTarget, LIMITED_ACQUIRE_TIMEOUT }

/**
 * Registers the behavioural suite for one database: every dialect package runs it against its
 * real server from `test/conformance.test.ts`. Differences between databases are read from
 * `dialect.features`, never from the dialect's name.
 * @example runConformance({ name: 'sqlite :memory:', dialect: () => sqlite() })
 */
export function runConformance(target: ConformanceTarget): void {
  describe(`conformance: ${target.name}`, () => {
    const ctx = new ConformanceContext(target)
    beforeAll(() => ctx.start())
    afterAll(() => ctx.stop())
    beforeEach(() => ctx.clean())
    instanceSuite(ctx)
    querySetSuite(ctx)
    methodSuite(ctx)
    lookupSuite(ctx)
    jsonSuite(ctx)
    customLookupSuite(ctx)
    expressionSuite(ctx)
    functionSuite(ctx)
    dateSuite(ctx)
    relationSuite(ctx)
    managerSuite(ctx)
    deletionSuite(ctx)
    signalSuite(ctx)
    typeSuite(ctx)
    badInputSuite(ctx)
    combinatorSuite(ctx)
    loadingSuite(ctx)
    prefetchSuite(ctx)
    deferredSuite(ctx)
    castSuite(ctx)
    transactionSuite(ctx)
    rowLockSuite(ctx)
    transactionLoadSuite(ctx)
    migrationSuite(ctx)
    migrationHistorySuite(ctx)
    iteratorSuite(ctx)
    bulkSuite(ctx)
    explainSuite(ctx)
    planCacheSuite(ctx)
  })
}
