export { modelsToCreate, pushSchema, type PushSchemaOptions } from './push-schema.js'
