export {
  CheckViolation,
  ConnectionError,
  DatabaseError,
  DataError,
  DeadlockDetected,
  FieldError,
  FieldNotLoaded,
  ForeignKeyViolation,
  IntegrityError,
  MultipleObjectsReturned,
  NotNullViolation,
  NotSupportedError,
  ObjectDoesNotExist,
  OperationalError,
  ProtectedError,
  RelationNotLoaded,
  RestrictedError,
  SerializationFailure,
  StrataError,
  type StrataErrorOptions,
  TransactionManagementError,
  TypeMismatchError,
  UniqueViolation,
  ValidationError,
} from './errors.js'
export { Field, type FieldKind, type FieldOptions, type Choice, isField, choiceValue } from './fields/field.js'
export {
  BigIntegerField,
  BinaryField,
  BooleanField,
  CharField,
  type CharOptions,
  DateField,
  DateTimeField,
  type DateTimeOptions,
  DecimalField,
  type DecimalOptions,
  DurationField,
  FloatField,
  IntegerField,
  JsonField,
  normalizeDecimal,
  TimeField,
  UuidField,
} from './fields/scalar.js'
export {
  ForeignKey,
  type ForeignKeyOptions,
  ManyToManyField,
  type ManyToManyOptions,
  type OnDelete,
  RelatedField,
  type RelationTarget,
} from './fields/relation.js'
export { f, type NullFlag, type OptionalFlag } from './fields/index.js'
export {
  allModels,
  type ConstraintSpec,
  getModel,
  type IndexSpec,
  type ModelClassLike,
  ModelMeta,
  type ModelOptions,
  ModelScope,
  type IncomingRelation,
  onResolved,
  type ReverseRelation,
  resolveAll,
  snakeCase,
} from './meta.js'
export {
  cacheAbsentRelation,
  cacheRelation,
  classFor,
  type DeleteResult,
  hydrate,
  instantiate,
  type Instance,
  type InstanceState,
  type LoadedValue,
  model,
  ModelBase,
  type ModelClass,
  type ModelInstance,
  type Resolved,
  type SaveOptions,
  STATE,
} from './model.js'
export { Manager } from './manager.js'
export { clearPrefetchedRows, prefetchedRows, setPrefetchedRows } from './prefetch-cache.js'
export { Prefetch, PrefetchLookup, type PrefetchQuerySet, prefetchRelatedObjects } from './loading.js'
export { childMask, deferAttributes, deferredAttributes, type LoadMask, loadMask, maskedFields } from './deferred.js'
export { SELECT_RELATED_MAX_DEPTH } from './select-related.js'
export type { CheckRelated } from './loading-methods.js'
export { type BulkOption, NullableRelatedManager, RelatedManager } from './related.js'
export { ManyRelatedManager, type ManyItems, type ThroughDefaultsOption } from './related-m2m.js'
export {
  type ConnectOptions,
  type DeleteArgs,
  type M2MAction,
  type M2MChangedArgs,
  m2mChanged,
  type ModelSignal,
  postDelete,
  postSave,
  type PostSaveArgs,
  preDelete,
  preSave,
  type PreSaveArgs,
  type Receiver,
  Signal,
  type SignalArgsOf,
} from './signals.js'
export { type DeleteOptions } from './deletion.js'
export { type BooleanExpression, type FilterInput, initialState, QuerySet } from './queryset.js'
export type { ValuesTuple } from './lookup-types.js'
export type { ForUpdate, LockTarget, SelectForUpdateOptions } from './select-for-update.js'
export {
  Aggregate,
  type AggregateKind,
  type AggregateOptions,
  Avg,
  Combined,
  Count,
  Expression,
  F,
  FieldRef,
  isExpression,
  isQ,
  Max,
  Min,
  type NullsOrder,
  OrderBy,
  OuterRef,
  OuterRefExpr,
  Q,
  QNode,
  Sum,
  Value,
  ValueExpr,
  Case,
  CaseExpr,
  When,
  WhenExpr,
  Subquery,
  Exists,
  SubqueryExpr,
  type SubqueryInput,
} from './expressions.js'
export {
  Abs, CAST_KINDS, Cast, type CastKind, Ceil, ExpressionWrapper, Coalesce, Concat, EXTRACT_KINDS, Extract, ExtractDay, ExtractHour, ExtractIsoWeekDay,
  ExtractIsoYear, type ExtractKind, ExtractMinute, ExtractMonth, ExtractQuarter, ExtractSecond, ExtractWeek, ExtractWeekDay, ExtractYear,
  Floor, FuncExpr, type FuncArg, type FuncName, FUNCTIONS, Greatest, Least, Length, Lower, LTrim, Mod, Now, NullIf, Power, Replace, Round,
  RTrim, Substr, Trim, TRUNC_KINDS, Trunc, TruncDate, TruncDay, TruncHour, type TruncKind, TruncMinute, TruncMonth, TruncQuarter,
  TruncSecond, TruncWeek, TruncYear, Upper,
} from './functions.js'
export { isLookup, isTransform, LOOKUPS, type LookupArity, RELATION_LOOKUPS, TEXT_KINDS, TRANSFORMS, type TransformSpec } from './lookups.js'
export { isBuiltinName, isJsonLookup, JSON_LOOKUPS, type JsonLookupArity } from './lookups.js'
export {
  type CustomLookupRhs, customLookup, customTransform, type FieldClass, type LookupContext, type LookupDefinition, registerLookup,
  registerTransform, registryVersion, type SqlFragment, type SqlTag, type TransformContext, type TransformDefinition, unregisterLookup, unregisterTransform,
} from './custom-lookups.js'
export { isJsonValue, jsonProblem, transformOutput } from './lookup-resolve.js'
export type {
  Combinator,
  Condition,
  DeferredLoading,
  Hop,
  JsonPathStep,
  PartitionSlice,
  PrefetchSpec,
  RelatedSelection,
  OrderTerm,
  QueryState,
  ResolvedExpr,
  ResolvedPath,
  ResultKind,
  SelectedValue,
  WhereNode,
  WhereTree,
} from './state.js'
export { type Assignment, type BulkUpdateRow, type CompiledSql, type Engine, type UpdateConflicts, getEngine, registerEngine, unregisterEngine } from './engine.js'
export { DEFAULT_CHUNK_SIZE, type IteratorOptions } from './iterator.js'
export type { BulkCreateOptions } from './bulk.js'
export { checkExplainOptions, EXPLAIN_FLAGS, EXPLAIN_FORMATS, type ExplainFlag, type ExplainFormat, type ExplainOptions, type ExplainRequest } from './explain.js'
export { exprField, pathOutputField, pseudoField, type ResolveContext, resolveExpression, resolveFieldPath, resolveLookup, resolveOrderName, resolveWhere } from './resolve.js'
export type {
  AnyInstance,
  CreateInput,
  FieldShape,
  FieldsOf,
  FieldsShape,
  InstanceData,
  ModelBrand,
  Models,
  NameOf,
  PkOf,
  PkType,
  RowData,
  Simplify,
  TargetInstance,
  UpdateInput,
  MODEL,
} from './types.js'
export type {
  AnnotationResults,
  CheckAggregates,
  CheckAnnotations,
  CheckPaths,
  CustomLookups,
  CustomTransforms,
  ExprResult,
  Invalid,
  JsonValue,
  KindValue,
  Lookups,
  ParseKey,
  QuerySetLike,
  ReverseIndex,
  Suggestions,
  ValuesRow,
} from './lookup-types.js'
