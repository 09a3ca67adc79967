export { type AtomicOptions, atomic, inAtomicBlock } from './atomic.js'
export { getRollback, onCommit, type OnCommitOptions, setRollback } from './block.js'
export { ISOLATION_LEVELS, type IsolationLevel, setOnCommitErrorHandler } from '@strata/query'
