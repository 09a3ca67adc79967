import { QuestionError } from './errors.js'
import type { FieldDef } from './deconstruct.js'

/**
 * What `makemigrations` asks when the models alone cannot tell (Django's `MigrationQuestioner`):
 * renames, and values for rows that exist when a field becomes NOT NULL.
 */
export interface Questioner {
  /** Was model `oldName` renamed to `newName` (their fields are the same)? */
  askRenameModel(oldName: string, newName: string): Promise<boolean>
  /** Was field `model.oldName` renamed to `model.newName` (same definition)? */
  askRenameField(model: string, oldName: string, newName: string, def: FieldDef): Promise<boolean>
  /** A one-off value for existing rows when a NOT NULL field without a default is added. */
  askNotNullAddition(model: string, field: string): Promise<unknown>
  /**
   * A one-off value for rows holding NULL when a field becomes NOT NULL without a default, or
   * `null` to leave them to the migration's author (it fails if such rows exist).
   */
  askNotNullAlteration(model: string, field: string): Promise<{ value: unknown } | null>
  /** Something the user should know (printed by the CLI). */
  warn(message: string): void
}

/** Answers given on the command line: `--rename`, `--default`, `--yes`. */
export interface QuestionHints {
  /** `Post.title=Post.headline` (a field) or `Post=Article` (a model). */
  renames?: readonly string[]
  /** One-off values for NOT NULL fields: `{ 'Post.rating': 0 }`. */
  defaults?: Readonly<Record<string, unknown>>
  /** Answer yes to every rename question. */
  yes?: boolean
}

/** Parses `--rename` hints into pairs; a malformed one is a `QuestionError`. */
export function parseRenames(renames: readonly string[]): { models: Map<string, string>; fields: Map<string, string> } {
  const models = new Map<string, string>()
  const fields = new Map<string, string>()
  for (const r of renames) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z][A-Za-z0-9]*))?=([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z][A-Za-z0-9]*))?$/.exec(r.trim())
    if (!m || (m[2] === undefined) !== (m[4] === undefined))
      throw new QuestionError(`--rename ${JSON.stringify(r)}: write Model.oldField=Model.newField for a field, or OldModel=NewModel for a model`)
    if (m[2] === undefined) models.set(m[1]!, m[3]!)
    else {
      if (m[1] !== m[3]) throw new QuestionError(`--rename ${JSON.stringify(r)}: a field keeps its model (rename the model with OldModel=NewModel)`)
      fields.set(`${m[1]}.${m[2]}`, `${m[3]}.${m[4]}`)
    }
  }
  return { models, fields }
}

/**
 * Answers from hints only (`--no-input`, or no terminal): a question without a hint is a
 * `QuestionError` that says which option answers it.
 */
export class HintQuestioner implements Questioner {
  readonly #renames: ReturnType<typeof parseRenames>
  readonly #defaults: Readonly<Record<string, unknown>>
  readonly #yes: boolean
  readonly warnings: string[] = []

  constructor(hints: QuestionHints = {}) {
    this.#renames = parseRenames(hints.renames ?? [])
    this.#defaults = hints.defaults ?? {}
    this.#yes = hints.yes === true
  }

  /** The hinted answer to a model rename, if any. */
  hintModel(oldName: string, newName: string): boolean | undefined {
    const to = this.#renames.models.get(oldName)
    if (to !== undefined) return to === newName
    if ([...this.#renames.models.values()].includes(newName)) return false
    return this.#yes ? true : undefined
  }

  /** The hinted answer to a field rename, if any. */
  hintField(model: string, oldName: string, newName: string): boolean | undefined {
    const to = this.#renames.fields.get(`${model}.${oldName}`)
    if (to !== undefined) return to === `${model}.${newName}`
    if ([...this.#renames.fields.values()].includes(`${model}.${newName}`)) return false
    return this.#yes ? true : undefined
  }

  /** The hinted one-off value of `model.field`, if any. */
  hintDefault(model: string, field: string): { value: unknown } | undefined {
    const key = `${model}.${field}`
    return key in this.#defaults ? { value: this.#defaults[key] } : undefined
  }

  async askRenameModel(oldName: string, newName: string): Promise<boolean> {
    const hint = this.hintModel(oldName, newName)
    if (hint !== undefined) return hint
    throw new QuestionError(
      `Was the model ${oldName} renamed to ${newName}? Without input this needs an answer: pass --rename ${oldName}=${newName} (or --yes) if it was; if it was not, delete ${oldName} and create ${newName} in two separate makemigrations runs.`,
      { model: newName },
    )
  }

  async askRenameField(model: string, oldName: string, newName: string, def: FieldDef): Promise<boolean> {
    const hint = this.hintField(model, oldName, newName)
    if (hint !== undefined) return hint
    throw new QuestionError(
      `Was ${model}.${oldName} renamed to ${model}.${newName} (a ${def.kind} field)? Without input this needs an answer: pass --rename ${model}.${oldName}=${model}.${newName} (or --yes) if it was; if it was not, remove one and add the other in two separate makemigrations runs.`,
      { model, field: newName },
    )
  }

  async askNotNullAddition(model: string, field: string): Promise<unknown> {
    const hint = this.hintDefault(model, field)
    if (hint) return hint.value
    throw new QuestionError(
      `It is impossible to add the NOT NULL field ${model}.${field} without a default: rows that exist in its table need a value. Give the field a default, or null: true, or pass --default ${model}.${field}=<value> for a one-off value.`,
      { model, field },
    )
  }

  async askNotNullAlteration(model: string, field: string): Promise<{ value: unknown } | null> {
    const hint = this.hintDefault(model, field)
    if (hint) return hint
    this.warn(`${model}.${field} becomes NOT NULL without a default: rows holding NULL will make the migration fail. Pass --default ${model}.${field}=<value> to fill them, or update them first.`)
    return null
  }

  warn(message: string): void {
    this.warnings.push(message)
  }
}

/** Reads a `--default` value: JSON (`0`, `"x"`, `true`, `null`) or, failing that, the text as is. */
export function parseDefaultValue(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
