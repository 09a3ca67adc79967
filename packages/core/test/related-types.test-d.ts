import {
  type DeleteArgs,
  type ManyRelatedManager,
  m2mChanged,
  type NullableRelatedManager,
  postSave,
  preDelete,
  type RelatedManager,
} from '@strata/core'
import { describe, expectTypeOf, test } from 'vitest'
import type { Author } from './fixtures/author.js'
import type { Category } from './fixtures/category.js'
import type { Comment } from './fixtures/comment.js'
import { Member, type MemberCard } from './fixtures/member.js'
import { Post } from './fixtures/post.js'
import type { Tag } from './fixtures/tag.js'

declare const post: Post
declare const author: Author
declare const tag: Tag
declare const member: Member
declare const category: Category

describe('related manager types', () => {
  test('a forward many-to-many is a typed manager property', () => {
    expectTypeOf(post.tags).toEqualTypeOf<ManyRelatedManager<Tag>>()
    expectTypeOf(post.tags.all()).resolves.toEqualTypeOf<Tag[]>()
    expectTypeOf(post.tags.add(tag, 3)).resolves.toBeVoid()
    expectTypeOf(post.tags.add(tag, { throughDefaults: { note: 'x' } })).resolves.toBeVoid()
    // @ts-expect-error a Post is not a Tag
    post.tags.add(post)
  })

  test('related(name) types reverse managers from the Models registry', () => {
    expectTypeOf(post.related('commentSet')).toEqualTypeOf<RelatedManager<Comment, 'post'>>()
    expectTypeOf(author.related('posts')).toEqualTypeOf<NullableRelatedManager<Post, 'author'>>()
    expectTypeOf(tag.related('posts')).toEqualTypeOf<ManyRelatedManager<Post>>()
    expectTypeOf(post.related('tags')).toEqualTypeOf<ManyRelatedManager<Tag>>()
    expectTypeOf(category.related('children')).toEqualTypeOf<NullableRelatedManager<Category, 'parent'>>()
    expectTypeOf(post.related('commentSet').filter({ author: 'x' }).first()).resolves.toEqualTypeOf<Comment | null>()
    // @ts-expect-error no such relation
    post.related('comments')
  })

  test('create() on a reverse manager omits the foreign key; remove/clear exist only when it is nullable', () => {
    expectTypeOf(post.related('commentSet').create).toBeCallableWith({ author: 'a', text: 't' })
    // @ts-expect-error text is required
    post.related('commentSet').create({ author: 'a' })
    // @ts-expect-error Comment.post is not nullable
    post.related('commentSet').remove
    expectTypeOf(author.related('posts').remove).toBeFunction()
    expectTypeOf(author.related('posts').clear).toBeFunction()
  })

  test("'self' relations resolve to the model; symmetrical ones have no reverse name; one-to-one is the object", () => {
    expectTypeOf(member.friends).toEqualTypeOf<ManyRelatedManager<Member>>()
    expectTypeOf(member.related('fans')).toEqualTypeOf<ManyRelatedManager<Member>>()
    expectTypeOf(member.related('mentees')).toEqualTypeOf<NullableRelatedManager<Member, 'mentor'>>()
    expectTypeOf(member.mentor).toEqualTypeOf<Member | null>()
    expectTypeOf(member.related('memberCard')).toEqualTypeOf<MemberCard>()
    // @ts-expect-error a symmetrical self relation has no reverse accessor
    member.related('memberSet')
    expectTypeOf(Member.objects.filter({ friends__name: 'x', mentor__mentor__name: 'y', mentees__name: 'z', fans__name: 'f' }).count()).resolves.toBeNumber()
    // @ts-expect-error a symmetrical self relation has no reverse query name either
    Member.objects.filter({ member__name: 'x' })
  })

  test('signal receivers get the sender’s instance type', () => {
    postSave.connect(
      ({ instance, created, updateFields }) => {
        expectTypeOf(instance).toEqualTypeOf<Post>()
        expectTypeOf(created).toBeBoolean()
        expectTypeOf(updateFields).toEqualTypeOf<readonly string[] | null>()
      },
      { sender: Post },
    )
    preDelete.connect((args) => {
      expectTypeOf(args).toEqualTypeOf<DeleteArgs<object>>()
    })
    m2mChanged.connect(({ action, pkSet }) => {
      expectTypeOf(action).toEqualTypeOf<'preAdd' | 'postAdd' | 'preRemove' | 'postRemove' | 'preClear' | 'postClear'>()
      expectTypeOf(pkSet).toEqualTypeOf<ReadonlySet<unknown> | null>()
    })
  })
})
