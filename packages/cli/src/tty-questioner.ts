import { createInterface, type Interface } from 'node:readline/promises'
import { type FieldDef, HintQuestioner, type QuestionHints, type Questioner } from '@strata/migrations'
import type { Output } from './output.js'

/**
 * Asks on the terminal what hints do not answer (Django's `InteractiveMigrationQuestioner`):
 * renames (y/N) and one-off values for NOT NULL fields.
 */
export class TtyQuestioner implements Questioner {
  readonly #hints: HintQuestioner
  readonly #out: Output
  #rl: Interface | undefined

  constructor(out: Output, hints: QuestionHints) {
    this.#out = out
    this.#hints = new HintQuestioner(hints)
  }

  #readline(): Interface {
    this.#rl ??= createInterface({ input: this.#out.io.in, output: this.#out.io.out, terminal: true })
    return this.#rl
  }

  /** Closes the terminal reader. */
  close(): void {
    this.#rl?.close()
  }

  async #yesNo(question: string): Promise<boolean> {
    for (;;) {
      const a = (await this.#readline().question(`${question} [y/N] `)).trim().toLowerCase()
      if (a === '' || a === 'n' || a === 'no') return false
      if (a === 'y' || a === 'yes') return true
      this.#out.line('Please answer y or n.')
    }
  }

  async #value(model: string, field: string, why: string, allowSkip: boolean): Promise<{ value: unknown } | null> {
    this.#out.line(why)
    this.#out.line(' 1) Provide a one-off value now (it fills the rows that exist; the model keeps no default)')
    if (allowSkip) this.#out.line(' 2) Continue without one (the migration fails if a row holds NULL)')
    this.#out.line(` ${allowSkip ? 3 : 2}) Quit, and give ${model}.${field} a default (or null: true) in the model`)
    for (;;) {
      const choice = (await this.#readline().question('Select an option: ')).trim()
      if (choice === '1') {
        for (;;) {
          const text = (await this.#readline().question('Value, as JSON (0, "text", true, null) or plain text: ')).trim()
          if (text === '') continue
          try {
            return { value: JSON.parse(text) }
          } catch {
            return { value: text }
          }
        }
      }
      if (allowSkip && choice === '2') return null
      if (choice === String(allowSkip ? 3 : 2)) throw new QuitError()
      this.#out.line('Please choose one of the numbers above.')
    }
  }

  async askRenameModel(oldName: string, newName: string): Promise<boolean> {
    return this.#hints.hintModel(oldName, newName) ?? this.#yesNo(`Was the model ${oldName} renamed to ${newName}?`)
  }

  async askRenameField(model: string, oldName: string, newName: string, def: FieldDef): Promise<boolean> {
    return this.#hints.hintField(model, oldName, newName) ?? this.#yesNo(`Was ${model}.${oldName} renamed to ${model}.${newName} (a ${def.kind} field)?`)
  }

  async askNotNullAddition(model: string, field: string): Promise<unknown> {
    const hint = this.#hints.hintDefault(model, field)
    if (hint) return hint.value
    const answer = await this.#value(model, field, `It is impossible to add the NOT NULL field ${model}.${field} without a default: rows that exist need a value.`, false)
    return answer!.value
  }

  async askNotNullAlteration(model: string, field: string): Promise<{ value: unknown } | null> {
    return this.#hints.hintDefault(model, field) ?? this.#value(model, field, `${model}.${field} becomes NOT NULL without a default: rows holding NULL need a value.`, true)
  }

  warn(message: string): void {
    this.#out.warn(message)
  }
}

/** The user chose to quit at a question. */
export class QuitError extends Error {
  override readonly name = 'QuitError'
  constructor() {
    super('Stopped at your request; nothing was written.')
  }
}
