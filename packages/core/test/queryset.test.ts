import { describe, expect, it } from 'vitest'
import { ConnectionError, Count, F, f, FieldError, model, Q, TypeMismatchError } from '../src/index.js'

class Writer extends model('Writer', { name: f.char({ maxLength: 50 }) }) {}
class Story extends model('Story', {
  title: f.char({ maxLength: 100 }),
  published: f.dateTime({ null: true }),
  writer: f.foreignKey('Writer', { onDelete: 'CASCADE', null: true }),
}) {}
const qs = () => Story.objects.all() as unknown as { filter(x: unknown): unknown; exclude(x: unknown): unknown; orderBy(...x: unknown[]): unknown; values(...x: unknown[]): unknown; annotate(x: unknown): unknown }

describe('QuerySet building (no database needed)', () => {
  it('is immutable: every chained call returns a new QuerySet', () => {
    const a = Story.objects.all()
    const b = a.filter({ title: 'x' })
    expect(b).not.toBe(a)
    expect(a.state.where).toBeNull()
    expect(b.state.where).not.toBeNull()
  })

  it('checks every name synchronously and names the model and the choices', () => {
    expect(() => qs().filter({ titel: 'x' })).toThrow(FieldError)
    expect(() => qs().filter({ titel: 'x' })).toThrow(/Story has no field named "titel". Choices are: id, published, title, writer/)
    expect(() => qs().filter({ title__year: 2020 })).toThrow(/Unsupported lookup 'year' for Story.title/)
    expect(() => qs().filter({ title__foo: 'x' })).toThrow(FieldError)
    expect(() => qs().filter({ writer__nmae: 'x' })).toThrow(/Writer has no field named "nmae"/)
    expect(() => qs().orderBy('-nope')).toThrow(FieldError)
    expect(() => qs().values('nope')).toThrow(FieldError)
    expect(() => qs().annotate({ n: Count('nope') })).toThrow(FieldError)
    expect(() => qs().filter({ title: F('nope') })).toThrow(FieldError)
  })

  it('treats prototype keys as unknown fields', () => {
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const input = JSON.parse(`{"${key}": 1}`)
      expect(() => qs().filter(input), key).toThrow(FieldError)
      expect(() => Story.objects.filter(Q(input)), key).toThrow(FieldError)
    }
  })

  it('refuses undefined, objects and arrays where a value is expected', () => {
    expect(() => qs().filter({ title: undefined })).toThrow(/undefined is not allowed/)
    expect(() => qs().filter({ title: { $ne: 'x' } })).toThrow(TypeMismatchError)
    expect(() => qs().filter({ title: ['a'] })).toThrow(TypeMismatchError)
    expect(() => qs().filter({ title__in: 'abc' })).toThrow(/an array or a QuerySet/)
    expect(() => qs().filter({ title__isnull: 'yes' })).toThrow(/true or false/)
    expect(() => qs().filter({ title__range: [1] })).toThrow(/pair/)
    expect(() => qs().filter({ title__gt: null })).toThrow(/does not accept null/)
    expect(() => qs().filter({ published: 'not a date' })).toThrow(TypeMismatchError)
    expect(() => qs().filter({ id: Number.NaN })).toThrow(TypeMismatchError)
    expect(() => qs().filter('title' as never)).toThrow(TypeMismatchError)
  })

  it('turns exact null into isnull', () => {
    const where = Story.objects.filter({ writer: null }).state.where as unknown as { children: { lookup: string; value: unknown }[] }
    expect(where.children[0]).toMatchObject({ lookup: 'isnull', value: true })
  })

  it('needs connect() before running, with a clear error', async () => {
    await expect(Story.objects.count()).rejects.toThrow(ConnectionError)
    await expect(Story.objects.count()).rejects.toThrow(/call connect\(\)/)
  })

  it('refuses negative slices and filtering after a slice', () => {
    expect(() => Story.objects.all().slice(-1)).toThrow(/negative/i)
    expect(() => (Story.objects.all().slice(0, 2) as unknown as { filter(x: unknown): unknown }).filter({ title: 'x' })).toThrow(/slice has been taken/)
  })

  it('refuses annotations that clash with fields', () => {
    expect(() => qs().annotate({ title: Count('id') })).toThrow(/conflicts with a field/)
  })
})
