import type { QuerySet } from '@strata/core'
import { describe, expectTypeOf, it } from 'vitest'
import { Admin, type AdminContext, action, column } from '../src/index.js'
import { Author, Post } from './support/models.js'

describe('register() is typed by the model', () => {
  it('gives computed columns, filters, actions and hooks the model instance type', () => {
    const admin = new Admin()
    admin.register(Post, {
      listDisplay: [
        'title',
        column<Post>({
          name: 'words',
          value: (p) => {
            expectTypeOf(p.title).toEqualTypeOf<string>()
            return p.content.length
          },
        }),
      ],
      listFilter: [{ title: 'rating', parameterName: 'band', lookups: () => [['high', 'High']], queryset: (qs, value) => (value === 'high' ? qs.filter({ rating__gte: '4.00' }) : qs) }],
      actions: ['delete_selected', action<Post>({ name: 'publish', description: 'Publish', run: async (qs) => `${await qs.update({ status: 'published' })}` })],
      getQueryset: (qs, ctx) => {
        expectTypeOf(qs).toEqualTypeOf<QuerySet<Post>>()
        expectTypeOf(ctx).toEqualTypeOf<AdminContext>()
        return qs.filter({ title__icontains: 'x' })
      },
      hasDeletePermission: (ctx, obj) => {
        expectTypeOf(obj).toEqualTypeOf<Post | undefined>()
        return ctx.user.isSuperuser
      },
    })
    // @ts-expect-error a column of another model's instances
    admin.register(Author, { listDisplay: [column<Post>({ name: 'x', value: (p) => p.title })] })
    // @ts-expect-error options are checked: listPerPage is a number
    admin.register(Author, { listPerPage: '10' })
  })
})
