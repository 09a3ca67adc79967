/** Sequelize 6: models defined with `define`, finders, `include`, managed transactions. */
import { DataTypes, type ModelStatic, Op, type Model as SequelizeModel, Sequelize } from 'sequelize'
import type { Target } from '../config.js'
import type { Contender } from '../contender.js'
import { escapeLike } from './raw.js'
import { sqlite3Shim } from './sqlite3-shim.js'

type M = ModelStatic<SequelizeModel>

function sequelizeFor(target: Target): Sequelize {
  const common = { logging: false, pool: { max: 10 } } as const
  switch (target.db) {
    case 'sqlite':
      return new Sequelize({ ...common, dialect: 'sqlite', storage: target.url, dialectModule: sqlite3Shim })
    case 'postgres':
      return new Sequelize(target.url, { ...common, dialect: 'postgres' })
    case 'mysql':
      return new Sequelize(target.url.replace(/^mysql:/, 'mariadb:'), { ...common, dialect: 'mariadb', timezone: '+00:00' })
  }
}

/** Sequelize on the target's database. */
export async function create(target: Target): Promise<Contender> {
  const sequelize = sequelizeFor(target)
  const date = target.db === 'mysql' ? DataTypes.DATE(6) : DataTypes.DATE
  const options = { timestamps: false, freezeTableName: true }
  const Author: M = sequelize.define('Author', { id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true }, name: DataTypes.STRING(100), email: DataTypes.STRING(254) }, { ...options, tableName: 'author' })
  const Post: M = sequelize.define(
    'Post',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      title: DataTypes.STRING(100),
      content: DataTypes.TEXT,
      pubDate: { type: date, field: 'pub_date' },
      authorId: { type: DataTypes.INTEGER, field: 'author_id' },
    },
    { ...options, tableName: 'post' },
  )
  const Comment: M = sequelize.define(
    'Comment',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      postId: { type: DataTypes.INTEGER, field: 'post_id' },
      author: DataTypes.STRING(50),
      text: DataTypes.TEXT,
      pubDate: { type: date, field: 'pub_date' },
    },
    { ...options, tableName: 'comment' },
  )
  Post.belongsTo(Author, { as: 'author', foreignKey: 'authorId' })
  Post.hasMany(Comment, { as: 'comments', foreignKey: 'postId' })
  await sequelize.authenticate()
  return {
    getPost: (id) => Post.findByPk(id),
    titleSearch: (word) => Post.findAll({ where: { title: { [Op.like]: `%${escapeLike(word)}%` } }, order: [['pubDate', 'DESC']], limit: 20 }),
    authorPrefix: (prefix) =>
      Post.findAll({ include: [{ model: Author, as: 'author', attributes: [], where: { name: { [Op.like]: `${escapeLike(prefix)}%` } } }], order: [['id', 'ASC']] }),
    postsWithAuthor: (start) => Post.findAll({ where: { id: { [Op.gte]: start } }, order: [['id', 'ASC']], limit: 20, include: [{ model: Author, as: 'author' }] }),
    postsWithComments: (start) =>
      Post.findAll({ where: { id: { [Op.gte]: start } }, order: [['id', 'ASC']], limit: 20, include: [{ model: Comment, as: 'comments', separate: true }] }),
    commentCounts: (ids) =>
      Comment.findAll({
        attributes: ['postId', [sequelize.fn('count', sequelize.col('id')), 'n']],
        where: { postId: { [Op.in]: [...ids] } },
        group: ['postId'],
        order: [['postId', 'ASC']],
        raw: true,
      }),
    async insertPost(p) {
      return (await Post.create({ ...p })).get('id')
    },
    bulkInsertComments: (rows) => Comment.bulkCreate(rows.map((r) => ({ ...r }))),
    updatePost: (id, title) => Post.update({ title }, { where: { id } }),
    transaction: (p, comments) =>
      sequelize.transaction(async (transaction) => {
        const post = await Post.create({ ...p }, { transaction })
        const id = post.get('id') as number
        await Comment.bulkCreate(
          comments.map((c) => ({ ...c, postId: id })),
          { transaction },
        )
        return id
      }),
    allPosts: () => Post.findAll(),
    close: () => sequelize.close(),
  }
}
