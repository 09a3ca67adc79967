import { f, type ManyRelatedManager, model, type NullableRelatedManager, type RelatedManager } from '@strata/core'

// Fixtures for relation fields, related managers, deletion and signals (Django's tests/many_to_one,
// many_to_many, one_to_one, m2m_through and delete). None of them points at the blog models, so
// the blog's reverse names stay as they are.

/** Reverse foreign-key managers: `reporter.articleSet` (non-null key) and `reporter.edited` (nullable). */
export class Reporter extends model('Reporter', {
  firstName: f.char({ maxLength: 30 }),
  lastName: f.char({ maxLength: 30, default: '' }),
}) {
  // Reverse accessors are declared on the other model: a `declare` line types the property
  // (`reporter.related('articleSet')` is typed without it, from the Models registry).
  declare readonly articleSet: RelatedManager<Article, 'reporter'>
  declare readonly edited: NullableRelatedManager<Article, 'editor'>

  override toString(): string {
    return this.firstName
  }
}

/** The other side of `Article.publications` (`publication.articleSet`). */
export class Publication extends model('Publication', { title: f.char({ maxLength: 50 }) }, { ordering: ['title'] }) {
  declare readonly articleSet: ManyRelatedManager<Article>

  override toString(): string {
    return this.title
  }
}

export class Article extends model(
  'Article',
  {
    headline: f.char({ maxLength: 100 }),
    reporter: f.foreignKey('Reporter', { onDelete: 'CASCADE' }),
    editor: f.foreignKey('Reporter', { onDelete: 'SET_NULL', null: true, relatedName: 'edited' }),
    publications: f.manyToMany('Publication'),
  },
  { ordering: ['headline'] },
) {
  override toString(): string {
    return this.headline
  }
}

/** Self many-to-many: `friends` is symmetrical (the default), `idols` is not (`fans` the other way). */
export class Person extends model(
  'Person',
  {
    name: f.char({ maxLength: 30 }),
    friends: f.manyToMany('self'),
    idols: f.manyToMany('self', { symmetrical: false, relatedName: 'fans' }),
  },
  { ordering: ['name'] },
) {
  declare readonly fans: ManyRelatedManager<Person>
  declare readonly clubs: ManyRelatedManager<Club>
  declare readonly invitations: NullableRelatedManager<Membership, 'invitedBy'>
  declare readonly membershipSet: RelatedManager<Membership, 'person'>

  override toString(): string {
    return this.name
  }
}

/** A many-to-many through a user-declared join model with extra fields. */
export class Club extends model('Club', {
  name: f.char({ maxLength: 30 }),
  members: f.manyToMany('Person', { through: 'Membership', throughFields: ['club', 'person'], relatedName: 'clubs' }),
}) {
  override toString(): string {
    return this.name
  }
}

/** The join model of `Club.members`: two keys to Person make `throughFields` necessary. */
export class Membership extends model('Membership', {
  club: f.foreignKey('Club', { onDelete: 'CASCADE' }),
  person: f.foreignKey('Person', { onDelete: 'CASCADE' }),
  invitedBy: f.foreignKey('Person', { onDelete: 'SET_NULL', null: true, relatedName: 'invitations' }),
  role: f.char({ maxLength: 20, default: 'member' }),
  level: f.integer(),
  joined: f.dateTime({ autoNowAdd: true }),
}) {}

/** One-to-one: `restaurant.place` forward, `place.restaurant` reverse (an attribute). */
export class Place extends model('Place', { name: f.char({ maxLength: 50 }) }) {
  /** The reverse one-to-one: throws `Restaurant.DoesNotExist` when loaded and absent. */
  declare restaurant: Restaurant

  override toString(): string {
    return this.name
  }
}

export class Restaurant extends model('Restaurant', {
  place: f.oneToOne('Place', { onDelete: 'CASCADE' }),
  servesPizza: f.boolean({ default: false }),
}) {}

/** The primary key of the `DelR` row that `SET_DEFAULT` points `DelA.setdefault` at. */
export const DEFAULT_DEL_R = 900_000

/** Deletion (Django's tests/delete): R <- S <- T <- U cascades, and A with every onDelete rule. */
export class DelR extends model('DelR', { name: f.char({ maxLength: 30, default: '' }) }) {}

export class DelS extends model('DelS', { r: f.foreignKey('DelR', { onDelete: 'CASCADE' }) }) {}

export class DelT extends model('DelT', { s: f.foreignKey('DelS', { onDelete: 'CASCADE' }) }) {}

export class DelU extends model('DelU', {
  t: f.foreignKey('DelT', { onDelete: 'CASCADE' }),
  rs: f.manyToMany('DelR', { relatedName: 'us' }),
}) {}

export class DelA extends model('DelA', {
  name: f.char({ maxLength: 30, default: '' }),
  cascade: f.foreignKey('DelR', { onDelete: 'CASCADE', null: true, relatedName: 'cascadeSet' }),
  setnull: f.foreignKey('DelR', { onDelete: 'SET_NULL', null: true, relatedName: 'setnullSet' }),
  setdefault: f.foreignKey('DelR', { onDelete: 'SET_DEFAULT', null: true, default: DEFAULT_DEL_R, relatedName: 'setdefaultSet' }),
  protect: f.foreignKey('DelR', { onDelete: 'PROTECT', null: true, relatedName: 'protectSet' }),
  restrict: f.foreignKey('DelR', { onDelete: 'RESTRICT', null: true, relatedName: 'restrictSet' }),
  donothing: f.foreignKey('DelR', { onDelete: 'DO_NOTHING', null: true, relatedName: 'donothingSet' }),
  hidden: f.foreignKey('DelR', { onDelete: 'CASCADE', null: true, relatedName: '+' }),
}) {}

/** Deletion below A: B cascades from A, so deleting R reaches B through A. */
export class DelB extends model('DelB', { a: f.foreignKey('DelA', { onDelete: 'CASCADE' }) }) {}

/** Every relation fixture, parents first (appended to `MODELS`). */
export const RELATION_MODELS = [
  Reporter,
  Publication,
  Article,
  Person,
  Club,
  Membership,
  Place,
  Restaurant,
  DelR,
  DelS,
  DelT,
  DelU,
  DelA,
  DelB,
] as const

declare module '@strata/core' {
  interface Models {
    Reporter: Reporter
    Publication: Publication
    Article: Article
    Person: Person
    Club: Club
    Membership: Membership
    Place: Place
    Restaurant: Restaurant
    DelR: DelR
    DelS: DelS
    DelT: DelT
    DelU: DelU
    DelA: DelA
    DelB: DelB
  }
}
