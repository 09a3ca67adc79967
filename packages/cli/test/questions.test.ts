import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { Output } from '../src/output.js'
import { QuitError, TtyQuestioner } from '../src/tty-questioner.js'

/** A fake terminal: answers are queued and fed when the questioner reads. */
function terminal(answers: string[]) {
  const input = Object.assign(new PassThrough(), { isTTY: true })
  const output = Object.assign(new PassThrough(), { isTTY: true })
  let text = ''
  output.on('data', (d) => {
    text += String(d)
    // Answer each prompt once it is shown.
    if (/(\] |: )$/.test(text) && answers.length) input.write(`${answers.shift()}\n`)
  })
  const out = new Output({ in: input, out: output, err: new PassThrough(), cwd: '/', env: { NO_COLOR: '1' } })
  return { out, transcript: () => text }
}

describe('questions on a terminal', () => {
  it('asks whether a field was renamed, and takes y or n (empty means no)', async () => {
    const t = terminal(['maybe', 'y', ''])
    const q = new TtyQuestioner(t.out, {})
    expect(await q.askRenameField('Post', 'title', 'headline', { kind: 'char', options: {} })).toBe(true)
    expect(await q.askRenameModel('Post', 'Article')).toBe(false)
    q.close()
    expect(t.transcript()).toContain('Was Post.title renamed to Post.headline (a char field)? [y/N]')
    expect(t.transcript()).toContain('Please answer y or n.')
  })

  it('takes a one-off value as JSON or text, and lets the user quit', async () => {
    const t = terminal(['1', '42', '1', 'hello', '3'])
    const q = new TtyQuestioner(t.out, {})
    expect(await q.askNotNullAddition('Post', 'rating')).toBe(42)
    expect(await q.askNotNullAlteration('Post', 'title')).toEqual({ value: 'hello' })
    await expect(q.askNotNullAlteration('Post', 'body')).rejects.toBeInstanceOf(QuitError)
    q.close()
    expect(t.transcript()).toContain('It is impossible to add the NOT NULL field Post.rating without a default')
  })

  it('uses hints before asking', async () => {
    const t = terminal([])
    const q = new TtyQuestioner(t.out, { renames: ['Post.title=Post.headline'], defaults: { 'Post.rating': 0 } })
    expect(await q.askRenameField('Post', 'title', 'headline', { kind: 'char', options: {} })).toBe(true)
    expect(await q.askNotNullAddition('Post', 'rating')).toBe(0)
    q.close()
    expect(t.transcript()).toBe('')
  })
})
